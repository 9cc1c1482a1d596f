package dev.spate.cli;

import dev.spate.core.PeerAddress;
import dev.spate.engine.DhtStatus;
import dev.spate.engine.Event;
import dev.spate.engine.TorrentStatus;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The live progress of a torrent: one line redrawn in place on a terminal, as wide as the terminal
 * allows and never wider (it would wrap and fill the screen), or a plain line with every figure
 * every few seconds when standard error goes to a file or a pipe, with no control character.
 * Lines of their own ({@link #println}) may come from any thread: the live line steps aside for
 * them. Every method is synchronized on this object.
 */
final class StatusLine {
    static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    /** Carriage return, then erase to the end of the line (VT100 EL): the live line starts afresh. */
    /** Fields worth closing up the spacing for: ranks 0 to 4 (state, bytes, rate, ETA, peers). */
    static final int CORE = 5;
    private static final String REDRAW = "\r\u001b[K";
    /** The live line on the screen, if any: other lines for its stream are printed above it. */
    private static volatile StatusLine onScreen;
    private final PrintWriter err;
    private final boolean terminal;
    private final IntSupplier columns;
    private boolean plainShown;
    private long lastPlain;
    /** The live line as last drawn, or null when none is on the screen. */
    private String drawn;

    StatusLine(PrintWriter err) {
        this(err, Terminal.interactive(), Terminal::width);
    }

    /** On a terminal ({@code terminal}) of {@code columns} columns, asked before each redraw. */
    StatusLine(PrintWriter err, boolean terminal, IntSupplier columns) {
        this.err = err;
        this.terminal = terminal;
        this.columns = columns;
    }

    synchronized void show(TorrentStatus s) {
        show(s, Optional.empty());
    }

    /** The line with the session's DHT, when it has one, as its last field ("dht 212 nodes"). */
    synchronized void show(TorrentStatus s, Optional<DhtStatus> dht) {
        if (terminal) {
            drawn = fit(s, dht, columns.getAsInt());
            onScreen = this;
            err.print(REDRAW + drawn);
            err.flush();
        } else if (!plainShown || System.nanoTime() - lastPlain >= PLAIN_EVERY_NANOS) {
            plainShown = true;
            lastPlain = System.nanoTime();
            err.println(format(s, dht));
            err.flush();
        }
    }

    /** Prints {@code line} on a line of its own, the live line (if any) drawn again below it. */
    synchronized void println(String line) {
        if (drawn != null) {
            err.print(REDRAW + line + "\n" + drawn);
        } else {
            err.println(line);
        }
        err.flush();
    }

    /**
     * Prints {@code text} (one line or more) on {@code err}: above the live line when one is drawn
     * there, else as it is. For those who print without a status line of their own: the log.
     */
    static void printAbove(PrintWriter err, String text) {
        StatusLine live = onScreen;
        if (live != null && live.err == err) {
            live.println(text);
        } else {
            err.println(text);
            err.flush();
        }
    }

    /** Takes the live line off the screen. */
    synchronized void clear() {
        if (drawn != null) {
            err.print(REDRAW);
            err.flush();
            gone();
        }
    }

    /**
     * Leaves the live line (and the {@code ^C} after it) as it is and moves to the next line; false
     * when no live line was drawn.
     */
    synchronized boolean keep() {
        if (drawn == null) {
            return false;
        }
        err.println();
        err.flush();
        gone();
        return true;
    }

    private void gone() {
        drawn = null;
        if (onScreen == this) {
            onScreen = null;
        }
    }

    /** One piece of the line; {@code rank} 0 is the last to go when the line has to shrink. */
    private record Field(int rank, String text) {
    }

    /** The line with every figure, for a file or a pipe. */
    static String format(TorrentStatus s) {
        return format(s, Optional.empty());
    }

    static String format(TorrentStatus s, Optional<DhtStatus> dht) {
        return String.join("  ", fields(s, dht).stream().map(Field::text).toList());
    }

    /**
     * The line in at most {@code columns - 1} characters (a line that fills the last column makes
     * some terminals wrap): the least useful fields are dropped first; once only the {@link #CORE}
     * most useful are left, two spaces between fields become one before another goes; when even the
     * state does not fit it is cut.
     */
    static String fit(TorrentStatus s, int columns) {
        return fit(s, Optional.empty(), columns);
    }

    static String fit(TorrentStatus s, Optional<DhtStatus> dht, int columns) {
        int max = Math.max(1, columns - 1);
        List<Field> all = fields(s, dht);
        for (int keep = all.size(); keep > 0; keep--) {
            List<String> kept = new ArrayList<>();
            for (Field f : all) {
                if (f.rank() < keep) {
                    kept.add(f.text());
                }
            }
            String line = String.join("  ", kept);
            if (line.length() > max && keep <= CORE) {
                line = String.join(" ", kept);
            }
            if (line.length() <= max) {
                return line;
            }
        }
        String state = all.get(0).text();
        return state.substring(0, Math.min(max, state.length()));
    }

    /**
     * The figures in the order shown, each ranked by use: while downloading the state, bytes done
     * of the total, the rate and the ETA come before the peers, the percentage, the upload and the
     * pieces; while seeding the upload, the share ratio (uploaded / size) and the peers, with no
     * download rate or ETA.
     */
    private static List<Field> fields(TorrentStatus s, Optional<DhtStatus> dht) {
        List<Field> out = new ArrayList<>(fields(s));
        // The DHT's size says whether trackerless peers can come at all; the first to go when short.
        dht.ifPresent(d -> out.add(new Field(out.size(), d.ready() || d.nodes() > 0 ? "dht " + count(d.nodes(), "node")
                : "dht joining")));
        return out;
    }

    private static List<Field> fields(TorrentStatus s) {
        String state = s.state().name().toLowerCase(Locale.ROOT);
        String percent = String.format(Locale.ROOT, "%.1f%%", s.progress() * 100);
        // Of the wanted files only, when some are skipped (download --only, --exclude).
        String bytes = Units.bytes(s.wantedBytesVerified()) + "/" + Units.bytes(s.wantedBytes());
        String pieces = "pieces " + s.piecesVerified() + "/" + s.pieceCount();
        // Connected of known, as aria2 and Transmission show them: "3/40 peers" says more are to come.
        String peers = (s.knownPeers() > s.peers() ? s.peers() + "/" + count(s.knownPeers(), "peer") : count(s.peers(), "peer"))
                + (s.webSeedsInUse() > 0 ? " + " + count(s.webSeedsInUse(), "web seed") : "");
        return switch (s.state()) {
            case SEEDING -> List.of(new Field(0, state), new Field(5, Units.bytes(s.totalBytes())),
                    new Field(1, "up " + Units.rate(s.uploadRate())), new Field(2, "uploaded " + Units.bytes(s.uploaded())),
                    new Field(4, "ratio " + ratio(s.uploaded(), s.totalBytes())), new Field(3, peers));
            case DOWNLOADING -> List.of(new Field(0, state), new Field(5, percent), new Field(1, bytes),
                    new Field(2, "down " + Units.rate(s.downloadRate())),
                    new Field(6, "up " + Units.rate(s.uploadRate()) + " (" + Units.bytes(s.uploaded()) + ")"),
                    new Field(3, "ETA " + Units.duration(s.etaSeconds())), new Field(4, peers), new Field(7, pieces));
            case CHECKING -> List.of(new Field(0, state), new Field(1, percent), new Field(2, bytes), new Field(3, pieces));
            default -> List.of(new Field(0, state), new Field(2, percent), new Field(1, bytes), new Field(3, peers),
                    new Field(4, pieces));
        };
    }

    /** {@code uploaded / size} to two places: 1.00 is one full copy given away. */
    static String ratio(long uploaded, long size) {
        return String.format(Locale.ROOT, "%.2f", size == 0 ? 0.0 : (double) uploaded / size);
    }

    /** "1 peer", "3 peers". */
    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A peer's address as people write it: {@code 192.0.2.1:6881}, {@code [2001:db8::1]:6881}; a name escaped. */
    static String address(InetSocketAddress a) {
        if (a.getAddress() == null) {
            return TerminalText.escape(a.getHostString()) + ":" + a.getPort();
        }
        return PeerAddress.format(a);
    }

    /**
     * The line to print for an event people want to see as it happens (a tracker's answer or error,
     * a ban, a web seed dropped), or null for the others. A tracker's warning and error text, its URL (from the torrent)
     * and a ban's reason (which may quote the peer) are escaped.
     */
    static String eventLine(Event e) {
        return switch (e) {
            case Event.TrackerReply r -> "tracker " + TerminalText.escape(r.url()) + ": working, " + count(r.peers(), "peer")
                    + ", next announce in " + Units.duration(r.interval().toSeconds())
                    + r.warning().map(w -> " (warning: " + TerminalText.escape(w) + ")").orElse("");
            case Event.TrackerError x -> "tracker error: " + TerminalText.escape(x.message());
            case Event.PeerBanned b -> "banned " + address(b.address()) + ": " + TerminalText.escape(b.reason());
            case Event.WebSeedDropped w -> "web seed " + TerminalText.escape(w.url()) + " dropped: "
                    + TerminalText.escape(w.reason());
            case Event.DhtReady r -> "dht: ready, " + count(r.nodes(), "node");
            default -> null;
        };
    }

    /**
     * With {@code --verbose}, the line for each connection made or attempt failed (the engine reports
     * a failed dial as a disconnection whose reason starts "connect failed"), or null for other events.
     * The peer's client name and the reason, which may quote the peer, are escaped.
     */
    static String verboseLine(Event e) {
        return switch (e) {
            case Event.PeerConnected c -> "peer " + address(c.address()) + ": connected"
                    + (c.outgoing() ? " (we dialled)" : " (it dialled)")
                    + (c.client() == null || c.client().isEmpty() ? "" : ", client " + TerminalText.escape(c.client()))
                    + switch (c.encryption()) {
                        case RC4 -> ", encrypted (RC4)";
                        case OBFUSCATED -> ", encrypted handshake";
                        case PLAINTEXT -> "";
                    };
            case Event.PeerDisconnected d -> "peer " + address(d.address()) + ": "
                    + (d.reason().startsWith(Stall.CONNECT_FAILED) ? "" : "disconnected: ") + TerminalText.escape(d.reason());
            case Event.DhtReply r -> "dht: " + count(r.peers(), "peer") + " from the " + count(r.nodes(), "closest node");
            default -> null;
        };
    }
}
