package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.Subscription;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.TorrentCreator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LoggingTest {
    @TempDir
    Path tmp;

    final StringWriter err = new StringWriter();

    @AfterEach
    void backToStandardError() throws Exception {
        Logging.configure(new PrintWriter(System.err, true), false, null); // and the log file closed
    }

    private static void log(String logger, System.Logger.Level level, String message, Object... params) {
        System.getLogger(logger).log(level, message, params);
    }

    @Test
    void aWarningFromTheEngineIsOneLineAndDebugIsNotShown() throws Exception {
        Logging.configure(new PrintWriter(err, true), false, null);

        log("dev.spate.engine.ResumeSaver", System.Logger.Level.WARNING, "saving resume data {0}: {1}", "/s/x.resume",
                "No space left on device");
        log("dev.spate.peer.PeerConnection", System.Logger.Level.DEBUG, "closing connection to {0}: {1}", "p", "bye");
        System.getLogger("dev.spate.engine.Session").log(System.Logger.Level.ERROR, "accepting connections failed",
                new java.io.IOException("Too many open files\n\tand more"));

        assertThat(err.toString()).isEqualTo("spate: warning: saving resume data /s/x.resume: No space left on device\n"
                + "spate: error: accepting connections failed: Too many open files \\tand more\n");
    }

    @Test
    void whatALogMessageQuotesIsEscaped() throws Exception {
        Logging.configure(new PrintWriter(err, true), false, null);

        log("dev.spate.engine.Torrent", System.Logger.Level.WARNING, "closing files of {0}: {1}", "name\u001b[2J\u202e",
                "gone\nnext line");

        assertThat(err.toString()).isEqualTo("spate: warning: closing files of name\\x1b[2J\\u202e: gone next line\n");
    }

    @Test
    void verboseShowsSpatesDebugMessagesButNotTheJdksOwn() throws Exception {
        Logging.configure(new PrintWriter(err, true), true, null);

        log("dev.spate.peer.PeerConnection", System.Logger.Level.DEBUG, "closing connection to {0}: {1}", "p", "bye");
        log("java.lang.Runtime", System.Logger.Level.DEBUG, "Runtime.exit() called with status: 130");

        assertThat(err.toString()).isEqualTo("spate: debug: closing connection to p: bye\n");
    }

    @Test
    void theLogFileKeepsEveryLevelWithItsTimeAndLogger() throws Exception {
        Path file = tmp.resolve("spate.log");
        Logging.configure(new PrintWriter(err, true), false, file);

        log("dev.spate.peer.PeerConnection", System.Logger.Level.DEBUG, "closing connection to {0}: {1}", "p", "bye");
        log("dev.spate.peer.Acceptor", System.Logger.Level.TRACE, "accept loop");
        log("dev.spate.engine.ResumeSaver", System.Logger.Level.WARNING, "saving resume data failed");

        assertThat(err.toString()).isEqualTo("spate: warning: saving resume data failed\n");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) ";
        assertThat(lines.get(0)).matches(time + "debug dev\\.spate\\.peer\\.PeerConnection: closing connection to p: bye");
        assertThat(lines.get(1)).matches(time + "trace dev\\.spate\\.peer\\.Acceptor: accept loop");
        assertThat(lines.get(2)).matches(time + "warning dev\\.spate\\.engine\\.ResumeSaver: saving resume data failed");
    }

    @Test
    void aLogFileThatCannotBeOpenedFailsTheCommandWithOneLine() {
        Cli.Result r = Cli.run("--log-file", tmp.resolve("no/such/dir/spate.log").toString(), "--version");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.errLines()).containsExactly("spate: " + tmp.resolve("no/such/dir/spate.log") + ": no such file or directory");
    }

    /** A real warning of the engine's: a subscriber that throws is logged, with the exception, and the engine goes on. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aSubscriberFailureTheEngineLogsIsOneLineWithItsCauseAndNoStackTrace() throws Exception {
        Logging.configure(new PrintWriter(err, true), false, null);
        Path data = Files.write(tmp.resolve("data.bin"), new byte[40_000]);
        Metainfo meta = TorrentCreator.builder(data).pieceLength(16384).build().createMetainfo();
        try (Session session = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).stateDirectory(tmp.resolve("state")).build());
             Subscription failing = session.subscribe(e -> {
                 throw new IllegalStateException("subscriber broke");
             })) {
            session.add(meta, tmp).awaitCompletion(java.time.Duration.ofSeconds(20));
            while (!err.toString().contains("\n")) {
                Thread.sleep(10);
            }
        }
        List<String> lines = err.toString().lines().toList();
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("spate: warning: event subscriber failed on ")
                .endsWith(": subscriber broke"));
    }
}
