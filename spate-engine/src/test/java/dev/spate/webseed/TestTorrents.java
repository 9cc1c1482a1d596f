package dev.spate.webseed;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Torrents made in memory for web seed tests, with real piece hashes. */
final class TestTorrents {
    private TestTorrents() {
    }

    /** {@code n} bytes from a fixed seed. */
    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static TorrentInfo singleFile(String name, byte[] data, int pieceLength) {
        return new TorrentInfo(name, pieceLength, hashes(data, pieceLength),
                List.of(new FileEntry(List.of(name), data.length, 0)), false, false);
    }

    /** A multi-file torrent of {@code files} (path components to contents), in the map's order. */
    static TorrentInfo multiFile(String name, LinkedHashMap<List<String>, byte[]> files, int pieceLength) {
        List<FileEntry> entries = new ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Map.Entry<List<String>, byte[]> f : files.entrySet()) {
            entries.add(new FileEntry(f.getKey(), f.getValue().length, all.size()));
            all.writeBytes(f.getValue());
        }
        return new TorrentInfo(name, pieceLength, hashes(all.toByteArray(), pieceLength), entries, true, false);
    }

    /** The files of a multi-file torrent concatenated: the torrent's byte stream. */
    static byte[] stream(LinkedHashMap<List<String>, byte[]> files) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        files.values().forEach(all::writeBytes);
        return all.toByteArray();
    }

    static byte[] hashes(byte[] data, int pieceLength) {
        int pieces = (data.length + pieceLength - 1) / pieceLength;
        byte[] out = new byte[pieces * 20];
        for (int i = 0; i < pieces; i++) {
            System.arraycopy(sha1(Arrays.copyOfRange(data, i * pieceLength,
                    Math.min(data.length, (i + 1) * pieceLength))), 0, out, i * 20, 20);
        }
        return out;
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
