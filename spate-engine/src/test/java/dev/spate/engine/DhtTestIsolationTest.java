package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.dht.DhtConfig;
import dev.spate.it.SpateCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The DHT is on by default for users and bootstraps from the public routers; no test may ever reach
 * them. Every session a test opens, in this JVM or as the {@code spate} command, has the DHT off or
 * bootstraps from the test's own nodes on loopback or in a namespace the test made, and this test
 * fails the build when one would not.
 */
class DhtTestIsolationTest {
    static final String SELF = "DhtTestIsolationTest.java";
    /** Tests the defaults themselves and opens no session (LocalDiscoveryTestIsolationTest checks that). */
    static final List<String> DEFAULT_TESTS = List.of("SessionConfigTest.java", "DhtConfigTest.java");

    @Test
    void everySessionConfigBuiltInTestsSwitchesTheDhtOffOrNamesItsOwnNodes() throws IOException {
        int statements = 0;
        for (Path p : LocalDiscoveryTestIsolationTest.testAndBenchSources()) {
            String name = p.getFileName().toString();
            if (name.equals(SELF) || DEFAULT_TESTS.contains(name)) {
                continue;
            }
            String text = Files.readString(p);
            for (String statement : LocalDiscoveryTestIsolationTest.builderStatements(text)) {
                statements++;
                assertThat(statement.contains(".dht(false)") || statement.contains(".dhtBootstrap("))
                        .as("%s builds a SessionConfig with the DHT on and the public routers (the users' default):"
                                + " add .dht(false), or .dhtBootstrap(...) with the test's own nodes:%n%s", p, statement)
                        .isTrue();
            }
            assertThat(text).as("%s: tests bootstrap only from their own nodes", p).doesNotContain("PUBLIC_ROUTERS")
                    .doesNotContain("router.bittorrent.com").doesNotContain("dht.transmissionbt.com")
                    .doesNotContain("dht.libtorrent.org").doesNotContain("DhtConfig.defaults().bootstrap()");
        }
        assertThat(statements).as("the scan found the test configurations").isGreaterThan(20);
    }

    @Test
    void theSwarmBenchmarkStartsEverySpateWithTheDhtAndLocalDiscoveryOff() throws IOException {
        // bench/swarm.py, from the module directory the tests run in.
        Path bench = Path.of("..", "bench", "swarm.py");
        String text = Files.readString(bench);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("self\\.java \\+ \\[\"(seed|download)\"[^\\]]*\\]")
                .matcher(text);
        int commands = 0;
        while (m.find()) {
            commands++;
            assertThat(m.group()).as("a spate command of bench/swarm.py").contains("\"--no-dht\"")
                    .contains("\"--no-lsd\"");
        }
        assertThat(commands).as("spate commands found in %s", bench).isGreaterThanOrEqualTo(2);
    }

    @Test
    void thePublicRoutersAreTheUsersDefaultOnly() {
        SessionConfig users = SessionConfig.builder().localDiscovery(false).dht(false).build();
        assertThat(users.dhtBootstrap()).isEqualTo(DhtConfig.PUBLIC_ROUTERS);
        assertThat(DhtConfig.PUBLIC_ROUTERS).extracting(a -> a.getHostString() + ":" + a.getPort())
                .containsExactly("router.bittorrent.com:6881", "dht.transmissionbt.com:6881", "dht.libtorrent.org:25401");
        assertThat(DhtConfig.PUBLIC_ROUTERS).allMatch(a -> a.isUnresolved(), "left for the session to resolve");
    }

    @Test
    void theCliFixtureSwitchesTheDhtOffUnlessTheTestNamesItsOwnNodes() {
        assertThat(SpateCli.withoutPublicDht(List.of("download", "x.torrent"))).containsExactly("download", "--no-dht",
                "x.torrent");
        assertThat(SpateCli.withoutPublicDht(List.of("info", "magnet:?xt=urn:btih:00")))
                .containsExactly("info", "--no-dht", "magnet:?xt=urn:btih:00");
        assertThat(SpateCli.withoutPublicDht(List.of("seed", "--dht-bootstrap", "198.18.0.3:6881", "x.torrent")))
                .doesNotContain("--no-dht");
        assertThat(SpateCli.withoutPublicDht(List.of("download", "--dht-bootstrap", "127.0.0.1:7000", "x")))
                .doesNotContain("--no-dht");
        assertThat(SpateCli.withoutPublicDht(List.of("create", "dir"))).containsExactly("create", "dir");
        assertThatThrownBy(() -> SpateCli.withoutPublicDht(List.of("download", "--dht-bootstrap",
                "router.bittorrent.com:6881", "x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("router.bittorrent.com:6881");
        assertThatThrownBy(() -> SpateCli.withoutPublicDht(List.of("download", "--dht-bootstrap", "8.8.8.8:6881", "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCliFixtureAppliesItOnEveryPath() throws IOException {
        String fixture = Files.readString(LocalDiscoveryTestIsolationTest.TEST_SOURCES.resolve("dev/spate/it/SpateCli.java"));
        assertThat(fixture).contains("out = withoutPublicDht(out);")
                .contains("javaCommand(List.of(\"-Xmx256m\", \"-XX:TieredStopAtLevel=1\"), withoutPublicDht(args))");
        for (Path p : LocalDiscoveryTestIsolationTest.testAndBenchSources()) {
            String source = Files.readString(p);
            String name = p.getFileName().toString();
            if (source.contains("--dht-bootstrap") && !name.equals(SELF) && !name.equals("SpateCli.java")) {
                assertThat(source).as("%s names DHT nodes for the CLI: only through SpateCli, which checks them", p)
                        .contains("SpateCli.");
            }
        }
    }
}
