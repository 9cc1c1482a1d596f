package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompletionCommandTest {
    @TempDir
    Path tmp;

    @Test
    void theScriptHasAFunctionForEveryCommandAndNamesEveryOption() {
        Cli.Result r = Cli.run("completion");

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_spate");
        List<CommandSpec> commands = allCommands(new CommandLine(new Main()).getCommandSpec());
        assertThat(commands).extracting(CommandSpec::name)
                .contains("spate", "info", "create", "download", "seed", "selftest", "completion", "help");
        for (CommandSpec command : commands) {
            String function = "function _picocli_" + command.qualifiedName("_") + "()";
            assertThat(r.out()).as("the function of '%s'", command.qualifiedName()).contains(function);
            for (OptionSpec option : command.options()) {
                if (option.hidden()) {
                    continue;
                }
                for (String name : option.names()) {
                    assertThat(r.out()).as("option %s of '%s'", name, command.qualifiedName())
                            .containsPattern("[\"' ]" + java.util.regex.Pattern.quote(name) + "[\"' ]");
                }
            }
        }
    }

    @Test
    void bashCompletesCommandsAndOptionsWithTheScript() throws Exception {
        Path script = tmp.resolve("spate.bash");
        Files.writeString(script, Cli.run("completion").out());

        assertThat(complete(script, "spate", "d")).containsExactlyInAnyOrder("daemon", "download");
        assertThat(complete(script, "spate", "s")).containsExactlyInAnyOrder("seed", "selftest");
        assertThat(complete(script, "spate", "download", "--upload-l")).containsExactly("--upload-limit");
        assertThat(complete(script, "spate", "seed", "--par")).containsExactly("--partial");
        assertThat(complete(script, "spate", "create", "--pri")).containsExactly("--private");
    }

    /** What bash's completion function offers for the last of {@code words}, as a shell would ask it. */
    private List<String> complete(Path script, String... words) throws IOException, InterruptedException {
        String line = String.join(" ", words);
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append('\'').append(w).append("' ");
        }
        String program = "source '" + script + "'\n"
                + "COMP_WORDS=(" + array + ")\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "COMP_LINE='" + line + "'\n"
                + "COMP_POINT=" + line.length() + "\n"
                + "_complete_spate 2>/dev/null\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("bash on the script").isZero();
        return out.lines().filter(s -> !s.isBlank()).map(String::strip).toList();
    }

    private static List<CommandSpec> allCommands(CommandSpec spec) {
        List<CommandSpec> all = new ArrayList<>();
        all.add(spec);
        for (CommandLine sub : spec.subcommands().values()) {
            if (!all.contains(sub.getCommandSpec()) && !sub.getCommandSpec().usageMessage().hidden()) {
                all.addAll(allCommands(sub.getCommandSpec()));
            }
        }
        return all.stream().distinct().toList();
    }
}
