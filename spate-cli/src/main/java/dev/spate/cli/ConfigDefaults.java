package dev.spate.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import tools.jackson.databind.JsonNode;

/**
 * The config file's settings as the commands' defaults: picocli asks it for each option the
 * command line did not give, so a flag always wins over the file, and the file over the built-in
 * default. Every key of the file is checked against the options when it is made: an unknown key, a
 * table that is not a command, a value of the wrong type, or a list option (give those on the
 * command line) is refused with a message naming the file and the key.
 *
 * <p>Immutable once made; picocli calls it on the main thread while parsing.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    /**
     * Options that are not settings: what to read, what to print instead of running, and how much
     * to log (those are looked at before the file is: give them on the command line), and the files
     * of one torrent to take (numbers that mean nothing for another).
     */
    /**
     * The split of a list option the file may set ({@code --download-root}): a NUL, which no path
     * and no command-line argument holds, so that the command line gives one value per flag while
     * the file's array reaches picocli as one default string.
     */
    static final String LIST_SPLIT = "\\x00";

    static final Set<String> NOT_SETTINGS = Set.of("help", "version", "config", "no-config", "verbose", "log-file",
            "only", "exclude");

    /** Where a setting's value came from. */
    record Origin(String value, String source) {
    }

    private final Optional<ConfigFile> file;
    private final Map<OptionSpec, String> commandOf = new IdentityHashMap<>();
    /** Each command's settable options by key, in the order --help lists them. */
    private final Map<String, Map<String, OptionSpec>> settings = new LinkedHashMap<>();

    ConfigDefaults(CommandLine root, Optional<ConfigFile> file) {
        this.file = file;
        for (Map.Entry<String, CommandLine> sub : root.getSubcommands().entrySet()) {
            Map<String, OptionSpec> keys = new LinkedHashMap<>();
            for (OptionSpec o : sub.getValue().getCommandSpec().options()) {
                String key = key(o);
                if (!NOT_SETTINGS.contains(key) && !o.usageHelp() && !o.versionHelp()) {
                    keys.put(key, o);
                    commandOf.put(o, sub.getKey());
                }
            }
            if (!keys.isEmpty()) {
                settings.putIfAbsent(sub.getKey(), keys);
            }
        }
        file.ifPresent(this::check);
    }

    /** The file in use, if any. */
    Optional<ConfigFile> file() {
        return file;
    }

    /** The commands that take settings, and each one's settings by key. */
    Map<String, Map<String, OptionSpec>> settings() {
        return settings;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || file.isEmpty()) {
            return null;
        }
        String command = commandOf.get(option);
        if (command == null) {
            return null;
        }
        return origin(command, option).filter(o -> !o.source().equals("built-in")).map(Origin::value).orElse(null);
    }

    /** What {@code option} of {@code command} is set to by the file, or its built-in default. */
    Optional<Origin> origin(String command, OptionSpec option) {
        String key = key(option);
        if (file.isPresent()) {
            ConfigFile f = file.get();
            JsonNode inTable = f.commands().getOrDefault(command, Map.of()).get(key);
            if (inTable != null) {
                return Optional.of(new Origin(value(option, inTable), f.path() + " [" + command + "]"));
            }
            JsonNode top = f.topLevel().get(key);
            if (top != null) {
                return Optional.of(new Origin(value(option, top), f.path().toString()));
            }
        }
        String builtIn = option.defaultValue();
        return builtIn == null ? Optional.empty() : Optional.of(new Origin(builtIn, "built-in"));
    }

    /**
     * An option's key in the file: its longest name without dashes; {@code --no-X}, a flag that
     * switches X off, is {@code X = false}; a list option the file may set is the plural, an array
     * ({@code download-roots = ["/a", "/b"]} for {@code --download-root}).
     */
    static String key(OptionSpec o) {
        String name = o.longestName().replaceFirst("^-+", "");
        return isSwitchOff(o) ? name.substring(3) : isFileList(o) ? name + "s" : name;
    }

    /** A list option the file may set as an array (its split is {@link #LIST_SPLIT}). */
    static boolean isFileList(OptionSpec o) {
        return o.isMultiValue() && LIST_SPLIT.equals(o.splitRegex());
    }

    private static boolean isSwitchOff(OptionSpec o) {
        return o.longestName().startsWith("--no-") && isBoolean(o) && !o.negatable();
    }

    private static boolean isBoolean(OptionSpec o) {
        return o.type() == boolean.class || o.type() == Boolean.class;
    }

    private static boolean isInteger(OptionSpec o) {
        Class<?> t = o.type();
        return t == int.class || t == Integer.class || t == long.class || t == Long.class;
    }

    /** The value picocli is to parse for {@code option}, from the file's {@code node} (checked). */
    private static String value(OptionSpec option, JsonNode node) {
        if (isBoolean(option)) {
            return Boolean.toString(isSwitchOff(option) != node.booleanValue());
        }
        if (isFileList(option)) {
            boolean paths = option.auxiliaryTypes().length > 0 && option.auxiliaryTypes()[0] == Path.class;
            List<String> values = new ArrayList<>();
            for (JsonNode element : node.values()) {
                values.add(paths ? home(element.stringValue()) : element.stringValue());
            }
            return String.join("\u0000", values);
        }
        String text = node.isTextual() ? node.stringValue() : node.toString();
        return option.type() == Path.class ? home(text) : text;
    }

    /** {@code ~} and {@code ~/...} in a path are the user's home, as a shell writes them. */
    private static String home(String path) {
        return path.equals("~") || path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }

    private void check(ConfigFile f) {
        Set<String> anywhere = new LinkedHashSet<>();
        settings.values().forEach(keys -> anywhere.addAll(keys.keySet()));
        for (Map.Entry<String, JsonNode> e : f.topLevel().entrySet()) {
            if (!anywhere.contains(e.getKey())) {
                throw unknown(f, e.getKey(), "", anywhere);
            }
            for (Map<String, OptionSpec> keys : settings.values()) {
                OptionSpec o = keys.get(e.getKey());
                if (o != null) {
                    checkValue(f, e.getKey(), "", o, e.getValue());
                }
            }
        }
        for (Map.Entry<String, Map<String, JsonNode>> table : f.commands().entrySet()) {
            Map<String, OptionSpec> keys = settings.get(table.getKey());
            if (keys == null) {
                throw new ConfigFile.ConfigException(f.path() + ": [" + table.getKey() + "] is not a command with settings ("
                        + String.join(", ", settings.keySet()) + " are)");
            }
            for (Map.Entry<String, JsonNode> e : table.getValue().entrySet()) {
                OptionSpec o = keys.get(e.getKey());
                if (o == null) {
                    throw unknown(f, e.getKey(), " in [" + table.getKey() + "]", keys.keySet());
                }
                checkValue(f, e.getKey(), " in [" + table.getKey() + "]", o, e.getValue());
            }
        }
    }

    private static void checkValue(ConfigFile f, String key, String where, OptionSpec o, JsonNode node) {
        String problem = null;
        if (isFileList(o)) {
            boolean strings = node.isArray() && !node.isEmpty();
            for (JsonNode element : node.values()) {
                strings &= element.isTextual() && !element.stringValue().isEmpty() && element.stringValue().indexOf(0) < 0;
            }
            problem = strings ? null : "expected an array of strings, e.g. [\"/srv/a\", \"/srv/b\"]";
        } else if (o.isMultiValue()) {
            problem = "it takes several values; give them on the command line";
        } else if (isBoolean(o) && !node.isBoolean()) {
            problem = "expected true or false";
        } else if (isInteger(o) && !node.isIntegralNumber()) {
            problem = "expected a whole number";
        } else if (!isBoolean(o) && !isInteger(o) && !node.isTextual() && !(o.type() == String.class && node.isIntegralNumber())) {
            problem = "expected a string";
        }
        if (problem != null) {
            throw new ConfigFile.ConfigException(f.path() + ": " + key + where + " = " + node + ": " + problem);
        }
    }

    private static ConfigFile.ConfigException unknown(ConfigFile f, String key, String where, Set<String> known) {
        List<String> sorted = new ArrayList<>(known);
        sorted.sort(null);
        return new ConfigFile.ConfigException(f.path() + ": unknown setting " + key + where + " (settings: "
                + String.join(", ", sorted) + ")");
    }
}
