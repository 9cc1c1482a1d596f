package dev.spate.it;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Deterministic test payloads (the same seed gives the same bytes on every machine) and a byte-exact
 * comparison of file trees.
 */
public final class Payload {

    private Payload() {
    }

    /** Writes {@code size} pseudo-random bytes from {@code seed} to {@code file} (parents created). */
    public static Path file(Path file, long size, long seed) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SplittableRandom random = new SplittableRandom(seed);
            byte[] buffer = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(file)) {
                long left = size;
                while (left > 0) {
                    random.nextBytes(buffer);
                    int n = (int) Math.min(buffer.length, left);
                    out.write(buffer, 0, n);
                    left -= n;
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a multi-file tree under {@code root}, sizes chosen so file boundaries fall inside pieces:
     * <pre>
     * root/alpha.bin            300 001 bytes
     * root/empty.txt                  0 bytes
     * root/sub/beta.bin          70 000 bytes
     * root/sub/gamma.bin              1 byte
     * root/sub/deeper/delta.bin 131 073 bytes
     * </pre>
     * Returns {@code root}.
     */
    public static Path tree(Path root, long seed) {
        file(root.resolve("alpha.bin"), 300_001, seed);
        file(root.resolve("empty.txt"), 0, seed + 1);
        file(root.resolve("sub/beta.bin"), 70_000, seed + 2);
        file(root.resolve("sub/gamma.bin"), 1, seed + 3);
        file(root.resolve("sub/deeper/delta.bin"), 131_073, seed + 4);
        return root;
    }

    /** Total bytes of the regular files under {@code root} (or of {@code root} itself if a file). */
    public static long totalSize(Path root) {
        return files(root).values().stream().mapToLong(p -> {
            try {
                return Files.size(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).sum();
    }

    /**
     * Fails unless {@code actual} holds exactly the regular files of {@code expected} (same relative paths,
     * same bytes; a single file compares with a single file). The message names every difference.
     */
    public static void assertSameTree(Path expected, Path actual) {
        TreeMap<String, Path> want = files(expected);
        TreeMap<String, Path> got = files(actual);
        List<String> problems = new ArrayList<>();
        for (var e : want.entrySet()) {
            Path other = got.get(e.getKey());
            if (other == null) {
                problems.add("missing: " + e.getKey());
                continue;
            }
            try {
                long mismatch = Files.mismatch(e.getValue(), other);
                if (mismatch != -1) {
                    problems.add("differs: " + e.getKey() + " first at byte " + mismatch + " (sizes "
                            + Files.size(e.getValue()) + " vs " + Files.size(other) + ")");
                }
            } catch (IOException ex) {
                problems.add("unreadable: " + e.getKey() + ": " + ex);
            }
        }
        for (String key : got.keySet()) {
            if (!want.containsKey(key)) {
                problems.add("unexpected: " + key);
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("trees differ: " + expected + " vs " + actual + "\n  "
                    + String.join("\n  ", problems));
        }
    }

    private static TreeMap<String, Path> files(Path root) {
        TreeMap<String, Path> map = new TreeMap<>();
        if (Files.isRegularFile(root)) {
            map.put("", root);
            return map;
        }
        if (!Files.isDirectory(root)) {
            return map;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> map.put(root.relativize(p).toString().replace('\\', '/'), p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }
}
