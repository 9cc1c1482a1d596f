/**
 * Web seeds (BEP 19, "GetRight style"): HTTP(S) servers that hold a torrent's files, used as a
 * seed that never chokes. Pieces are fetched with range requests, one per file span, bounded in
 * size, time, redirects and concurrency; errors are {@link dev.spate.webseed.WebSeedException}s
 * naming the URL and the reason. Imports only {@code metainfo}, {@code core} and the JDK.
 *
 * <p><b>Who calls what.</b> The torrent's loop (the web seed role in {@code engine}) owns, per url-list or {@code ws}
 * entry, one {@link dev.spate.webseed.WebSeed} (thread-safe, blocking IO) and one {@link
 * dev.spate.webseed.WebSeedBackOff} (pure, not thread-safe, the loop's alone):
 * <ol>
 *   <li>On a tick, for each web seed whose back-off {@link dev.spate.webseed.WebSeedBackOff#mayTry()
 *       allows} and that runs fewer than {@link dev.spate.webseed.WebSeed#maxConcurrentRequests()}
 *       fetches, the loop takes a piece from the picker that no peer is serving (a web seed takes
 *       what peers are not giving), marks it as in progress for that source, and starts a virtual
 *       thread.</li>
 *   <li>That thread calls {@link dev.spate.webseed.WebSeed#fetchPiece(int, java.nio.ByteBuffer)}
 *       into a pooled piece buffer, and sends the loop the outcome as a message: the bytes, or the
 *       exception. It touches nothing else.</li>
 *   <li>The loop, on bytes: {@link dev.spate.webseed.WebSeedBackOff#succeeded()}, then the piece
 *       goes to storage to be hashed like a piece from peers. On a failed hash: {@link
 *       dev.spate.webseed.WebSeedBackOff#hashFailed(int)}, which drops the web seed for the session
 *       (interrupt its other fetches). On an exception: {@link
 *       dev.spate.webseed.WebSeedBackOff#failed(WebSeedException)} and the piece goes back to the
 *       picker.</li>
 *   <li>Stopping the torrent interrupts the fetching threads; each returns at once.</li>
 * </ol>
 */
package dev.spate.webseed;
