package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Runs {@code scripts/install-shell-support --prefix DIR} as a user would (it builds the man pages
 * with the Maven profile {@code man}: a JRuby start, about a minute here), then reads what it
 * installed: the completion script, and one man page per command, rendered by groff.
 */
class ShellSupportIT {
    @TempDir
    Path prefix;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void installsTheCompletionScriptAndAManPageForEveryCommand() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path script = root.resolve("scripts/install-shell-support");
        assertThat(script).isExecutable();

        Run run = run(List.of(script.toString(), "--prefix", prefix.toString()), 7);

        assertThat(run.exitCode()).as(run.output()).isZero();
        Path completion = prefix.resolve("share/bash-completion/completions/spate");
        assertThat(completion).isRegularFile();
        assertThat(Files.readString(completion)).isEqualTo(Cli.run("completion").out());

        List<CommandSpec> commands = commands(new CommandLine(new Main()).getCommandSpec());
        Path man1 = prefix.resolve("share/man/man1");
        List<String> expectedPages = commands.stream().map(c -> c.qualifiedName("-") + ".1").sorted().toList();
        try (var files = Files.list(man1)) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).isEqualTo(expectedPages);
        }

        String top = render(man1.resolve("spate.1"));
        assertThat(top).contains("spate - A BitTorrent client.").contains("COMMANDS").contains("130");
        for (CommandSpec c : commands) {
            if (c != commands.get(0)) {
                assertThat(top).as("spate(1) lists %s", c.name()).containsPattern("(?m)^\\s+" + c.name() + "$");
            }
            String page = render(man1.resolve(c.qualifiedName("-") + ".1"));
            assertThat(page).as("NAME of %s", c.qualifiedName()).contains(c.qualifiedName("-") + " - ");
            for (OptionSpec option : c.options()) {
                if (!option.hidden()) {
                    assertThat(page).as("%s in the page of %s", option.longestName(), c.qualifiedName())
                            .contains(option.longestName());
                }
            }
        }
    }

    /** The page as man shows it, wide enough that no option name is hyphenated, without overstrikes. */
    private static String render(Path page) throws Exception {
        Run r = run(List.of("groff", "-man", "-Tascii", "-P-cbou", "-rLL=200n", page.toString()), 1);
        assertThat(r.exitCode()).as("groff on %s: %s", page, r.output()).isZero();
        return r.output();
    }

    private static List<CommandSpec> commands(CommandSpec spec) {
        List<CommandSpec> all = new ArrayList<>(List.of(spec));
        for (CommandLine sub : spec.subcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden() && !all.contains(sub.getCommandSpec())) {
                all.addAll(commands(sub.getCommandSpec()));
            }
        }
        return all.stream().distinct().toList();
    }

    record Run(int exitCode, String output) {
    }

    private static Run run(List<String> command, int minutes) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<output lost: " + e + ">";
            }
        });
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + minutes + " min");
        }
        return new Run(p.exitValue(), out.join());
    }
}
