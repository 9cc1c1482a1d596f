package dev.spate.wire;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.Bencode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Extension messages captured from libtorrent 2.0.8 on 127.0.0.1 by
 * {@code src/test/resources/wire/libtorrent/capture.py} (its README says how): each file is an
 * extended message's payload, the bytes after the extended id.
 */
final class LibtorrentCaptures {
    /** The info-hash of lt-metadata.torrent, as libtorrent printed it. */
    static final String INFO_HASH = "048ed3119088e073b7d0571a48aa0321360421e0";
    /** Bytes of its info dictionary: two metadata pieces, the second 9720 bytes. */
    static final int METADATA_SIZE = 26104;

    private LibtorrentCaptures() {
    }

    static byte[] read(String name) {
        try (InputStream in = LibtorrentCaptures.class.getResourceAsStream("/wire/libtorrent/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The info dictionary's bytes as they are in the .torrent file. */
    static byte[] infoBytes() {
        byte[] torrent = read("lt-metadata.torrent");
        try {
            BDictionary top = (BDictionary) Bencode.decode(torrent);
            var span = top.get("info").span();
            return Arrays.copyOfRange(torrent, span.offset(), span.end());
        } catch (Exception e) {
            throw new IllegalStateException("lt-metadata.torrent does not decode", e);
        }
    }
}
