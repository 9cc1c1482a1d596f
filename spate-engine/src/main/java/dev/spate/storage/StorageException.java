package dev.spate.storage;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failure on the storage's side: a missing file, a file shorter than the torrent says, a read or
 * write that failed, a symbolic link refused. Its message names the path and the system's reason.
 * From {@link Storage#transferTo} it tells such a failure from any other IOException of that call,
 * which is the target's (a closed socket), the connection's business, not the torrent's.
 */
public final class StorageException extends IOException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The system's words for an IO failure ("Permission denied", "No space left on device"), without
     * the path, which the caller's message names. The JDK leaves the reason out of some exceptions
     * (the class says it), so it is put back here in the words of strerror.
     */
    static String reason(Throwable e) {
        if (e instanceof FileSystemException f) {
            if (f.getReason() != null) {
                return f.getReason();
            }
            return switch (f) {
                case AccessDeniedException x -> "Permission denied";
                case NoSuchFileException x -> "No such file or directory";
                case FileAlreadyExistsException x -> "File exists";
                case NotDirectoryException x -> "Not a directory";
                case DirectoryNotEmptyException x -> "Directory not empty";
                default -> f.getClass().getSimpleName();
            };
        }
        if (e.getMessage() != null) {
            return e.getMessage();
        }
        return switch (e) {
            case ClosedByInterruptException x -> "interrupted";
            case ClosedChannelException x -> "the channel is closed";
            default -> e.getClass().getSimpleName();
        };
    }
}
