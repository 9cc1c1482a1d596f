package dev.spate.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code spate completion}: prints the shell completion script of the whole command tree, made by
 * picocli from the same model that parses the command line, so it cannot fall behind an option.
 * The script is for bash and, through {@code bashcompinit}, zsh.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a completion script for bash (zsh too, after 'autoload -U +X bashcompinit && bashcompinit').",
                "Load it at once with: source <(spate completion)",
                "or install it (with the man pages) with: scripts/install-shell-support"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandSpec root = spec.root();
        spec.commandLine().getOut().print(AutoComplete.bash(root.name(), root.commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
