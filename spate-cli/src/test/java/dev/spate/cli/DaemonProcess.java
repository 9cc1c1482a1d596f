package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code spate daemon} as a process of the built jar (package), for the integration tests: its
 * command (this JVM's java, no config file, stdin from /dev/null), and a started daemon with the
 * ports its first line names, the rest of its output read away so it never blocks on a full pipe.
 *
 * @param peerPort the port it takes peers on
 * @param rpcPort the port of its RPC on 127.0.0.1
 */
record DaemonProcess(Process process, int peerPort, int rpcPort) {
    private static final Pattern FIRST_LINE =
            Pattern.compile("peers on port (\\d+), RPC on http://127\\.0\\.0\\.1:(\\d+)/transmission/rpc");

    /** The command of {@code spate daemon args...}, its config looked for (and not found) under {@code tmp}. */
    static ProcessBuilder command(Path tmp, String... args) {
        Path jar = Path.of("target/spate.jar").toAbsolutePath();
        assertThat(jar).as("jar built by package").isRegularFile();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        List<String> all = new ArrayList<>(List.of("daemon"));
        all.addAll(List.of(args));
        cmd.addAll(List.of(Cli.args(all.toArray(String[]::new))));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("no-config").toString());
        pb.environment().remove("SPATE_CONFIG");
        return pb;
    }

    /** Starts {@code command} and waits for the daemon's first line. */
    static DaemonProcess start(ProcessBuilder command) throws IOException {
        Process p = command.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        assertThat(first).as("the daemon's first line").isNotNull();
        Matcher m = FIRST_LINE.matcher(first);
        assertThat(m.find()).as(first).isTrue();
        Thread.ofVirtual().start(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return new DaemonProcess(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
}
