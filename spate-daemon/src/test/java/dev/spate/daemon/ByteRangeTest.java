package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
    @Test
    void noHeaderAsksForTheWholeFile() {
        assertThat(ByteRange.of(null, 100)).isEqualTo(new ByteRange.Whole());
    }

    @Test
    void aClosedRangeIsThosePositionsInclusive() {
        ByteRange.Part p = (ByteRange.Part) ByteRange.of("bytes=10-19", 100);
        assertThat(p).isEqualTo(new ByteRange.Part(10, 19));
        assertThat(p.length()).isEqualTo(10);
        assertThat(p.contentRange(100)).isEqualTo("bytes 10-19/100");
    }

    @Test
    void anOpenRangeRunsToTheEnd() {
        assertThat(ByteRange.of("bytes=90-", 100)).isEqualTo(new ByteRange.Part(90, 99));
    }

    @Test
    void aLastPositionPastTheEndIsBroughtToTheEnd() {
        assertThat(ByteRange.of("bytes=50-1000", 100)).isEqualTo(new ByteRange.Part(50, 99));
        assertThat(ByteRange.of("bytes=0-99999999999999999999999", 100)).isEqualTo(new ByteRange.Part(0, 99));
    }

    @Test
    void aSuffixIsTheLastBytesAndOneLongerThanTheFileIsAllOfIt() {
        assertThat(ByteRange.of("bytes=-10", 100)).isEqualTo(new ByteRange.Part(90, 99));
        assertThat(ByteRange.of("bytes=-500", 100)).isEqualTo(new ByteRange.Part(0, 99));
    }

    @Test
    void aRangeStartingAtOrPastTheEndCannotBeSatisfied() {
        assertThat(ByteRange.of("bytes=100-", 100)).isEqualTo(new ByteRange.Unsatisfiable());
        assertThat(ByteRange.of("bytes=100-200", 100)).isEqualTo(new ByteRange.Unsatisfiable());
        assertThat(ByteRange.of("bytes=99999999999999999999-", 100)).isEqualTo(new ByteRange.Unsatisfiable());
        assertThat(ByteRange.of("bytes=-0", 100)).isEqualTo(new ByteRange.Unsatisfiable());
    }

    @Test
    void aFileOfNoBytesHasNoRangeToGive() {
        assertThat(ByteRange.of("bytes=0-", 0)).isEqualTo(new ByteRange.Unsatisfiable());
        assertThat(ByteRange.of("bytes=-5", 0)).isEqualTo(new ByteRange.Unsatisfiable());
        assertThat(ByteRange.of(null, 0)).isEqualTo(new ByteRange.Whole());
    }

    @Test
    void spacesAndTheUnitsCaseAreTolerated() {
        assertThat(ByteRange.of(" Bytes = 5 - 9 ", 100)).isEqualTo(new ByteRange.Part(5, 9));
        assertThat(ByteRange.of("bytes=007-008", 100)).isEqualTo(new ByteRange.Part(7, 8));
    }

    @Test
    void whatIsNotOneValidByteRangeIsIgnoredAndTheWholeFileSent() {
        for (String ignored : new String[] {"items=0-5", "bytes=0-5,10-20", "bytes=5-1", "bytes=a-b", "bytes=",
                "bytes=-", "bytes 0-5", "bytes=+1-5", "bytes=-+5", "bytes=1--5", "bytes=0x10-20", "=0-5"}) {
            assertThat(ByteRange.of(ignored, 100)).as(ignored).isEqualTo(new ByteRange.Whole());
        }
    }
}
