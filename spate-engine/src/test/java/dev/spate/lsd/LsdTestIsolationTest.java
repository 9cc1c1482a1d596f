package dev.spate.lsd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * LSD is on by default for users, but tests must never send multicast on a real interface. Test code
 * reaches a live {@link LsdService} only through {@link LsdProbe}, and the probe runs only where
 * {@link NetworkIsolation} passes: a network namespace a test made, holding nothing but loopback and
 * the test's veth pair.
 */
class LsdTestIsolationTest {
    /** Surefire runs in the module's directory. */
    static final Path TEST_SOURCES = Path.of("src/test/java");
    static final Path PROBE = TEST_SOURCES.resolve("dev/spate/lsd/LsdProbe.java");

    static List<Path> testSources() throws IOException {
        try (Stream<Path> files = Files.walk(TEST_SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    @Test
    void onlyTheProbeStartsAnLsdServiceInTestCode() throws IOException {
        List<Path> sources = testSources();
        assertThat(sources).contains(PROBE);
        for (Path p : sources) {
            if (p.equals(PROBE) || p.getFileName().toString().equals("LsdTestIsolationTest.java")) {
                continue;
            }
            String text = Files.readString(p);
            assertThat(text).as("%s starts an LSD service: only LsdProbe may, inside a test's network namespace", p)
                    .doesNotContain("LsdService.start", "LsdService::start");
        }
    }

    @Test
    void theProbeChecksIsolationBeforeItTouchesASocket() throws IOException {
        String probe = Files.readString(PROBE);
        int guard = probe.indexOf("NetworkIsolation.require();");
        assertThat(guard).as("LsdProbe calls NetworkIsolation.require()").isPositive();
        for (String socket : List.of("LsdService.start", "DatagramChannel.open", "new ServerSocket")) {
            assertThat(probe.indexOf(socket)).as(socket).isGreaterThan(guard);
        }
        assertThat(probe.substring(probe.indexOf("public static void main"), guard))
                .as("the guard is the first statement of main").doesNotContain(";");
    }

    @Test
    void theGuardRefusesTheNamespaceUnitTestsRunIn() {
        // Surefire runs where the build runs, never in a namespace a test made.
        assertThatThrownBy(NetworkIsolation::require).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only inside a network namespace of their own");
        assertThatThrownBy(() -> LsdProbe.main(new String[] {"listen", "--interface", "lo", "--port", "6881"}))
                .isInstanceOf(IllegalStateException.class);
    }
}
