package dev.spate.storage;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.TorrentInfo;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** A torrent built by hand for tests: random content, its piece hashes computed here. */
final class TestTorrent {
    final TorrentInfo info;
    final byte[] content;

    private TestTorrent(TorrentInfo info, byte[] content) {
        this.info = info;
        this.content = content;
    }

    /** A multi-file torrent called {@code name} with files f0, f1, ... of the given lengths. */
    static TestTorrent multi(String name, int pieceLength, long seed, int... lengths) {
        List<List<String>> paths = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            paths.add(List.of("f" + i));
        }
        return build(name, pieceLength, seed, true, paths, lengths);
    }

    static TestTorrent single(String name, int pieceLength, long seed, int length) {
        return build(name, pieceLength, seed, false, List.of(List.of(name)), new int[] {length});
    }

    static TestTorrent build(String name, int pieceLength, long seed, boolean multi, List<List<String>> paths,
                             int[] lengths) {
        List<FileEntry> files = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < lengths.length; i++) {
            files.add(new FileEntry(paths.get(i), lengths[i], offset));
            offset += lengths[i];
        }
        return build(name, pieceLength, seed, multi, files);
    }

    /** A torrent of exactly {@code files} (with their attributes); BEP 47 pad files hold zeros. */
    static TestTorrent build(String name, int pieceLength, long seed, boolean multi, List<FileEntry> files) {
        int total = (int) files.get(files.size() - 1).end();
        byte[] content = new byte[total];
        new Random(seed).nextBytes(content);
        for (FileEntry f : files) {
            if (f.isPad()) {
                Arrays.fill(content, (int) f.offset(), (int) f.end(), (byte) 0);
            }
        }
        int pieces = (total + pieceLength - 1) / pieceLength;
        byte[] hashes = new byte[pieces * 20];
        for (int p = 0; p < pieces; p++) {
            int start = p * pieceLength;
            System.arraycopy(sha1(content, start, Math.min(pieceLength, total - start)), 0, hashes, p * 20, 20);
        }
        return new TestTorrent(new TorrentInfo(name, pieceLength, hashes, files, multi, false), content);
    }

    static byte[] sha1(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(bytes, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A fresh buffer holding exactly piece {@code p}'s bytes. */
    ByteBuffer piece(int p) {
        int start = p * info.pieceLength();
        return ByteBuffer.wrap(Arrays.copyOfRange(content, start, start + info.pieceSize(p)));
    }

    /** The bytes file {@code i} should hold. */
    byte[] file(int i) {
        FileEntry f = info.files().get(i);
        return Arrays.copyOfRange(content, (int) f.offset(), (int) f.end());
    }

    /** Content bytes [offset, offset + length) of the byte stream. */
    byte[] range(long offset, int length) {
        return Arrays.copyOfRange(content, (int) offset, (int) offset + length);
    }
}
