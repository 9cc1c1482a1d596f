package dev.spate.webseed;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Reads a {@code Retry-After} header (RFC 9110, section 10.2.3): delay-seconds, or an HTTP-date.
 * A date is taken relative to the same answer's {@code Date} header, the server's own idea of now,
 * so neither our wall clock nor a skew between the two clocks matters; without a {@code Date} a
 * date cannot be used and is ignored. Pure functions.
 */
final class RetryAfter {
    private RetryAfter() {
    }

    /** The delay the header asks for (zero when the date has passed), or empty when it says nothing usable. */
    static Optional<Duration> parse(String retryAfter, String date) {
        if (retryAfter == null) {
            return Optional.empty();
        }
        String v = retryAfter.strip();
        if (!v.isEmpty() && v.length() <= 18 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        if (date == null) {
            return Optional.empty();
        }
        try {
            ZonedDateTime until = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            ZonedDateTime now = ZonedDateTime.parse(date.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(now, until);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }
}
