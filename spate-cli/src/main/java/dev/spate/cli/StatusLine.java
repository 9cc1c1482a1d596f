package dev.spate.cli;

import dev.spate.engine.Event;
import dev.spate.engine.TorrentStatus;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The live progress of a torrent: one line redrawn in place on a terminal, or a plain line every
 * few seconds when the output goes to a file or a pipe.
 */
final class StatusLine {
    static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private final PrintWriter err;
    private final boolean terminal;
    private long lastPlain;
    private int width;

    StatusLine(PrintWriter err) {
        this.err = err;
        this.terminal = Terminal.interactive();
    }

    void show(TorrentStatus s) {
        String text = format(s);
        if (terminal) {
            String padded = text.length() < width ? text + " ".repeat(width - text.length()) : text;
            width = text.length();
            err.print("\r" + padded);
            err.flush();
        } else if (System.nanoTime() - lastPlain >= PLAIN_EVERY_NANOS) {
            lastPlain = System.nanoTime();
            err.println(text);
            err.flush();
        }
    }

    void clear() {
        if (terminal && width > 0) {
            err.print("\r" + " ".repeat(width) + "\r");
            err.flush();
            width = 0;
        }
    }

    static String format(TorrentStatus s) {
        return String.format(Locale.ROOT, "%-11s %5.1f%%  down %s  up %s (%s)  ETA %s  peers %d  pieces %d/%d",
                s.state().name().toLowerCase(Locale.ROOT), s.progress() * 100, Units.rate(s.downloadRate()),
                Units.rate(s.uploadRate()), Units.bytes(s.uploaded()), Units.duration(s.etaSeconds()), s.peers(), s.piecesVerified(), s.pieceCount());
    }

    /**
     * The line to print for an event people want to see as it happens (a tracker's answer or error,
     * a ban), or null for the others. A tracker's warning and error text, its URL (from the torrent)
     * and a ban's reason (which may quote the peer) are escaped.
     */
    static String eventLine(Event e) {
        return switch (e) {
            case Event.TrackerReply r -> "tracker " + TerminalText.escape(r.url()) + ": working, " + r.peers()
                    + " peers, next announce in " + Units.duration(r.interval().toSeconds())
                    + r.warning().map(w -> " (warning: " + TerminalText.escape(w) + ")").orElse("");
            case Event.TrackerError x -> "tracker error: " + TerminalText.escape(x.message());
            case Event.PeerBanned b -> "banned " + TerminalText.escape(String.valueOf(b.address())) + ": "
                    + TerminalText.escape(b.reason());
            default -> null;
        };
    }
}
