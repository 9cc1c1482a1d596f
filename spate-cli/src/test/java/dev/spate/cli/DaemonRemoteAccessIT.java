package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spate daemon} reached from another machine: the daemon process and curl run in a network
 * namespace made for the test, whose loopback holds 198.18.0.1 (the daemon's RPC address) and
 * 198.18.0.2 (the client's, so the daemon sees a request from an address that is not loopback).
 * The namespace has no other interface: nothing in it reaches any real network. Needs root.
 */
@Timeout(120)
class DaemonRemoteAccessIT {
    static final String DAEMON = "198.18.0.1";
    static final String CLIENT = "198.18.0.2";

    @TempDir
    Path tmp;

    String namespace;
    Process daemon;

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s ended", cmd).isTrue();
        assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
        return out;
    }

    List<String> inside(String... cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(cmd));
        return full;
    }

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root for ip netns");
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        namespace = "spate-it-" + HexFormat.of().formatHex(random);
        run(List.of("ip", "netns", "add", namespace));
        run(inside("ip", "link", "set", "lo", "up"));
        run(inside("ip", "addr", "add", DAEMON + "/24", "dev", "lo"));
        run(inside("ip", "addr", "add", CLIENT + "/24", "dev", "lo"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (daemon != null) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (namespace != null) {
            for (String pid : run(List.of("ip", "netns", "pids", namespace)).lines().map(String::strip).toList()) {
                if (pid.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            run(List.of("ip", "netns", "delete", namespace));
        }
    }

    /** Starts the daemon jar inside the namespace with {@code rpc} options; its first output line. */
    String startDaemon(String... rpc) throws Exception {
        Path jar = Path.of("target/spate.jar").toAbsolutePath();
        assertThat(jar).as("jar built by package").isRegularFile();
        List<String> cmd = inside(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString());
        cmd.addAll(List.of(Cli.args("daemon", "--state", tmp.resolve("state").toString(),
                "-d", Files.createDirectories(tmp.resolve("data")).toString(), "--bind", DAEMON, "--port", "0")));
        cmd.addAll(List.of(rpc));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("no-config").toString());
        pb.environment().remove("SPATE_CONFIG");
        daemon = pb.start();
        return new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    /** curl from the client's address: the HTTP status, then the headers and body. */
    String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "10", "--noproxy", "*",
                "--interface", CLIENT));
        cmd.addAll(List.of(args));
        return run(inside(cmd.toArray(String[]::new)));
    }

    static int status(String response) {
        return Integer.parseInt(response.lines().findFirst().orElseThrow().split(" ")[1]);
    }

    @Test
    void aDaemonReachableFromOtherMachinesRefusesToStartWithoutCredentials() throws Exception {
        String first = startDaemon("--rpc-bind", DAEMON, "--rpc-port", "9091");
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.exitValue()).as("a usage error").isEqualTo(2);
        assertThat(first).contains("--rpc-bind " + DAEMON).contains("--rpc-auth");
    }

    @Test
    void aRequestFromAnotherMachineWithoutCredentialsIsRefusedAndWithThemAnswered() throws Exception {
        String first = startDaemon("--rpc-bind", DAEMON, "--rpc-port", "9091", "--rpc-auth", "alice:s3cret");
        assertThat(first).as("the daemon's first line").contains("RPC on http://" + DAEMON + ":9091/transmission/rpc");
        String url = "http://" + DAEMON + ":9091/transmission/rpc";
        String body = "{\"method\":\"session-get\"}";

        String anonymous = curl("-X", "POST", "-d", body, url);
        assertThat(status(anonymous)).as(anonymous).isEqualTo(401);
        assertThat(status(curl("-u", "alice:wrong", "-X", "POST", "-d", body, url))).isEqualTo(401);
        assertThat(status(curl(url.replace("/transmission/rpc", "/")))).as("the web UI too").isEqualTo(401);
        assertThat(status(curl(url.replace("/transmission/rpc", "/metrics")))).as("the metrics too").isEqualTo(401);

        String first409 = curl("-u", "alice:s3cret", "-X", "POST", "-d", body, url);
        assertThat(status(first409)).as(first409).isEqualTo(409);
        String id = first409.lines().filter(l -> l.regionMatches(true, 0, "X-Transmission-Session-Id:", 0, 26))
                .findFirst().orElseThrow().substring(26).strip();
        String answer = curl("-u", "alice:s3cret", "-H", "X-Transmission-Session-Id: " + id, "-X", "POST", "-d", body, url);
        assertThat(status(answer)).as(answer).isEqualTo(200);
        assertThat(answer).contains("\"result\":\"success\"").contains("\"rpc-version\":17");
    }
}
