package dev.spate.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Which config file a run reads, decided before the command line is parsed (its settings are the
 * parse's defaults): {@code --no-config} reads none; else {@code --config FILE}, which must exist;
 * else {@code $SPATE_CONFIG}, which must exist; else the default location, if there is a file.
 *
 * @param path the file to read, empty for none
 * @param mayBeMissing whether a missing file is fine (only at the default location)
 * @param why how the file was chosen, for {@code spate config}
 */
record ConfigSource(Optional<Path> path, boolean mayBeMissing, String why) {
    static ConfigSource of(String[] args, Map<String, String> env) {
        Path given = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            if (a.equals("--no-config")) {
                return new ConfigSource(Optional.empty(), true, "none (--no-config)");
            }
            if (a.equals("--config") && i + 1 < args.length) {
                given = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                given = Path.of(a.substring("--config=".length()));
            }
        }
        if (given != null) {
            return new ConfigSource(Optional.of(given), false, given + " (--config)");
        }
        String fromEnv = env.get("SPATE_CONFIG");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return new ConfigSource(Optional.of(Path.of(fromEnv)), false, fromEnv + " ($SPATE_CONFIG)");
        }
        Path standard = ConfigFile.defaultLocation(env);
        return new ConfigSource(Optional.of(standard), true, standard + (Files.exists(standard) ? "" : " (not found: none read)"));
    }

    /** Reads the chosen file, if any. */
    Optional<ConfigFile> read() {
        return path.flatMap(p -> ConfigFile.read(p, mayBeMissing));
    }

    String describe() {
        return why;
    }
}
