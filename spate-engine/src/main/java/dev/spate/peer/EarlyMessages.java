package dev.spate.peer;

import dev.spate.wire.ExtendedHandshake;
import dev.spate.wire.Message;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.WireException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a peer said before the torrent's metadata arrived (a magnet link's first phase, BEP 9)
 * that its session needs once the connection carries over to the torrent: its pieces (a
 * bitfield, have-all or have-none, haves: BEP 3 and 6), whether it unchoked us, whether it is
 * interested, and the client name and request queue of its extended handshake (BEP 10). The
 * piece count is unknown meanwhile, so nothing of the pieces can be checked yet: {@link #replay}
 * checks it all once the count is known, and gives the messages to replay into the peer's new
 * {@link PeerSession}, whose rules then apply as if they had come just then.
 *
 * <p>Bounded: the first announcement, the union of the bitfields sent after it (aria2 sends its
 * bitfield again every few seconds) and at most {@value #MAX_HAVES} haves; the decoder before the
 * metadata has bounded each bitfield and index already
 * ({@link MessageDecoder#MAX_PIECES_BEFORE_METADATA}). A peer past a bound, or breaking a rule
 * that needs no piece count, is to be dropped at once: {@link #record} says why.
 *
 * <p>Not thread-safe: owned by the metadata phase's loop, then by the torrent's.
 */
public final class EarlyMessages {
    /** Extension names kept of a peer's handshakes. */
    static final int MAX_EXTENSIONS = 64;
    /**
     * Haves kept before the metadata. An honest peer announces each piece once (BEP 3) and the
     * metadata phase lasts seconds; a peer that has sent this many is flooding.
     */
    public static final int MAX_HAVES = 4096;
    /** As {@link PeerSession} keeps it. */
    static final int MAX_CLIENT_NAME = 64;

    /** The first announcement when it was a bitfield, have-all or have-none; null otherwise. */
    private Message first;
    /** Whether the peer announced any piece (a have first counts). */
    private boolean announced;
    /** The union of the bitfields after the first announcement; null if none came. */
    private byte[] laterBits;
    private boolean laterHaveAll;
    private int[] haves = new int[16];
    private int haveCount;
    private boolean unchoked;
    private boolean interested;
    private Optional<String> client = Optional.empty();
    private OptionalInt requestQueue = OptionalInt.empty();
    private OptionalInt listenPort = OptionalInt.empty();
    /** The peer's extension ids as its handshakes left them (BEP 10: additive, 0 switches one off). */
    private final Map<String, Integer> extensions = new java.util.TreeMap<>();

    /**
     * What to replay into the peer's session, in order, or why the peer is to go.
     *
     * @param messages the peer's messages to hand to {@link PeerSession#handle}, checked against
     *     the piece count; empty when {@code violation} is present
     * @param violation what the kept messages break, for the disconnect reason
     */
    public record Replay(List<Message> messages, Optional<String> violation) {
        public Replay {
            messages = List.copyOf(messages);
        }
    }

    /**
     * Keeps what {@code m} changes of the peer's state; ignores what the torrent will not need
     * (metadata messages, blocks no one asked for, requests we cannot serve yet).
     *
     * @return why the peer is to be dropped now, or empty
     */
    public Optional<String> record(Message m) {
        switch (m) {
            case Message.BitfieldMessage b -> {
                if (!announced) {
                    announced = true;
                    first = b;
                    break;
                }
                byte[] before = laterBits != null ? laterBits
                        : first instanceof Message.BitfieldMessage f ? f.bits() : null;
                if (before != null && before.length != b.bits().length) {
                    return Optional.of("protocol violation: bitfields of " + before.length + " and "
                            + b.bits().length + " bytes before the metadata: a torrent has one piece count");
                }
                if (laterBits == null) {
                    laterBits = b.bits().clone();
                } else {
                    for (int i = 0; i < laterBits.length; i++) {
                        laterBits[i] |= b.bits()[i];
                    }
                }
            }
            case Message.HaveAll x -> {
                if (!announced) {
                    announced = true;
                    first = x;
                } else {
                    laterHaveAll = true;
                }
            }
            case Message.HaveNone x -> {
                if (announced) {
                    return Optional.of("protocol violation: have-none after the peer's pieces were announced");
                }
                announced = true;
                first = x;
            }
            case Message.Have h -> {
                if (haveCount >= MAX_HAVES) {
                    return Optional.of("have flood: more than " + MAX_HAVES + " haves before the metadata");
                }
                announced = true;
                if (haveCount == haves.length) {
                    haves = Arrays.copyOf(haves, Math.min(MAX_HAVES, haves.length * 2));
                }
                haves[haveCount++] = h.piece();
            }
            case Message.Choke x -> unchoked = false;
            case Message.Unchoke x -> unchoked = true;
            case Message.Interested x -> interested = true;
            case Message.NotInterested x -> interested = false;
            default -> { }
        }
        return Optional.empty();
    }

    /**
     * Keeps the client name, request queue, listening port and extension ids of an extended
     * handshake; a later one adds to it (BEP 10). At most {@link #MAX_EXTENSIONS} extensions are
     * kept: more than any client announces.
     */
    public void handshake(ExtendedHandshake hs) {
        hs.extensions().forEach((name, id) -> {
            if (id == 0) {
                extensions.remove(name);
            } else if (extensions.size() < MAX_EXTENSIONS || extensions.containsKey(name)) {
                extensions.put(name, id);
            }
        });
        if (hs.listenPort().isPresent()) {
            listenPort = hs.listenPort();
        }
        hs.client().filter(c -> !c.isBlank()).ifPresent(c -> client = Optional.of(
                c.length() > MAX_CLIENT_NAME ? c.substring(0, MAX_CLIENT_NAME) : c));
        if (hs.requestQueue().isPresent()) {
            requestQueue = hs.requestQueue();
        }
    }

    /** Haves kept so far. */
    public int haveCount() {
        return haveCount;
    }

    /**
     * Checks what was kept against {@code decoder}, which knows the piece count now (a bitfield of
     * the wrong length or with spare bits set, a have beyond the count: what the decoder would
     * have refused then), and gives the messages to replay: the extended handshake, the
     * announcements in an order with the same effect (the first one, the later bitfields, the
     * haves, a later have-all), then an unchoke and an interest if they stand. A pure function of
     * what was kept.
     */
    public Replay replay(MessageDecoder decoder) {
        List<Message> out = new ArrayList<>();
        if (client.isPresent() || requestQueue.isPresent() || listenPort.isPresent() || !extensions.isEmpty()) {
            out.add(new ExtendedHandshake(extensions, listenPort, client, requestQueue, Optional.empty(),
                    OptionalLong.empty()).toMessage());
        }
        List<Message> announcements = new ArrayList<>();
        if (first != null) {
            announcements.add(first);
        }
        if (laterBits != null) {
            announcements.add(new Message.BitfieldMessage(laterBits.clone()));
        }
        for (int i = 0; i < haveCount; i++) {
            announcements.add(new Message.Have(haves[i]));
        }
        if (laterHaveAll) {
            announcements.add(Message.HAVE_ALL);
        }
        for (Message m : announcements) {
            try {
                decoder.check(m);
            } catch (WireException e) {
                return new Replay(List.of(), Optional.of("protocol violation before the metadata: " + e.getMessage()));
            }
        }
        out.addAll(announcements);
        if (unchoked) {
            out.add(Message.UNCHOKE);
        }
        if (interested) {
            out.add(Message.INTERESTED);
        }
        return new Replay(out, Optional.empty());
    }
}
