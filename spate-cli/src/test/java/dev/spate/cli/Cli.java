package dev.spate.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs the command in-process, as {@code spate ARGS...}, capturing what it prints. Tests never multicast
 * outside a network namespace of their own, and this JVM runs in none: {@code download} and
 * {@code seed} get {@code --no-lsd}, always ({@link #args}).
 */
final class Cli {
    /** The commands that open a session, whose local service discovery is on by default. */
    static final Set<String> SESSION_COMMANDS = Set.of("download", "seed", "daemon");
    /** The commands that may open a session with the DHT: info fetches a magnet link's metadata. */
    static final Set<String> DHT_COMMANDS = Set.of("download", "seed", "info", "daemon");

    private Cli() {
    }

    /** {@code args} as run: {@code --no-lsd} right after a session command. */
    static String[] args(String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        if (!out.isEmpty() && SESSION_COMMANDS.contains(out.get(0)) && !out.contains("--no-lsd")) {
            out.add(1, "--no-lsd");
        }
        // No test reaches a public DHT router: the DHT is off unless the test names its own nodes.
        if (!out.isEmpty() && DHT_COMMANDS.contains(out.get(0)) && !out.contains("--no-dht")
                && !out.contains("--dht-bootstrap")) {
            out.add(1, "--no-dht");
        }
        return out.toArray(String[]::new);
    }

    /** Exit status and the text printed on standard output and standard error. */
    record Result(int exitCode, String out, String err) {
        /** The non-empty lines of standard error. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isEmpty()).toList();
        }
    }

    /** An environment with no config file in it. */
    static final java.util.Map<String, String> NO_CONFIG = java.util.Map.of("XDG_CONFIG_HOME", "/nonexistent/spate-test-config");

    static Result run(String... args) {
        return runIn(NO_CONFIG, args);
    }

    /** Runs the command in the environment {@code env} (config file variables). */
    static Result runIn(java.util.Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args(args), new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Result(code, out.toString(), err.toString());
    }
}
