/**
 * Pieces onto files: the torrent's byte stream laid over its files (BEP 3), positional reads and
 * writes with one write per file span, SHA-1 verification on a small pool of platform threads with
 * a bounded number of bytes queued for disk, a pool of piece buffers, and the resume check (a
 * small resume file per torrent and download directory in the session's state directory,
 * {@link dev.spate.storage.ResumeStore}, or hashing what is on disk), and moving a torrent's files
 * to another directory so that a crash midway is finished at the next start
 * ({@link dev.spate.storage.StorageMove}, journalled by {@link dev.spate.storage.MoveJournal}).
 *
 * <p>Everything sits behind the narrow {@link dev.spate.storage.Storage} interface, implemented by
 * {@link dev.spate.storage.FileStorage} and, for tests, {@link dev.spate.storage.MemoryStorage}.
 * Imports only {@code dev.spate.metainfo}, {@code dev.spate.core} and the JDK.
 */
package dev.spate.storage;
