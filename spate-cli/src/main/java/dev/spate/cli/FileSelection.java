package dev.spate.cli;

import dev.spate.engine.FilePriority;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The files {@code download --only} and {@code --exclude} name: lists of 1-based file numbers and
 * ranges ({@code 1,3-5}), as {@code spate info} numbers the files (BEP 47 pad files left out).
 * Parsed once the torrent's file count is known; every mistake is an {@link IllegalArgumentException}
 * naming the option and the part of the list at fault.
 */
final class FileSelection {
    private FileSelection() {
    }

    /**
     * One priority per file: {@link FilePriority#NORMAL} for the files {@code only} names (all
     * when null), less those {@code exclude} names (none when null), {@link FilePriority#SKIP}
     * for the rest.
     *
     * @throws IllegalArgumentException for a malformed list, a number outside 1..files, or a choice
     *     that leaves no file
     */
    static List<FilePriority> priorities(String only, String exclude, int files) {
        BitSet wanted = new BitSet(files);
        if (only == null) {
            wanted.set(0, files);
        } else {
            wanted.or(parse("--only", only, files));
        }
        if (exclude != null) {
            wanted.andNot(parse("--exclude", exclude, files));
        }
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException((only != null && exclude != null ? "--only and --exclude leave"
                    : only != null ? "--only leaves" : "--exclude leaves") + " no file to download");
        }
        List<FilePriority> out = new ArrayList<>(files);
        for (int i = 0; i < files; i++) {
            out.add(wanted.get(i) ? FilePriority.NORMAL : FilePriority.SKIP);
        }
        return out;
    }

    /** The 0-based indexes {@code list} names, e.g. {@code 1,3-5} gives 0, 2, 3, 4. */
    static BitSet parse(String option, String list, int files) {
        BitSet out = new BitSet(files);
        if (list.isBlank()) {
            throw new IllegalArgumentException(option + ": no file numbers given (expected e.g. 1,3-5)");
        }
        for (String part : list.split(",", -1)) {
            String p = part.strip();
            int dash = p.indexOf('-', 1);
            int from = number(option, p, dash < 0 ? p : p.substring(0, dash), files);
            int to = dash < 0 ? from : number(option, p, p.substring(dash + 1), files);
            if (to < from) {
                throw new IllegalArgumentException(option + ": range " + p + " runs backwards");
            }
            out.set(from - 1, to);
        }
        return out;
    }

    private static int number(String option, String part, String text, int files) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + part + "' is not a file number or a range"
                    + " (expected e.g. 1,3-5)");
        }
        if (n < 1 || n > files) {
            throw new IllegalArgumentException(option + ": no file " + n + " (the torrent has " + files
                    + (files == 1 ? " file" : " files") + ", numbered from 1 as 'spate info' lists them)");
        }
        return n;
    }
}
