package dev.spate.daemon;

import java.util.Locale;

/**
 * What a request's {@code Range} header asks of a representation of known length (RFC 9110,
 * section 14): all of it, one range of it, or nothing it has. Only a single range of the
 * {@code bytes} unit is served; anything else (another unit, several ranges, a header that does not
 * parse) is ignored and the whole file is sent, as section 14.2 allows a server to do. Media players
 * ask for one range at a time.
 */
sealed interface ByteRange {
    /** No range, or one ignored: 200 with every byte. */
    record Whole() implements ByteRange {
    }

    /** Bytes {@code first} to {@code last} inclusive, within the length: 206. */
    record Part(long first, long last) implements ByteRange {
        public Part {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("invalid range " + first + "-" + last);
            }
        }

        long length() {
            return last - first + 1;
        }

        /** The {@code Content-Range} of this part of a representation {@code total} bytes long. */
        String contentRange(long total) {
            return "bytes " + first + "-" + last + "/" + total;
        }
    }

    /** A range that lies wholly past the end (or a file of no bytes): 416. */
    record Unsatisfiable() implements ByteRange {
    }

    /**
     * The range {@code header} (null: none) asks of {@code length} bytes. A last position past the
     * end is brought to the end; a suffix longer than the file asks for all of it (section 14.1.2).
     */
    static ByteRange of(String header, long length) {
        if (header == null) {
            return new Whole();
        }
        String h = header.strip();
        int equals = h.indexOf('=');
        if (equals < 0 || !h.substring(0, equals).strip().toLowerCase(Locale.ROOT).equals("bytes")) {
            return new Whole();
        }
        String spec = h.substring(equals + 1).strip();
        if (spec.indexOf(',') >= 0) {
            return new Whole();
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        String from = spec.substring(0, dash).strip();
        String to = spec.substring(dash + 1).strip();
        if (from.isEmpty()) {
            long suffix = number(to);
            if (suffix < 0) {
                return new Whole();
            }
            if (suffix == 0 || length == 0) {
                return new Unsatisfiable();
            }
            return new Part(Math.max(0, length - suffix), length - 1);
        }
        long first = number(from);
        long last = to.isEmpty() ? Long.MAX_VALUE : number(to);
        if (first < 0 || last < 0 || last < first) {
            return new Whole();
        }
        if (first >= length) {
            return new Unsatisfiable();
        }
        return new Part(first, Math.min(last, length - 1));
    }

    /** Digits as a number (capped past any length), or -1 when {@code s} is not only digits. */
    private static long number(String s) {
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        String digits = s.replaceFirst("^0+(?=.)", "");
        // More than 18 digits is past the end of any file, and would overflow a long.
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
    }
}
