package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code download} and {@code seed} use local service discovery (BEP 14) unless given {@code --no-lsd},
 * and it multicasts. This module's tests run in no network namespace of their own, so none may have it
 * on: the in-process runner adds the option ({@link Cli#args}), processes get it explicitly, and every
 * session a test opens itself is built with it off.
 */
class LocalDiscoveryOffInTestsTest {
    static final Path TEST_SOURCES = Path.of("src/test/java");
    static final String SELF = "LocalDiscoveryOffInTestsTest.java";
    static final Pattern BUILDER = Pattern.compile("SessionConfig\\s*\\.\\s*builder\\s*\\(\\s*\\)");

    static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(TEST_SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().equals(SELF))
                    .toList();
        }
    }

    @Test
    void theInProcessRunnerSwitchesLocalDiscoveryOffForEverySessionCommand() {
        assertThat(Cli.args("download", "x.torrent")).containsExactly("download", "--no-dht", "--no-lsd", "x.torrent");
        assertThat(Cli.args("seed", "x.torrent", "-d", "d"))
                .containsExactly("seed", "--no-dht", "--no-lsd", "x.torrent", "-d", "d");
        assertThat(Cli.args("seed", "--no-lsd", "x.torrent")).containsOnlyOnce("--no-lsd");
        assertThat(Cli.args("info", "x.torrent")).containsExactly("info", "--no-dht", "x.torrent");
        assertThat(Cli.run("download", "--help").out()).contains("--no-lsd").contains("--no-dht").contains("--dht-bootstrap");
        assertThat(Cli.run("seed", "--help").out()).contains("--no-lsd").contains("--no-dht").contains("--dht-bootstrap");
    }

    @Test
    void theInProcessRunnerSwitchesTheDhtOffUnlessATestNamesItsOwnNodes() throws IOException {
        assertThat(Cli.args("download", "--dht-bootstrap", "127.0.0.1:7000", "x")).doesNotContain("--no-dht");
        assertThat(Cli.args("seed", "--no-dht", "x")).containsOnlyOnce("--no-dht");
        for (Path p : sources()) {
            String text = Files.readString(p);
            if (text.contains("\"--dht-bootstrap\", \"")) {
                assertThat(text).as("%s: a test's DHT nodes are its own, on loopback", p)
                        .containsPattern("\"--dht-bootstrap\", \"(127\\.|\\[::1\\])");
            }
        }
        for (Path p : sources()) {
            Matcher m = BUILDER.matcher(Files.readString(p));
            String text = Files.readString(p);
            while (m.find()) {
                int end = text.indexOf(';', m.end());
                assertThat(text.substring(m.start(), end < 0 ? text.length() : end))
                        .as("%s builds a SessionConfig with the DHT and its public routers on: add .dht(false)", p)
                        .containsAnyOf(".dht(false)", ".dhtBootstrap(");
            }
        }
    }

    @Test
    void everySessionAndEveryProcessATestStartsHasLocalDiscoveryOff() throws IOException {
        for (Path p : sources()) {
            String text = Files.readString(p);
            Matcher m = BUILDER.matcher(text);
            while (m.find()) {
                int end = text.indexOf(';', m.end());
                assertThat(text.substring(m.start(), end < 0 ? text.length() : end))
                        .as("%s builds a SessionConfig with LSD on: add .localDiscovery(false)", p)
                        .contains(".localDiscovery(false)");
            }
            assertThat(text).as(p.toString()).doesNotContain("localDiscovery(true)");
            // A test that starts spate itself (the jar, the main class or the launcher); one that
            // runs only bash or groff on what spate printed starts no session.
            if (text.contains("\"dev.spate.cli.Main\"") || text.contains("spate.jar") || text.contains("launcher")) {
                assertThat(text).as("%s runs spate as a process: with --no-lsd, or its arguments through Cli.args", p)
                        .containsAnyOf("\"--no-lsd\"", "Cli.args(");
                // Each session command it starts itself has the DHT off too: no public router, ever.
                Matcher cmd = Pattern.compile("(?<=\", )\"(download|seed|info|daemon)\"((?:,\\s*\"--[a-z-]+\")*)").matcher(text);
                while (cmd.find()) {
                    if (!text.contains("Cli.args(")) {
                        assertThat(cmd.group(2)).as("%s starts spate %s with the DHT on", p, cmd.group(1))
                                .contains("\"--no-dht\"");
                    }
                }
            }
            if (text.contains("Main.run(")) {
                assertThat(p.getFileName().toString()).as("%s calls Main.run: use Cli.run, which adds --no-lsd", p)
                        .isEqualTo("Cli.java");
            }
        }
    }
}
