package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0", "16384, 16384", "16K, 16384", "16k, 16384", "16KB, 16384", "16KiB, 16384", "16kib, 16384",
        "1M, 1048576", "1MB, 1048576", "4MiB, 4194304", "2G, 2147483648", "1GiB, 1073741824",
        "512B, 512", "' 256K ', 262144", "'256 K', 262144", "8589934591G, 9223372035781033984"})
    void parseSizeReadsPlainNumbersAndBinarySuffixesInAnyCase(String text, long expected) {
        assertThat(Units.parseSize(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "K", "abc", "1.5M", "16 KBs", "16T", "1e6", "0x100", "99999999999999999999"})
    void parseSizeRejectsWhatIsNotASizeQuotingIt(String text) {
        assertThatThrownBy(() -> Units.parseSize(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid size '" + text + "' (examples: 16384, 256K, 1M)");
    }

    @Test
    void parseSizeRejectsNegativeSizes() {
        assertThatThrownBy(() -> Units.parseSize("-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid size '-1'");
        assertThatThrownBy(() -> Units.parseSize("-16K")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid size '-16K'");
    }

    @Test
    void parseSizeRejectsSizesThatOverflowALong() {
        // 2^33 GiB is 2^63 bytes, one more than a long holds.
        assertThatThrownBy(() -> Units.parseSize("8589934592G")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid size '8589934592G'");
    }

    @Test
    void bytesUsesBinaryUnitsWithThreeSignificantFigures() {
        assertThat(Units.bytes(0)).isEqualTo("0 B");
        assertThat(Units.bytes(1023)).isEqualTo("1023 B");
        assertThat(Units.bytes(1024)).isEqualTo("1 KiB");
        assertThat(Units.bytes(1025)).isEqualTo("1.00 KiB");
        assertThat(Units.bytes(100_000)).isEqualTo("97.7 KiB");
        assertThat(Units.bytes(300 * 1024)).isEqualTo("300 KiB");
        assertThat(Units.bytes(6_114_656_256L)).isEqualTo("5.69 GiB");
        assertThat(Units.bytes(Long.MAX_VALUE)).isEqualTo("8192 PiB");
    }

    @Test
    void durationShowsHoursMinutesOrSecondsAndADashWhenUnknown() {
        assertThat(Units.duration(-1)).isEqualTo("-");
        assertThat(Units.duration(0)).isEqualTo("0s");
        assertThat(Units.duration(42)).isEqualTo("42s");
        assertThat(Units.duration(185)).isEqualTo("3m05s");
        assertThat(Units.duration(3720)).isEqualTo("1h02m");
    }

    @Test
    void aMeasuredTimeKeepsItsFractionBelowAMinute() {
        assertThat(Units.seconds(0.5)).isEqualTo("0.50s");
        assertThat(Units.seconds(0.004)).isEqualTo("0.00s");
        assertThat(Units.seconds(12.34)).isEqualTo("12.3s");
        assertThat(Units.seconds(72.9)).isEqualTo("1m12s");
    }
}
