package dev.spate.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** Runs the command in-process, as {@code spate ARGS...}, capturing what it prints. */
final class Cli {
    private Cli() {
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
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Result(code, out.toString(), err.toString());
    }
}
