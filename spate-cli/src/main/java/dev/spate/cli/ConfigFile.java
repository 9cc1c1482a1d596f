package dev.spate.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * The settings a user gives once: {@code config.toml}. Top-level keys are option names without
 * their dashes ({@code port = 6881}, {@code download-limit = "5M"}, {@code lsd = false} for
 * {@code --no-lsd}), for every command that has the option; a table named after a command
 * ({@code [download]}, {@code [seed]}) holds settings for that command alone, and wins over the
 * top level. Which keys exist is the commands' business ({@link ConfigDefaults} checks them);
 * this class only reads the file, and says where a mistake is.
 *
 * <p>Immutable.
 *
 * @param path where it was read from
 * @param topLevel the top-level settings, in file order
 * @param commands each command table's settings
 */
record ConfigFile(Path path, Map<String, JsonNode> topLevel, Map<String, Map<String, JsonNode>> commands) {
    /** Bigger than any config file a person writes; a larger one is a mistake (a wrong path). */
    static final long MAX_BYTES = 1 << 20;

    ConfigFile {
        topLevel = Map.copyOf(topLevel);
        commands = Map.copyOf(commands);
    }

    /** Where the file is looked for when neither {@code --config} nor {@code SPATE_CONFIG} says. */
    static Path defaultLocation(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "spate", "config.toml");
        }
        return Path.of(System.getProperty("user.home"), ".config", "spate", "config.toml");
    }

    /**
     * Reads {@code path}; empty when it does not exist and {@code mayBeMissing}.
     *
     * @throws ConfigException naming the file, and the line for a syntax error
     */
    static Optional<ConfigFile> read(Path path, boolean mayBeMissing) {
        String text;
        try {
            if (Files.size(path) > MAX_BYTES) {
                throw new ConfigException(path + ": larger than " + MAX_BYTES + " bytes; is it a config file?");
            }
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            if (mayBeMissing) {
                return Optional.empty();
            }
            throw new ConfigException(path + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ConfigException(path + ": not UTF-8 text (TOML is UTF-8)");
        } catch (IOException e) {
            throw new ConfigException(path + ": " + Main.oneLine(e));
        }
        return Optional.of(parse(path, text));
    }

    /** Parses TOML {@code text} read from {@code path}. */
    static ConfigFile parse(Path path, String text) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
            throw new ConfigException(path + ": " + where + e.getOriginalMessage());
        }
        Map<String, JsonNode> top = new LinkedHashMap<>();
        Map<String, Map<String, JsonNode>> commands = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getValue().isObject()) {
                Map<String, JsonNode> table = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> s : e.getValue().properties()) {
                    table.put(s.getKey(), s.getValue());
                }
                commands.put(e.getKey(), table);
            } else {
                top.put(e.getKey(), e.getValue());
            }
        }
        return new ConfigFile(path, top, commands);
    }

    /** A config file that cannot be used, with a message that names it. */
    static final class ConfigException extends RuntimeException {
        ConfigException(String message) {
            super(message);
        }
    }
}
