/**
 * Integration-test fixtures that run real reference BitTorrent clients (test code only; run by failsafe as
 * {@code *IT} classes). Every fixture is {@link java.lang.AutoCloseable}, bounded in time, logs to
 * {@code target/it-logs/}, and talks only to 127.0.0.1 or to a {@link dev.spate.it.NetNamespace} it made.
 *
 * <p>Client behaviour the fixtures rely on (checked on Debian 12 packages):
 * <ul>
 *   <li>python3-libtorrent 2.0.8 is built for the system Python: run {@code /usr/bin/python3}, not the
 *       first {@code python3} on the PATH (a pyenv shim here). {@code create_torrent} makes v1+v2 hybrids
 *       unless given {@code create_torrent.v1_only}; lt_peer.py creates v1-only torrents by default.</li>
 *   <li>Transmission 3.00 does not dial peers in 127.0.0.0/8 that it learns from a tracker ("Got N peers
 *       from tracker", then no connection); it does accept incoming connections from 127.0.0.1 and serves
 *       them. transmission-remote cannot add a peer by address. Tests that need it to dial out run it in a
 *       namespace with 198.18.0.x addresses. A Transmission seed sends its first block only at its next
 *       rechoke, up to about 10 s after the handshake. A seed with no peers shows state "Idle".</li>
 *   <li>Debian's opentracker is built in whitelist mode: unknown info-hashes get "Requested download is not
 *       authorized" over HTTP and no answer over UDP; see {@link dev.spate.it.Opentracker#allow}. The
 *       {@code -i} before {@code -p}/{@code -P} picks the address they bind. Run as root it chroots to
 *       {@code -d} and becomes nobody.</li>
 *   <li>mktorrent 1.1 requires an announce URL ({@link dev.spate.it.Mktorrent#DEAD_TRACKER} otherwise).</li>
 *   <li>aria2c cannot be given a peer: it finds peers through trackers only.</li>
 *   <li>libtorrent and aria2 create the zero-length files of a multi-file torrent (Transmission as a leech:
 *       not checked).</li>
 * </ul>
 */
package dev.spate.it;
