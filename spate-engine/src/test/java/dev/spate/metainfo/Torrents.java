package dev.spate.metainfo;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import java.util.Arrays;
import java.util.List;

/** Builds .torrent bytes for tests. */
final class Torrents {
    private Torrents() {
    }

    /** {@code n} distinct fake piece hashes. */
    static byte[] pieces(int n) {
        byte[] b = new byte[n * 20];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** A valid single-file info dictionary: "a.bin", 40000 bytes in pieces of 16 KiB. */
    static BDictionary.Builder singleInfo() {
        return BDictionary.builder().put("name", "a.bin").put("length", 40000).put("piece length", 16384).put("pieces", pieces(3));
    }

    /** A file entry of a multi-file info dictionary. */
    static BDictionary file(long length, String... path) {
        return BDictionary.builder().put("length", length)
                .put("path", BList.of(Arrays.stream(path).map(BString::of).toList())).build();
    }

    /** A valid multi-file info dictionary with the given files in pieces of 16 KiB. */
    static BDictionary.Builder multiInfo(BDictionary... files) {
        long total = 0;
        for (BDictionary f : files) {
            total += ((dev.spate.bencode.BInteger) f.get("length")).value();
        }
        return BDictionary.builder().put("name", "dir").put("piece length", 16384)
                .put("pieces", pieces((int) ((total + 16383) / 16384))).put("files", BList.of(List.of(files)));
    }

    static byte[] torrent(BDictionary.Builder info) {
        return torrent(BDictionary.builder().put("announce", "http://t.example/announce"), info);
    }

    static byte[] torrent(BDictionary.Builder top, BDictionary.Builder info) {
        return Bencode.encode(top.put("info", info.build()).build());
    }

    static BValue str(String s) {
        return BString.of(s);
    }
}
