package dev.spate.storage;

import java.io.IOException;

/**
 * A failure on the storage's side of {@link Storage#transferTo}: a missing file, a file shorter
 * than the torrent says, a read that failed. Any other IOException from that call is the target's
 * (a closed socket), which is the connection's business, not the torrent's.
 */
public final class StorageException extends IOException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
