package dev.spate.webseed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ContentRangeTest {

    @Test
    void aRangeOfAFileOfKnownOrUnknownLengthIsRead() {
        assertThat(ContentRange.parse("bytes 10-19/100000")).isEqualTo(new ContentRange(10, 19, 100000));
        assertThat(ContentRange.parse("  BYTES   0-0/*")).isEqualTo(new ContentRange(0, 0, -1));
        assertThat(ContentRange.parse("bytes 0-99/100").length()).isEqualTo(100);
    }

    @Test
    void anythingElseIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ContentRange.parse("items 0-1/2")).hasMessageContaining("is not in bytes");
        assertThatThrownBy(() -> ContentRange.parse("bytes */100")).hasMessageContaining("not FIRST-LAST/LENGTH");
        assertThatThrownBy(() -> ContentRange.parse("bytes 5-4/100")).hasMessageContaining("ends before it starts");
        assertThatThrownBy(() -> ContentRange.parse("bytes 0-100/100")).hasMessageContaining("past the file's length");
        assertThatThrownBy(() -> ContentRange.parse("bytes -1-5/100")).hasMessageContaining("where a byte position");
        assertThatThrownBy(() -> ContentRange.parse("bytes 0-+5/100")).hasMessageContaining("'+5'");
        assertThatThrownBy(() -> ContentRange.parse("bytes 0-99999999999999999999/*"))
                .hasMessageContaining("where a byte position");
        assertThatThrownBy(() -> ContentRange.parse("bytes 0-1/")).hasMessageContaining("where a byte position");
        assertThatThrownBy(() -> ContentRange.parse("bytes")).hasMessageContaining("is not in bytes");
    }

    @Test
    void retryAfterIsSecondsOrADateCountedFromTheAnswersOwnDate() {
        assertThat(RetryAfter.parse("120", null)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", null)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:30:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"))
                .contains(Duration.ofMinutes(2));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:20:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"))
                .contains(Duration.ZERO);
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:30:00 GMT", null)).isEmpty();
        assertThat(RetryAfter.parse("soon", "Wed, 21 Oct 2015 07:28:00 GMT")).isEmpty();
        assertThat(RetryAfter.parse("-5", null)).isEmpty();
        assertThat(RetryAfter.parse(null, null)).isEmpty();
    }
}
