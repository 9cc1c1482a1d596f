package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SelftestCommandTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSelftestMovesAPayloadBetweenTwoSessionsChecksItAndLeavesNothingBehind() throws Exception {
        Cli.Result r = Cli.run("selftest", "--size", "3M", "--dir", tmp.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).matches("selftest: 3 MiB seeded and downloaded over 127\\.0\\.0\\.1 in \\d+\\.\\d\\d s"
                + " \\(.+/s\\), every byte checked\\n");
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left).as("what the selftest left in its directory").isEmpty();
        }
    }

    @Test
    void aSizeOfNothingIsAUsageErrorNamingTheOption() {
        Cli.Result r = Cli.run("selftest", "--size", "0");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("spate: --size 0 outside 1 B to 16 GiB");
    }
}
