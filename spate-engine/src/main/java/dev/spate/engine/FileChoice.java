package dev.spate.engine;

import dev.spate.metainfo.FileEntry;
import dev.spate.metainfo.FileLayout;
import dev.spate.metainfo.FileSpan;
import dev.spate.metainfo.TorrentInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which files of a torrent are wanted and how much, what that makes of each piece's level in the
 * picker, and how many bytes of each file are verified, kept as pieces verify (never by going over
 * the pieces when asked).
 *
 * <p>Files are numbered as the user sees them: the torrent's files without the BEP 47 pad files
 * ({@link TorrentInfo#dataFiles()}). Levels: {@link FilePriority#SKIP} 0 (never requested), LOW 1,
 * NORMAL 2, HIGH 3; with first-and-last-piece-first, the first and last piece of every wanted file
 * {@value #FIRST_LAST_LEVEL}, above all. A piece shared by several files takes the highest level
 * among them, so a boundary piece of a wanted file is fetched even when its other file is skipped.
 * A priority set for a piece itself ({@link #setPiecePriority}) replaces whatever its files and
 * first-and-last give it, until set again.
 *
 * <p>Not thread-safe: owned by the torrent's loop.
 */
final class FileChoice {
    static final int FIRST_LAST_LEVEL = 4;

    private final TorrentInfo info;
    private final FileLayout layout;
    /** Index into {@link TorrentInfo#files()} of each data file. */
    private final int[] fileOf;
    /** Data-file index of each of {@link TorrentInfo#files()}; -1 for a pad file. */
    private final int[] dataOf;
    private final FilePriority[] priorities;
    private final long[] verified;
    private boolean sequential;
    private boolean firstLast;
    /** Priorities set piece by piece, which replace those of their files. */
    private final java.util.Map<Integer, FilePriority> piecePriorities = new java.util.HashMap<>();

    FileChoice(TorrentInfo info, TorrentOptions options) {
        this.info = info;
        this.layout = info.layout();
        List<FileEntry> files = info.files();
        this.dataOf = new int[files.size()];
        List<Integer> data = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).isPad()) {
                dataOf[i] = -1;
            } else {
                dataOf[i] = data.size();
                data.add(i);
            }
        }
        this.fileOf = data.stream().mapToInt(Integer::intValue).toArray();
        this.priorities = new FilePriority[fileOf.length];
        this.verified = new long[fileOf.length];
        Arrays.fill(priorities, FilePriority.NORMAL);
        setPriorities(options.filePriorities().isEmpty() ? List.of(priorities) : options.filePriorities());
        this.sequential = options.sequential();
        this.firstLast = options.firstLastPiecesFirst();
    }

    /** Files, pad files left out. */
    int fileCount() {
        return fileOf.length;
    }

    /** @throws IllegalArgumentException when {@code list} is not one priority per file */
    void setPriorities(List<FilePriority> list) {
        check(info, list);
        for (int i = 0; i < priorities.length; i++) {
            priorities[i] = list.get(i);
        }
    }

    /** Checks that {@code list} is one priority per file of {@code info}, none null. */
    static void check(TorrentInfo info, List<FilePriority> list) {
        int files = info.dataFiles().size();
        if (list.size() != files) {
            throw new IllegalArgumentException(list.size() + " file priorities for a torrent of " + files
                    + (files == 1 ? " file" : " files"));
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new IllegalArgumentException("no priority for file " + i);
            }
        }
    }

    void setPriority(int index, FilePriority priority) {
        if (index < 0 || index >= priorities.length) {
            throw new IllegalArgumentException("no file " + index + " in a torrent of " + priorities.length + " files");
        }
        priorities[index] = java.util.Objects.requireNonNull(priority, "priority");
    }

    /** @throws IllegalArgumentException when there is no such piece */
    void setPiecePriority(int piece, FilePriority priority) {
        if (piece < 0 || piece >= info.pieceCount()) {
            throw new IllegalArgumentException("no piece " + piece + " in a torrent of " + info.pieceCount() + " pieces");
        }
        piecePriorities.put(piece, java.util.Objects.requireNonNull(priority, "priority"));
    }

    List<FilePriority> priorities() {
        return List.of(priorities);
    }

    boolean sequential() {
        return sequential;
    }

    void setSequential(boolean on) {
        sequential = on;
    }

    void setFirstLast(boolean on) {
        firstLast = on;
    }

    /** A verified piece: its bytes count for the files it covers. */
    void pieceVerified(int piece) {
        for (FileSpan span : layout.spans(piece, 0, info.pieceSize(piece))) {
            int d = dataOf[span.fileIndex()];
            if (d >= 0) {
                verified[d] += span.length();
            }
        }
    }

    /** A verified piece a recheck did not find on disk: its bytes no longer count. */
    void pieceLost(int piece) {
        for (FileSpan span : layout.spans(piece, 0, info.pieceSize(piece))) {
            int d = dataOf[span.fileIndex()];
            if (d >= 0) {
                verified[d] -= span.length();
            }
        }
    }

    /** Each piece's level for the picker; see the class comment. Cost: O(pieces + files). */
    int[] pieceLevels() {
        int[] levels = new int[info.pieceCount()];
        boolean anyWanted = false;
        for (int d = 0; d < fileOf.length; d++) {
            int level = level(priorities[d]);
            anyWanted |= level > 0;
            int[] range = layout.pieceRange(fileOf[d]);
            for (int p = range[0]; p <= range[1]; p++) {
                levels[p] = Math.max(levels[p], level);
            }
            if (firstLast && level > 0 && range[0] <= range[1]) {
                levels[range[0]] = FIRST_LAST_LEVEL;
                levels[range[1]] = FIRST_LAST_LEVEL;
            }
        }
        if (anyWanted) {
            // A piece of pad files only (BEP 47) belongs to no file: fetched last, so that the
            // torrent can still be complete.
            for (int p = 0; p < levels.length; p++) {
                if (levels[p] == 0 && coversOnlyPadding(p)) {
                    levels[p] = 1;
                }
            }
        }
        piecePriorities.forEach((piece, priority) -> levels[piece] = level(priority));
        return levels;
    }

    private boolean coversOnlyPadding(int piece) {
        for (FileSpan span : layout.spans(piece, 0, info.pieceSize(piece))) {
            if (dataOf[span.fileIndex()] >= 0) {
                return false;
            }
        }
        return true;
    }

    private static int level(FilePriority p) {
        return switch (p) {
            case SKIP -> 0;
            case LOW -> 1;
            case NORMAL -> 2;
            case HIGH -> 3;
        };
    }

    /** Whether each of {@link TorrentInfo#files()} is wanted (pad files: false), for the storage. */
    boolean[] wantedFiles() {
        boolean[] out = new boolean[dataOf.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = dataOf[i] >= 0 && priorities[dataOf[i]].wanted();
        }
        return out;
    }

    /**
     * The bytes of {@code piece} that count as wanted when the picker wants it: those of its
     * wanted files, or, when it holds none, those of all its files (pad files never count).
     */
    long wantedBytesIn(int piece) {
        long wanted = 0;
        long data = 0;
        for (FileSpan span : layout.spans(piece, 0, info.pieceSize(piece))) {
            int d = dataOf[span.fileIndex()];
            if (d >= 0) {
                data += span.length();
                if (priorities[d].wanted()) {
                    wanted += span.length();
                }
            }
        }
        return wanted > 0 ? wanted : data;
    }

    /** Every file now. O(files). */
    List<FileStatus> statuses() {
        List<FileStatus> out = new ArrayList<>(fileOf.length);
        for (int d = 0; d < fileOf.length; d++) {
            FileEntry f = info.files().get(fileOf[d]);
            out.add(new FileStatus(d, f.displayPath(), f.length(), verified[d], priorities[d]));
        }
        return out;
    }
}
