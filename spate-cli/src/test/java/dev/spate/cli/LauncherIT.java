package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code ./spate} launcher at the repository root, as a user would, on the jar that
 * {@code package} has just built (failsafe runs after it in {@code verify}, so the launcher finds the
 * jar up to date and does not rebuild).
 */
class LauncherIT {
    private static Path launcher;

    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void findLauncher() throws Exception {
        // Failsafe runs in the module directory, spate-cli; the launcher is one level up.
        Path root = Path.of("").toAbsolutePath().getParent();
        launcher = root.resolve("spate");
        assertThat(launcher).as("launcher script").isExecutable();
        assertThat(root.resolve("spate-cli/target/spate.jar")).as("jar built by package").isRegularFile();
        settleTheStartUpCache();
    }

    /**
     * The first launch after a build trains the start-up cache (and says so on standard error); done
     * before the tests, so that each sees only what its own command prints.
     */
    private static void settleTheStartUpCache() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("first launch").isTrue();
    }

    private static List<Path> startUpCaches() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(launcher.getParent().resolve("spate-cli/target"))) {
            return files.filter(f -> f.getFileName().toString().matches("spate-jdk\\d+-\\d+\\.aot.*")).toList();
        }
    }

    private Run spate(String... args) throws IOException, InterruptedException {
        return spate(java.util.Map.of(), args);
    }

    private Run spate(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(Cli.args(args)));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // The machine's own config file must not change what the test runs.
        pb.environment().remove("SPATE_CONFIG");
        pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("no-config").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("spate " + String.join(" ", args) + " did not finish within 60 s");
        }
        Run run = new Run(p.exitValue(), out.join(), err.join());
        assertThat(run.err()).as("the launcher must not rebuild the jar here").doesNotContain("spate: building");
        return run;
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e + ">";
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void createThenInfoThroughTheLauncherAgreeOnTheTorrent() throws Exception {
        byte[] data = new byte[50_000];
        new java.util.Random(3).nextBytes(data);
        Files.write(tmp.resolve("data.bin"), data);

        Run create = spate("create", "data.bin", "-o", "data.torrent", "--piece-size", "16K",
                "-t", "http://127.0.0.1:1/announce", "--comment", "launcher");

        assertThat(create.exitCode()).as(create.err()).isZero();
        Metainfo meta = MetainfoParser.read(tmp.resolve("data.torrent"));
        assertThat(create.out()).isEqualTo("created data.torrent: 48.8 KiB, 4 pieces of 16 KiB, info-hash "
                + meta.infoHashHex() + "\n");
        assertThat(meta.comment()).contains("launcher");

        Run info = spate("info", "data.torrent");

        assertThat(info.exitCode()).as(info.err()).isZero();
        assertThat(info.out()).startsWith("name:       data.bin\ninfo-hash:  " + meta.infoHashHex() + "\n")
                .contains("size:       48.8 KiB (50000 bytes)\n")
                .contains("  tier 1: http://127.0.0.1:1/announce\n");

        Run json = spate("info", "--json", "data.torrent");

        assertThat(json.exitCode()).isZero();
        assertThat(JsonReader.parse(json.out())).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("infoHash", meta.infoHashHex()).containsEntry("totalLength", 50_000L);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theLauncherPassesOnExitCodesAndOneLineErrors() throws Exception {
        Files.writeString(tmp.resolve("bad.torrent"), "not bencoding");

        Run bad = spate("info", "bad.torrent");
        Run usage = spate("create", "nothing", "-o", "x.torrent", "--piece-size", "3M");

        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).startsWith("spate: bad.torrent: not a bencoded torrent file: ").doesNotContain("\tat ");
        assertThat(bad.err().lines().count()).isEqualTo(1);
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).startsWith("spate: no such file or directory: nothing\n");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void onJdk25OrNewerTheLauncherTrainsItsStartUpCacheOnceAndThenStartsFromIt() throws Exception {
        for (Path old : startUpCaches()) {
            Files.delete(old);
        }

        Run first = spate("--version");
        Run second = spate(java.util.Map.of("SPATE_JAVA_OPTS", "-Xlog:aot=info"), "--version");

        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).isEqualTo("spate " + VersionTest.pomVersion() + "\n");
        assertThat(second.exitCode()).isZero();
        if (Runtime.version().feature() >= 25) {
            assertThat(first.err()).isEqualTo("spate: training the JVM's start-up cache (once per build, a few seconds)...\n");
            assertThat(startUpCaches()).as("the cache, and nothing left of its training").hasSize(1);
            assertThat(second.err()).isEmpty();
            assertThat(second.out()).contains("Opened AOT cache " + startUpCaches().get(0));
        } else {
            assertThat(first.err()).isEmpty();
            assertThat(startUpCaches()).isEmpty();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theLaunchersJarCarriesPicocliCompiledForJava21WhichTheStartUpCacheHolds() throws Exception {
        Path jar = launcher.getParent().resolve("spate-cli/target/spate.jar");
        List<String> picocli = new ArrayList<>();
        List<String> older = new ArrayList<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (e.getName().startsWith("picocli/") && e.getName().endsWith(".class")) {
                    picocli.add(e.getName());
                    try (java.io.InputStream in = zip.getInputStream(e)) {
                        byte[] head = in.readNBytes(8);
                        int major = (head[6] & 0xff) << 8 | head[7] & 0xff;
                        if (major < 65) {
                            older.add(e.getName());
                        }
                    }
                }
            }
        }
        assertThat(picocli).as("picocli's classes").contains("picocli/CommandLine.class", "picocli/AutoComplete.class")
                .hasSizeGreaterThan(200);
        assertThat(older).as("class files older than Java 21's (65)").isEmpty();

        if (Runtime.version().feature() >= 25) {
            Run run = spate(java.util.Map.of("SPATE_JAVA_OPTS", "-Xlog:class+load=info"), "--version");
            List<String> loaded = run.out().lines().filter(l -> l.contains(" picocli.CommandLine")).toList();
            assertThat(loaded).as("picocli classes loaded").isNotEmpty();
            assertThat(loaded).as("each from the start-up cache, none read from the jar")
                    .allSatisfy(l -> assertThat(l).contains("source: shared objects file"));
        }
    }

    /** A JDK-shaped directory whose java only leaves a mark that it ran, and fails. */
    private Path fakeJdk(String name, String release) throws IOException {
        Path home = tmp.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        for (String tool : List.of("java", "javac")) {
            Path bin = home.resolve("bin").resolve(tool);
            Files.writeString(bin, "#!/bin/sh\ntouch '" + home.resolve("ran") + "'\nexit 1\n");
            bin.toFile().setExecutable(true);
        }
        if (release != null) {
            Files.writeString(home.resolve("release"), release);
        }
        return home;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theLauncherReadsAJdksVersionFromItsReleaseFileAndStartsItsJavaOnlyWithoutOne() throws Exception {
        Path old = fakeJdk("jdk-17", "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"17.0.9\"\n");
        Path bare = fakeJdk("jdk-bare", null);

        Run fromOld = spate(java.util.Map.of("JAVA_HOME", old.toString()), "--version");
        Run fromBare = spate(java.util.Map.of("JAVA_HOME", bare.toString()), "--version");

        assertThat(fromOld.exitCode()).as(fromOld.err()).isZero();
        assertThat(fromOld.out()).isEqualTo("spate " + VersionTest.pomVersion() + "\n");
        assertThat(old.resolve("ran")).as("a JDK 17 by its release file, passed over unstarted").doesNotExist();
        assertThat(fromBare.exitCode()).as(fromBare.err()).isZero();
        assertThat(bare.resolve("ran")).as("no release file: its java is asked").exists();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void onJdk22OrNewerTheJvmDoesNotWaitAtExitForThreadsBlockedInNativeCode() throws Exception {
        Run flags = spate(java.util.Map.of("SPATE_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "--version");

        assertThat(flags.exitCode()).as(flags.err()).isZero();
        java.util.Optional<String> line = flags.out().lines().filter(l -> l.contains(" UserThreadWaitAttemptsAtExit ")).findFirst();
        if (Runtime.version().feature() >= 22) {
            assertThat(line).hasValueSatisfying(l -> assertThat(l).matches(".*= 0 .*\\{command line\\}.*"));
        } else {
            assertThat(line).isEmpty();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theLauncherKeepsC2FromInliningHotCalleesOver100BytesUnlessSpateJavaOptsSaysOtherwise() throws Exception {
        Run given = spate(java.util.Map.of("SPATE_JAVA_OPTS", "-XX:+PrintFlagsFinal"), "--version");
        Run overridden = spate(java.util.Map.of("SPATE_JAVA_OPTS", "-XX:FreqInlineSize=325 -XX:+PrintFlagsFinal"), "--version");

        assertThat(given.exitCode()).as(given.err()).isZero();
        assertThat(given.out().lines().filter(l -> l.contains(" FreqInlineSize ")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches(".*= 100 .*\\{command line\\}.*");
        assertThat(overridden.exitCode()).as(overridden.err()).isZero();
        assertThat(overridden.out().lines().filter(l -> l.contains(" FreqInlineSize ")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .matches(".*= 325 .*\\{command line\\}.*");
    }
}
