package dev.spate.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code spate config}: the settings each command would run with, and where each comes from (the
 * config file, one of its command tables, or the built-in default), printed as TOML a person could
 * copy into the file.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Print the effective settings of each command and where each comes from.",
                "Settings are read from --config FILE, else $SPATE_CONFIG, else $XDG_CONFIG_HOME/spate/config.toml"
                        + " (~/.config/spate/config.toml); --no-config reads none. Flags win over the file."})
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ConfigDefaults config = main.config();
        out.println("# config file: " + main.configSource());
        for (Map.Entry<String, Map<String, OptionSpec>> command : config.settings().entrySet()) {
            if (command.getKey().equals("config")) {
                continue;
            }
            out.println();
            out.println("[" + command.getKey() + "]");
            for (Map.Entry<String, OptionSpec> setting : command.getValue().entrySet()) {
                if (setting.getValue().isMultiValue() && !ConfigDefaults.isFileList(setting.getValue())) {
                    continue; // command line only
                }
                Optional<ConfigDefaults.Origin> origin = config.origin(command.getKey(), setting.getValue());
                if (origin.isPresent()) {
                    out.println(setting.getKey() + " = " + toml(setting.getValue(), origin.get().value())
                            + "  # " + origin.get().source());
                } else {
                    out.println("# " + setting.getKey() + ": not set (" + String.join(" ", setting.getValue().description()) + ")");
                }
            }
        }
        out.flush();
        return 0;
    }

    /** A value as TOML writes it: numbers and booleans bare, anything else a quoted string. */
    private static String toml(OptionSpec option, String value) {
        if (ConfigDefaults.isFileList(option)) {
            java.util.List<String> items = new java.util.ArrayList<>();
            for (String item : value.split("\u0000")) {
                items.add(quoted(item));
            }
            return "[" + String.join(", ", items) + "]";
        }
        Class<?> t = option.type();
        if (t == boolean.class || t == Boolean.class || t == int.class || t == Integer.class || t == long.class
                || t == Long.class) {
            // A --no-X flag shows as the setting it switches off.
            if ((t == boolean.class || t == Boolean.class) && option.longestName().startsWith("--no-")) {
                return Boolean.toString(!Boolean.parseBoolean(value));
            }
            return value;
        }
        return quoted(value);
    }

    private static String quoted(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
