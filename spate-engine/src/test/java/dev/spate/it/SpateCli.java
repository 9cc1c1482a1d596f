package dev.spate.it;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spate's command line ({@code spate download ...}) as a child process, on the JVM running the tests
 * ({@code java.home}), optionally inside a {@link NetNamespace}.
 *
 * <p>The CLI comes from the shaded jar {@code spate-cli/target/spate.jar} (system property
 * {@code spate.cli.jar} to point elsewhere), built by {@code scripts/test} before the integration tests; tests
 * using it fail when it is missing (a skip would pass CI without testing anything). This module's freshly compiled {@code target/classes} go first on
 * the class path, so the subprocess always runs the engine under test, even when the jar predates a change
 * to it.
 *
 * <p>Local service discovery, on by default for users, multicasts: every command made here gets
 * {@code --no-lsd} ({@link #withoutLsd}) but for {@link #commandWithLsd}, which runs only inside a
 * namespace the test made.
 */
public final class SpateCli {
    /** The commands that open a session, whose local service discovery is on by default. */
    public static final java.util.Set<String> SESSION_COMMANDS = java.util.Set.of("download", "seed");
    /** The commands that may open a session with the DHT: info fetches a magnet link's metadata. */
    public static final java.util.Set<String> DHT_COMMANDS = java.util.Set.of("download", "seed", "info");

    /**
     * The summary line {@code download} prints on stdout at the end, by group name: {@code name}, {@code state}
     * (complete or incomplete), {@code verified} and {@code pieces}, {@code percent}, {@code path} (where the files
     * went), {@code received}, {@code time} and {@code rate} (the average over the transfer; absent when nothing
     * was received), {@code fromWebSeeds} and {@code webSeeds} (bytes from the torrent's web seeds and their
     * number, when it has any), {@code hashFailures}, {@code wasted}.
     */
    public static final Pattern SUMMARY = Pattern.compile(
            "(?m)^(?<name>.+): (?<state>complete|incomplete)(?: \\((?<wantedFiles>\\d+) of (?<files>\\d+) files, [^)]+\\))?, (?<verified>\\d+)/(?<pieces>\\d+) pieces"
                    + " \\((?<percent>[0-9.]+)%\\) in (?<path>.+), (?<received>[0-9.]+ [KMGTP]?i?B) received"
                    + "(?: in (?<time>[^,]+) \\((?<rate>[^)]+/s)\\))?"
                    + "(?:, (?<fromWebSeeds>[0-9.]+ [KMGTP]?i?B) of it from (?<webSeeds>\\d+) web seeds?)?"
                    + ", (?<hashFailures>\\d+) hash failures?, (?<wasted>.+) wasted$");

    private SpateCli() {
    }

    /** The CLI jar; fails the calling test when it has not been built. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("spate.cli.jar", "../spate-cli/target/spate.jar")).toAbsolutePath()
                .normalize();
        // A missing jar fails rather than skips: a skipped CLI test would pass CI without testing anything.
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the CLI jar " + jar + " is not built: run scripts/test, which packages it "
                    + "before the integration tests, or ./mvnw package -DskipTests first");
        }
        return jar;
    }

    /**
     * {@code args} with {@code --no-lsd} right after a session command: tests never multicast outside a
     * network namespace of their own (LocalDiscoveryTestIsolationTest checks every way a test runs the CLI).
     */
    public static List<String> withoutLsd(List<String> args) {
        List<String> out = new ArrayList<>(args);
        if (!out.isEmpty() && SESSION_COMMANDS.contains(out.get(0)) && !out.contains("--no-lsd")) {
            out.add(1, "--no-lsd");
        }
        out = withoutPublicDht(out);
        return out;
    }

    /**
     * {@code args} with {@code --no-dht} added to a command that may use the DHT, unless the test
     * names its own DHT nodes with {@code --dht-bootstrap}: no test reaches a public router.
     * ({@link dev.spate.engine.DhtTestIsolationTest} checks that those nodes are the test's own.)
     */
    public static List<String> withoutPublicDht(List<String> args) {
        List<String> out = new ArrayList<>(args);
        for (int i = 0; i + 1 < out.size(); i++) {
            if (out.get(i).equals("--dht-bootstrap") && !isTestAddress(out.get(i + 1))) {
                throw new IllegalArgumentException("a test's DHT bootstrap must be its own node (127.0.0.0/8, ::1 or a"
                        + " test namespace's " + NetNamespace.SUBNET_PREFIX + "x), not " + out.get(i + 1));
            }
        }
        if (!out.isEmpty() && DHT_COMMANDS.contains(out.get(0)) && !out.contains("--no-dht")
                && !out.contains("--dht-bootstrap")) {
            out.add(1, "--no-dht");
        }
        return out;
    }

    /** Whether {@code hostPort} is on loopback or in a test namespace: where a test's own DHT nodes live. */
    public static boolean isTestAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
        return host.startsWith("127.") || host.equals("[::1]") || host.equals("::1") || host.equals("localhost")
                || host.startsWith(NetNamespace.SUBNET_PREFIX) || host.startsWith("[" + NetNamespace.SUBNET6_PREFIX);
    }

    /**
     * {@code spate args...} with local service discovery on (the users' default), inside {@code ns}:
     * its multicast stays on that namespace's interfaces.
     */
    public static List<String> commandWithLsd(NetNamespace ns, List<String> args) {
        java.util.Objects.requireNonNull(ns, "LSD multicasts: only inside a network namespace the test made");
        return ns.exec(javaCommand(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), withoutPublicDht(args)));
    }

    /** {@code java -cp <engine classes>:spate.jar dev.spate.cli.Main args...}, with {@code --no-lsd}. */
    public static List<String> command(List<String> args) {
        return command(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), args);
    }

    /** The same with the given JVM options instead of the defaults. */
    public static List<String> command(List<String> jvmOptions, List<String> args) {
        return javaCommand(jvmOptions, withoutLsd(args));
    }

    private static List<String> javaCommand(List<String> jvmOptions, List<String> args) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path classes = Path.of("target/classes").toAbsolutePath();
        String cp = (Files.isDirectory(classes) ? classes + java.io.File.pathSeparator : "") + jar();
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(jvmOptions);
        // --no-config: the machine's own config file must not change what a test runs.
        cmd.addAll(List.of("-cp", cp, "dev.spate.cli.Main", "--no-config"));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * {@code java -cp spate.jar dev.spate.cli.Main args...}: the jar alone on the class path, for a child
     * that must not need a descriptor to load a class (one at its open-files limit: a class read from
     * target/classes opens a file, one from the already open jar does not). Fails when the jar's engine
     * classes differ from this module's compiled ones: it would test another engine than this one.
     */
    public static List<String> jarCommand(List<String> jvmOptions, List<String> args) {
        Path jar = jar();
        Path classes = Path.of("target/classes").toAbsolutePath();
        if (Files.isDirectory(classes)) {
            requireSameClasses(classes, jar);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", jar.toString(), "dev.spate.cli.Main", "--no-config"));
        cmd.addAll(withoutLsd(args));
        return cmd;
    }

    private static void requireSameClasses(Path classes, Path jar) {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
             java.util.stream.Stream<Path> files = Files.walk(classes)) {
            // module-info is left out of the shaded jar, which runs on the class path.
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class")
                    && !p.getFileName().toString().equals("module-info.class"))::iterator) {
                String name = classes.relativize(f).toString().replace('\\', '/');
                java.util.zip.ZipEntry entry = zip.getEntry(name);
                byte[] inJar = entry == null ? null : zip.getInputStream(entry).readAllBytes();
                if (inJar == null || !java.util.Arrays.equals(inJar, Files.readAllBytes(f))) {
                    throw new IllegalStateException("the CLI jar " + jar + " is stale: its " + name + " is "
                            + (inJar == null ? "missing" : "not the one in " + classes)
                            + "; rebuild it with ./mvnw -B -q -DskipTests package");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("comparing " + jar + " with " + classes, e);
        }
    }

    /**
     * {@code spate download torrent -o dir --state state --peer p...} plus {@code extra}, inside {@code ns}
     * when not null. The state directory (resume data) is always given, so a test never writes the user's.
     */
    public static ExternalProcess download(Path torrent, Path dir, Path state, List<String> peers, List<String> extra,
            NetNamespace ns) {
        List<String> args = new ArrayList<>(List.of("download", torrent.toAbsolutePath().toString(),
                "-o", dir.toAbsolutePath().toString(), "--state", state.toAbsolutePath().toString(), "--port", "0"));
        for (String p : peers) {
            args.add("--peer");
            args.add(p);
        }
        args.addAll(extra);
        List<String> cmd = command(args);
        if (ns != null) {
            cmd = ns.exec(cmd);
        }
        return ExternalProcess.start("spate-download", cmd, null);
    }

    /** Waits for the process to exit within {@code timeout} and returns its code. */
    public static int exit(ExternalProcess p, Duration timeout) {
        return p.waitForExit(timeout);
    }

    /** The summary line of a finished download (fails naming the log when there is none). */
    public static Matcher summary(ExternalProcess p) {
        Matcher m = SUMMARY.matcher(p.logText());
        if (!m.find()) {
            throw p.failure("printed no summary line");
        }
        return m;
    }

    /** Sends SIGINT (what Ctrl-C sends) to the process itself. */
    public static void interrupt(ExternalProcess p) {
        ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("kill", "-INT", Long.toString(p.pid())));
    }

    static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
