package dev.spate.webseed;

import java.net.URI;

/**
 * One HTTP range request of a fetch: the part of one file that a range of the torrent's byte
 * stream covers (BEP 19: a piece that spans files takes one request per file).
 *
 * @param fileIndex index into the torrent's files
 * @param uri the file's URL on the web seed
 * @param fileLength the file's length as the torrent says; the server's must be the same
 * @param first the first byte asked for, within the file
 * @param length bytes asked for, at least 1; {@code Range: bytes=first-(first+length-1)}
 * @param bufferOffset where these bytes go within the fetched range
 */
record SpanRequest(int fileIndex, URI uri, long fileLength, long first, int length, int bufferOffset) {

    /** The last byte asked for, inclusive, as in a {@code Range} header. */
    long last() {
        return first + length - 1;
    }

    /** {@code bytes=FIRST-LAST}, the value of the request's {@code Range} header. */
    String rangeHeader() {
        return "bytes=" + first + "-" + last();
    }

    /** {@code bytes FIRST-LAST}, for messages. */
    String describe() {
        return "bytes " + first + "-" + last();
    }
}
