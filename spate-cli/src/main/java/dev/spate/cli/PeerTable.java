package dev.spate.cli;

import dev.spate.core.PeerAddress;
import dev.spate.engine.PeerStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The peer table {@code spate download --peers} (or the {@code p} key) prints, laid out as
 * {@code transmission-remote -ip} lays out its own: address, flags, how much of the torrent the
 * peer has, our rates with it, its client; and, Spate's, the blocks we have asked of it and still
 * await against how many the request pipeline wants outstanding ({@code Reqs}, e.g. {@code 812/1000}),
 * which shows whether the queue keeps up with a long, fast path. The flags are Transmission's letters:
 * <pre>
 *   D  downloading from it           d  we want its pieces, it chokes us
 *   U  uploading to it               u  it wants ours, we choke it
 *   K  it unchokes us, we want none  ?  we unchoke it, it wants none
 *   I  it connected to us            S  snubbed: nothing we asked for in a minute (Spate's)
 *   E  encrypted (MSE, RC4 payload)  e  encrypted handshake, plaintext payload (Spate's)
 * </pre>
 * Pure: statistics in, lines out; the fastest peers first. The client name is the peer's own
 * words, escaped, and cut to fit the width.
 */
final class PeerTable {
    static final String FLAG_LEGEND = "flags: D/d downloading/choked by it, U/u uploading/choked by us, "
            + "K it unchokes, we want none, ? we unchoke, it wants none, I incoming, S snubbed, "
            + "E encrypted, e encrypted handshake only";

    private PeerTable() {
    }

    /**
     * The table's lines, a header first; one line saying so when there is no peer.
     *
     * @param pieceCount the torrent's pieces, for the Done column
     * @param width the terminal's columns; no line is longer
     */
    static List<String> lines(List<PeerStats> peers, int pieceCount, int width) {
        if (peers.isEmpty()) {
            return List.of("no peers connected");
        }
        List<PeerStats> sorted = new ArrayList<>(peers);
        sorted.sort(Comparator.comparingLong((PeerStats p) -> p.downloadRate() + p.uploadRate()).reversed()
                .thenComparing(p -> address(p.address())));
        int addressWidth = "Address".length();
        for (PeerStats p : sorted) {
            addressWidth = Math.max(addressWidth, address(p.address()).length());
        }
        List<String> out = new ArrayList<>();
        out.add(fit(row(addressWidth, "Address", "Flags", "Done", "Down", "Up", "Reqs", "Client"), width));
        for (PeerStats p : sorted) {
            String done = pieceCount == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * p.piecesItHas() / pieceCount);
            out.add(fit(row(addressWidth, address(p.address()), flags(p), done, Units.rate(p.downloadRate()),
                    Units.rate(p.uploadRate()), p.requestsOutstanding() + "/" + p.requestQueueTarget(),
                    TerminalText.escape(p.client())), width));
        }
        return out;
    }

    /** Transmission's flag letters for the peer (see the class comment). */
    static String flags(PeerStats p) {
        StringBuilder f = new StringBuilder();
        if (p.interesting()) {
            f.append(p.chokingUs() ? 'd' : 'D');
        } else if (!p.chokingUs()) {
            f.append('K');
        }
        if (p.interestedInUs()) {
            f.append(p.choked() ? 'u' : 'U');
        } else if (!p.choked()) {
            f.append('?');
        }
        if (!p.outgoing()) {
            f.append('I');
        }
        if (p.snubbed()) {
            f.append('S');
        }
        switch (p.encryption()) {
            case RC4 -> f.append('E');
            case OBFUSCATED -> f.append('e');
            case PLAINTEXT -> {
            }
        }
        return f.toString();
    }

    private static String row(int addressWidth, String address, String flags, String done, String down, String up,
            String requests, String client) {
        return String.format(Locale.ROOT, "%-" + addressWidth + "s  %-5s  %6s  %10s  %10s  %9s  %s", address, flags, done,
                down, up, requests, client).stripTrailing();
    }

    /** A line no wider than the terminal: the client column is the one that gives way. */
    private static String fit(String line, int width) {
        int max = Math.max(1, width - 1); // the last column would wrap on some terminals
        return line.length() <= max ? line : line.substring(0, max);
    }

    private static String address(InetSocketAddress a) {
        return a.getAddress() == null ? TerminalText.escape(a.getHostString()) + ":" + a.getPort() : PeerAddress.format(a);
    }
}
