package dev.spate.webseed;

/**
 * A {@code Content-Range} header of a 206 answer (RFC 9110, section 14.4): {@code bytes
 * FIRST-LAST/LENGTH}, where LENGTH may be {@code *} (unknown), here -1.
 *
 * @param first the first byte sent
 * @param last the last byte sent, inclusive
 * @param completeLength the length of the whole file, or -1 when the server did not say
 */
record ContentRange(long first, long last, long completeLength) {

    /** Bytes in the range. */
    long length() {
        return last - first + 1;
    }

    /**
     * Parses {@code bytes FIRST-LAST/LENGTH}: the unit case-insensitive, decimal numbers without
     * signs, FIRST at most LAST, LAST below LENGTH. The unsatisfied form (an asterisk instead of
     * FIRST-LAST, which belongs with a 416) and anything else are refused.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static ContentRange parse(String header) {
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equalsIgnoreCase("bytes")) {
            throw new IllegalArgumentException("Content-Range '" + header + "' is not in bytes");
        }
        String spec = h.substring(space + 1).strip();
        int dash = spec.indexOf('-');
        int slash = spec.indexOf('/');
        if (dash < 0 || slash < dash) {
            throw new IllegalArgumentException("Content-Range '" + header + "' is not FIRST-LAST/LENGTH");
        }
        long first = number(spec.substring(0, dash), header);
        long last = number(spec.substring(dash + 1, slash), header);
        String total = spec.substring(slash + 1);
        long length = total.equals("*") ? -1 : number(total, header);
        if (last < first) {
            throw new IllegalArgumentException("Content-Range '" + header + "' ends before it starts");
        }
        if (length >= 0 && last >= length) {
            throw new IllegalArgumentException("Content-Range '" + header + "' ends past the file's length");
        }
        return new ContentRange(first, last, length);
    }

    private static long number(String digits, String header) {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("Content-Range '" + header + "' has '" + digits + "' where a byte"
                    + " position belongs");
        }
        return Long.parseLong(digits);
    }

    @Override
    public String toString() {
        return "bytes " + first + "-" + last + "/" + (completeLength < 0 ? "*" : Long.toString(completeLength));
    }
}
