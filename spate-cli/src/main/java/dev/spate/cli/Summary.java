package dev.spate.cli;

import dev.spate.engine.TorrentStatus;
import java.util.Locale;

/**
 * The lines a command ends with: what became of the torrent, where its files are, how fast it came
 * and, after seeding, how much was given back. Stateless. The torrent's name and the path (which
 * holds it) are escaped.
 */
final class Summary {
    private Summary() {
    }

    /**
     * {@code NAME: complete, 5/5 pieces (100.0%) in PATH, 20 MiB received in 0.52s (38.5 MiB/s), 0 hash
     * failures, 0 B wasted}; a torrent with web seeds says how much came from them after the rate
     * ({@code , 12 MiB of it from 1 web seed}). The rate is the average over the transfer ({@code transferSeconds}, from the
     * first block received to completion or to the end); with nothing received the time and rate are left out.
     */
    static String download(TorrentStatus s, String path, double transferSeconds) {
        String received = Units.bytes(s.downloaded()) + " received";
        if (s.downloaded() > 0 && transferSeconds > 0) {
            received += " in " + Units.seconds(transferSeconds) + " (" + Units.rate(s.downloaded() / transferSeconds) + ")";
        }
        long fromWebSeeds = s.webSeeds().stream().mapToLong(w -> w.downloaded()).sum();
        if (!s.webSeeds().isEmpty()) {
            received += ", " + Units.bytes(fromWebSeeds) + " of it from " + StatusLine.count(s.webSeeds().size(), "web seed");
        }
        long wantedFiles = s.files().stream().filter(f -> f.priority().wanted()).count();
        String which = wantedFiles < s.files().size()
                ? " (" + wantedFiles + " of " + s.files().size() + " files, " + Units.bytes(s.wantedBytes()) + ")" : "";
        return String.format(Locale.ROOT, "%s: %s%s, %d/%d pieces (%.1f%%) in %s, %s, %s, %s wasted",
                TerminalText.escape(s.name()), s.isFinished() ? "complete" : "incomplete", which, s.piecesVerified(),
                s.pieceCount(), s.progress() * 100, TerminalText.escape(path), received,
                StatusLine.count(s.hashFailures(), "hash failure"), Units.bytes(s.wasted()));
    }

    /** {@code NAME: seeded for 5m02s, uploaded 30 MiB (ratio 0.50), 1 peer at the end}. */
    static String seeding(TorrentStatus s, long seconds) {
        return TerminalText.escape(s.name()) + ": seeded for " + Units.duration(seconds) + ", uploaded "
                + Units.bytes(s.uploaded()) + " (ratio " + StatusLine.ratio(s.uploaded(), s.totalBytes()) + "), "
                + StatusLine.count(s.peers(), "peer") + " at the end";
    }
}
