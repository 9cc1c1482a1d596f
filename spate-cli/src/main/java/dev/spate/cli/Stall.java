package dev.spate.cli;

import dev.spate.engine.Event;
import dev.spate.engine.TorrentState;
import dev.spate.engine.TrackerState;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.WebSeedStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to say when a download does not move: after {@link #QUIET_NANOS} without a connected peer
 * (or a web seed bringing pieces), one line per source that failed (a peer that refused or timed
 * out, a web seed's error, a tracker's error, a tracker that gave no peers), at most every {@link #REPEAT_NANOS}, while the engine keeps trying. The
 * events come on the subscription's thread and the checks on the command's, so every method is
 * synchronized; time is passed in, so that tests need not wait for it.
 */
final class Stall {
    /** How a failed dial's reason starts, as the engine writes it. */
    static final String CONNECT_FAILED = "connect failed";
    static final long QUIET_NANOS = 5_000_000_000L;
    static final long REPEAT_NANOS = 30_000_000_000L;
    /** Sources named in one report at most; the rest are counted. */
    static final int MAX_LINES = 10;
    private static final String PREFIX = "no peer connected yet: ";

    /** The peers whose last dial failed, in the order they first failed. */
    private final Map<InetSocketAddress, Failure> failed = new LinkedHashMap<>();
    private long quietSince;
    private boolean reported;
    private long lastReport;

    private record Failure(String reason, int attempts) {
    }

    /** Starts counting the quiet at {@code nowNanos}. */
    Stall(long nowNanos) {
        quietSince = nowNanos;
    }

    /** Takes note of a failed dial (or forgets a peer that has connected since). */
    synchronized void onEvent(Event e) {
        switch (e) {
            case Event.PeerDisconnected d when d.reason().startsWith(CONNECT_FAILED) -> {
                Failure before = failed.get(d.address());
                if (before != null || failed.size() < 1000) {
                    failed.put(d.address(), new Failure(d.reason(), before == null ? 1 : before.attempts() + 1));
                }
            }
            case Event.PeerConnected c -> failed.remove(c.address());
            default -> {
            }
        }
    }

    /**
     * The lines to print now, given the torrent's status at {@code nowNanos}: none while a peer is
     * connected, the torrent is not downloading, the quiet is younger than 5 s, or the last report
     * younger than 30 s.
     */
    synchronized List<String> due(TorrentStatus s, long nowNanos) {
        boolean webSeedWorking = s.webSeeds().stream().anyMatch(w -> !w.dropped() && w.problem().isEmpty()
                && (w.fetching() > 0 || w.downloadRate() > 0));
        if (s.peers() > 0 || webSeedWorking || s.state() != TorrentState.DOWNLOADING) {
            quietSince = nowNanos;
            return List.of();
        }
        if (nowNanos - quietSince < QUIET_NANOS || reported && nowNanos - lastReport < REPEAT_NANOS) {
            return List.of();
        }
        reported = true;
        lastReport = nowNanos;
        List<String> sources = new ArrayList<>();
        failed.forEach((address, f) -> sources.add(StatusLine.address(address) + ": " + TerminalText.escape(f.reason())
                + " (" + StatusLine.count(f.attempts(), "attempt") + ")"));
        for (WebSeedStats w : s.webSeeds()) {
            w.problem().ifPresent(p -> sources.add("web seed " + TerminalText.escape(w.url()) + ": "
                    + (w.dropped() ? "dropped: " : "") + TerminalText.escape(p)));
        }
        for (TrackerState t : s.trackers()) {
            String url = "tracker " + TerminalText.escape(t.url()) + ": ";
            switch (t.status()) {
                case "error" -> sources.add(url + "error" + t.message().map(m -> ": " + TerminalText.escape(m)).orElse(""));
                case "working" -> {
                    if (t.peers() == 0) {
                        sources.add(url + "working, no peers in its last answer");
                    }
                }
                default -> sources.add(url + "no answer yet");
            }
        }
        List<String> lines = new ArrayList<>();
        if (sources.isEmpty()) {
            lines.add(PREFIX + "waiting for the peers we know of to answer; still trying");
            return lines;
        }
        for (int i = 0; i < Math.min(MAX_LINES, sources.size()); i++) {
            lines.add(PREFIX + sources.get(i) + "; still trying");
        }
        if (sources.size() > MAX_LINES) {
            lines.add(PREFIX + "and " + (sources.size() - MAX_LINES) + " more sources that failed");
        }
        return lines;
    }
}
