package dev.spate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code spate} command. */
@Command(name = "spate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A BitTorrent client.",
        exitCodeListHeading = Main.EXIT_CODE_HEADING, exitCodeList = {Main.EXIT_OK, Main.EXIT_FAILURE, Main.EXIT_USAGE,
                Main.EXIT_INTERRUPTED},
        subcommands = {InfoCommand.class, CreateCommand.class, DownloadCommand.class, SeedCommand.class, DaemonCommand.class, SelftestCommand.class,
                ConfigCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit status of a command that failed for a reason other than its arguments. */
    static final int FAILURE = 1;
    /** Exit status of a usage error (picocli's own convention, kept). */
    static final int USAGE = 2;
    /** The table of exit statuses in {@code --help}; the README has the same. */
    static final String EXIT_CODE_HEADING = "%nExit status:%n";
    static final String EXIT_OK = "0:success (download: every piece verified on disk)";
    static final String EXIT_SEEDED = "0:success (stopped by Ctrl-C)";
    static final String EXIT_FAILURE = "1:failure; one line on stderr says what went wrong";
    static final String EXIT_USAGE = "2:usage error: an unknown option, a missing or bad argument";
    static final String EXIT_INTERRUPTED = "130:interrupted (Ctrl-C) before the download completed";

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print each connection attempt, log messages of every level and the stack traces of errors.")
    boolean verbose;

    @Option(names = "--log-file", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Append every log message, of every level and with its time, to FILE.")
    Path logFile;

    // Read before the command line is parsed (ConfigSource), declared here so that picocli accepts them anywhere.
    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Read settings from FILE (default $SPATE_CONFIG, else $XDG_CONFIG_HOME/spate/config.toml).")
    Path configFile;

    @Option(names = "--no-config", scope = CommandLine.ScopeType.INHERIT, description = "Read no config file.")
    boolean noConfig;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private ConfigDefaults config;
    private String configSource;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status; used by tests as well as {@link #main}. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /** {@link #run(String[], PrintWriter, PrintWriter)} in the environment {@code env}. */
    static int run(String[] args, PrintWriter out, PrintWriter err, java.util.Map<String, String> env) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        ConfigSource source = ConfigSource.of(args, env);
        try {
            main.config = new ConfigDefaults(cl, source.read());
        } catch (ConfigFile.ConfigException e) {
            err.println("spate: config file " + TerminalText.escape(e.getMessage()) + " (--no-config reads none)");
            err.flush();
            return FAILURE;
        }
        main.configSource = source.describe();
        cl.setDefaultValueProvider(main.config);
        cl.setOut(out);
        cl.setErr(err);
        // No colours in --help unless it goes to a terminal: nothing else should see control sequences.
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(
                Terminal.stdoutIsTerminal() ? CommandLine.Help.Ansi.AUTO : CommandLine.Help.Ansi.OFF));
        cl.setExecutionStrategy(parseResult -> {
            Path logFile = null;
            for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
                logFile = p.matchedOptionValue("--log-file", logFile);
            }
            try {
                Logging.configure(err, verbose(parseResult), logFile);
            } catch (IOException e) {
                throw new CommandLine.ExecutionException(parseResult.commandSpec().commandLine(),
                        "cannot open the log file " + logFile, e);
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setParameterExceptionHandler((e, ignoredArgs) -> {
            CommandLine failed = e.getCommandLine();
            err.println("spate: " + oneLine(e));
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage");
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (verbose(parseResult)) {
                err.print(stackTrace(e));
            }
            err.println("spate: " + oneLine(e));
            err.flush();
            return FAILURE;
        });
        return cl.execute(args);
    }

    /** Whether {@code --verbose} was given, before the command or after it. */
    static boolean verbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code --verbose} was given to the command {@code spec} runs, or before it. */
    static boolean verbose(CommandLine.Model.CommandSpec spec) {
        for (CommandLine.Model.CommandSpec s = spec; s != null; s = s.parent()) {
            CommandLine.ParseResult p = s.commandLine().getParseResult();
            if (p != null && p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The message of {@code e}, or of its cause when it has none, on one line and escaped (a message
     * may quote a tracker or a file name from a torrent). A file-system error names its file and says
     * what went wrong with it: {@link NoSuchFileException}'s own message is the bare path.
     */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t instanceof FileSystemException fs ? fileProblem(fs)
                : t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        return TerminalText.escape(message.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' '));
    }

    /**
     * {@code e}'s stack trace with every line escaped (its messages may quote a tracker or a torrent)
     * but for the tabs that indent the frames.
     */
    static String stackTrace(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        StringBuilder sb = new StringBuilder();
        for (String line : trace.toString().split("\r?\n")) {
            int tabs = 0;
            while (tabs < line.length() && line.charAt(tabs) == '\t') {
                tabs++;
            }
            sb.append(line, 0, tabs).append(TerminalText.escape(line.substring(tabs))).append('\n');
        }
        return sb.toString();
    }

    private static String fileProblem(FileSystemException e) {
        String reason = e.getReason();
        if (reason == null) {
            reason = switch (e) {
                case NoSuchFileException x -> "no such file or directory";
                case AccessDeniedException x -> "permission denied";
                case FileAlreadyExistsException x -> "already exists";
                case DirectoryNotEmptyException x -> "directory not empty";
                case NotDirectoryException x -> "not a directory";
                default -> e.getClass().getSimpleName();
            };
        }
        String file = e.getFile() == null ? "" : e.getFile();
        return e.getOtherFile() == null ? file + ": " + reason : file + " -> " + e.getOtherFile() + ": " + reason;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The settings from the config file, as the commands' defaults. */
    ConfigDefaults config() {
        return config;
    }

    /** Which config file is read, and why that one. */
    String configSource() {
        return configSource;
    }

    /** Reports the version the build wrote into {@code version.properties} from the pom. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"spate " + current()};
        }

        /** The project's version, as in the pom ({@code 0.1.0-SNAPSHOT} between releases). */
        static String current() {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IllegalStateException("version.properties is missing from the build");
                }
                p.load(in);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return p.getProperty("version");
        }
    }
}
