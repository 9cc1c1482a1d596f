package dev.spate.cli;

import dev.spate.engine.SessionConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Rate and connection limits shared by {@code download} and {@code seed}. */
final class LimitOptions {
    @Option(names = "--download-limit", paramLabel = "RATE",
            description = "Most payload bytes per second to receive, e.g. 500K or 5M (binary units); default none.")
    String downloadLimit;

    @Option(names = "--upload-limit", paramLabel = "RATE",
            description = "Most payload bytes per second to send, e.g. 500K or 5M (binary units); default none.")
    String uploadLimit;

    @Option(names = "--max-peers", paramLabel = "N", description = "Most connections to keep (default 50).")
    Integer maxPeers;

    void applyTo(SessionConfig.Builder config, CommandSpec spec) {
        if (downloadLimit != null) {
            config.downloadRateLimit(rate("--download-limit", downloadLimit, spec));
        }
        if (uploadLimit != null) {
            config.uploadRateLimit(rate("--upload-limit", uploadLimit, spec));
        }
        if (maxPeers != null) {
            if (maxPeers < 1) {
                throw new ParameterException(spec.commandLine(), "--max-peers " + maxPeers + " is less than 1");
            }
            config.maxPeersPerTorrent(maxPeers).maxConnections(Math.max(maxPeers, 200));
        }
    }

    private static long rate(String option, String text, CommandSpec spec) {
        try {
            return Units.parseSize(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid " + option + " '" + text + "': " + e.getMessage());
        }
    }
}
