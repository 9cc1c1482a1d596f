package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.it.SpateCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Local service discovery (BEP 14) is on by default for users, and a session with it on multicasts on
 * the interfaces it listens on. Tests multicast only inside a network namespace they made, so every
 * session a test opens, in this JVM or as the {@code spate} command, has it off, and this test fails
 * the build when one would not: a {@link SessionConfig} built in test code switches it off in the
 * same statement, and the CLI is only run through {@link SpateCli}, which adds {@code --no-lsd}
 * everywhere but inside a namespace ({@link SpateCli#commandWithLsd}).
 */
class LocalDiscoveryTestIsolationTest {
    /** Surefire runs in the module's directory. */
    static final Path TEST_SOURCES = Path.of("src/test/java");
    static final Path BENCH_SOURCES = Path.of("../spate-bench/src");
    static final String SELF = "LocalDiscoveryTestIsolationTest.java";
    /** Tests the config's own default and messages; opens no session (checked below). */
    static final String CONFIG_TEST = "SessionConfigTest.java";
    static final Pattern BUILDER = Pattern.compile("SessionConfig\\s*\\.\\s*builder\\s*\\(\\s*\\)");

    static List<Path> sources(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    static List<Path> testAndBenchSources() throws IOException {
        List<Path> all = new ArrayList<>(sources(TEST_SOURCES));
        all.addAll(sources(BENCH_SOURCES));
        return all;
    }

    /** Each statement that starts a SessionConfig builder, up to its semicolon. */
    static List<String> builderStatements(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = BUILDER.matcher(text);
        while (m.find()) {
            int end = text.indexOf(';', m.end());
            out.add(text.substring(m.start(), end < 0 ? text.length() : end));
        }
        return out;
    }

    @Test
    void everySessionConfigBuiltInTestsSwitchesLocalDiscoveryOff() throws IOException {
        int statements = 0;
        for (Path p : testAndBenchSources()) {
            String name = p.getFileName().toString();
            if (name.equals(SELF) || name.equals(CONFIG_TEST)) {
                continue;
            }
            String text = Files.readString(p);
            for (String statement : builderStatements(text)) {
                statements++;
                assertThat(statement).as("%s builds a SessionConfig with LSD on (the users' default); tests "
                        + "multicast only inside a namespace of their own: add .localDiscovery(false)", p)
                        .contains(".localDiscovery(false)");
            }
            assertThat(text).as("%s: no test switches LSD on in this JVM, which is in no test namespace", p)
                    .doesNotContain("localDiscovery(true)").doesNotContain("new SessionConfig(");
        }
        assertThat(statements).as("the scan found the test configurations").isGreaterThan(20);
    }

    @Test
    void theConfigTestThatKeepsTheDefaultOpensNoSession() throws IOException {
        Path configTest = TEST_SOURCES.resolve("dev/spate/engine/" + CONFIG_TEST);
        assertThat(Files.readString(configTest)).doesNotContain("Session.open").doesNotContain("localDiscovery(true)");
    }

    @Test
    void theCliFixtureAddsNoLsdToEverySessionCommandAndToNothingElse() {
        assertThat(SpateCli.withoutLsd(List.of("download", "x.torrent", "-o", "out")))
                .containsExactly("download", "--no-dht", "--no-lsd", "x.torrent", "-o", "out");
        assertThat(SpateCli.withoutLsd(List.of("seed", "x.torrent", "-d", "data")))
                .containsExactly("seed", "--no-dht", "--no-lsd", "x.torrent", "-d", "data");
        assertThat(SpateCli.withoutLsd(List.of("download", "--no-lsd", "x.torrent"))).containsOnlyOnce("--no-lsd");
        assertThat(SpateCli.withoutLsd(List.of("info", "x.torrent"))).containsExactly("info", "--no-dht", "x.torrent");
        assertThat(SpateCli.SESSION_COMMANDS).as("every command with the session options")
                .containsExactlyInAnyOrder("download", "seed");
    }

    @Test
    void theCliIsRunOnlyThroughTheFixtureThatSwitchesLocalDiscoveryOff() throws IOException {
        Path fixture = TEST_SOURCES.resolve("dev/spate/it/SpateCli.java");
        String text = Files.readString(fixture);
        assertThat(text).as("SpateCli's command builders add --no-lsd")
                .contains("return javaCommand(jvmOptions, withoutLsd(args));")
                .contains("cmd.addAll(withoutLsd(args));");
        for (Path p : testAndBenchSources()) {
            if (p.equals(fixture) || p.getFileName().toString().equals(SELF)) {
                continue;
            }
            String source = Files.readString(p);
            boolean runsTheCli = source.contains("\"dev.spate.cli.Main\"") || source.contains("\"-jar\"");
            if (runsTheCli) {
                assertThat(source).as("%s runs the CLI itself: pass its arguments through SpateCli.withoutLsd", p)
                        .contains("SpateCli.withoutLsd(");
            }
            if (source.contains("SpateCli.commandWithLsd(")) {
                assertThat(source).as("%s runs the CLI with LSD on: only inside a namespace it made", p)
                        .contains("try (NetNamespace ").doesNotContain("commandWithLsd(null");
            }
        }
    }
}
