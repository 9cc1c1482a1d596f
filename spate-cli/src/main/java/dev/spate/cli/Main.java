package dev.spate.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code spate} command. */
@Command(name = "spate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A BitTorrent client.",
        subcommands = {InfoCommand.class, CreateCommand.class, DownloadCommand.class, SeedCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit status of a command that failed for a reason other than its arguments. */
    static final int FAILURE = 1;
    /** Exit status of a usage error (picocli's own convention, kept). */
    static final int USAGE = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status; used by tests as well as {@link #main}. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.println("spate: " + oneLine(e));
            err.flush();
            return FAILURE;
        });
        return cl.execute(args);
    }

    /** The message of {@code e}, or of its cause when it has none, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return message.replace('\n', ' ');
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'spate --help'");
    }

    /** Reports the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"spate 0.1.0"};
        }
    }
}
