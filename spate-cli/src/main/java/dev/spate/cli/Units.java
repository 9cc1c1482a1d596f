package dev.spate.cli;

import java.util.Locale;

/** Sizes and rates for people: binary units, three significant figures. */
final class Units {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        int u = 0;
        while (v >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f %s", v, UNITS[u]); // exact: "16 KiB", not "16.0 KiB"
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, UNITS[u]);
    }

    static String rate(double bytesPerSecond) {
        return bytes((long) bytesPerSecond) + "/s";
    }

    /** A duration in seconds as {@code 1h02m}, {@code 3m05s} or {@code 42s}; "-" when unknown. */
    static String duration(long seconds) {
        if (seconds < 0) {
            return "-";
        }
        if (seconds >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds / 60 % 60);
        }
        if (seconds >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return seconds + "s";
    }

    /** A measured time: {@code 0.52s}, {@code 12.3s} below a minute, then as {@link #duration}. */
    static String seconds(double seconds) {
        if (seconds >= 60) {
            return duration((long) seconds);
        }
        return String.format(Locale.ROOT, seconds < 10 ? "%.2fs" : "%.1fs", seconds);
    }

    /**
     * Parses a size such as {@code 16384}, {@code 256K}, {@code 256KiB}, {@code 1M} or {@code 4MiB}
     * (binary multiples).
     */
    static long parseSize(String text) {
        String s = text.trim();
        String upper = s.toUpperCase(Locale.ROOT);
        long multiplier = 1;
        String[][] suffixes = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"},
                {"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"},
                {"K", "1024"}, {"M", "1048576"}, {"G", "1073741824"}, {"B", "1"}};
        for (String[] suffix : suffixes) {
            if (upper.endsWith(suffix[0])) {
                multiplier = Long.parseLong(suffix[1]);
                s = s.substring(0, s.length() - suffix[0].length()).trim();
                break;
            }
        }
        long value;
        try {
            value = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size '" + text + "' (examples: 16384, 256K, 1M)");
        }
        if (value < 0 || value > Long.MAX_VALUE / multiplier) {
            throw new IllegalArgumentException("invalid size '" + text + "'");
        }
        return value * multiplier;
    }
}
