package dev.spate.wire;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BInteger;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import dev.spate.bencode.BencodeException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The BEP 10 extended handshake: extended message 0, a bencoded dictionary. Every item is optional
 * and unknown keys are ignored (BEP 10).
 *
 * <p>Parsing is strict about the frame (the payload must be one bencoded dictionary) and lenient
 * about items, since BEP 10 makes them all optional: an item of the wrong type or out of range is
 * treated as absent, and an {@code m} entry that is not an id in [0, 255] is dropped. That lets a
 * slightly odd client still talk to us instead of losing the connection.
 *
 * @param extensions {@code m}: extension name (one char per byte, as {@link BDictionary} keys) to
 *     the id the sender wants it sent with; 0 means the
 *     sender disables that extension (BEP 10); unmodifiable, in name order
 * @param listenPort {@code p}: the sender's TCP listen port
 * @param client {@code v}: the sender's client name and version, UTF-8
 * @param requestQueue {@code reqq}: how many outstanding requests the sender keeps without dropping
 * @param yourIp {@code yourip}: the address the sender sees us at (4 or 16 bytes on the wire)
 * @param metadataSize {@code metadata_size}: bytes of the info dictionary (BEP 9)
 * @param prefersEncryption {@code e}: 1 when the sender prefers protocol encryption (MSE), the
 *     convention libtorrent and uTorrent follow and BEP 11's flag 0x01 repeats
 */
public record ExtendedHandshake(Map<String, Integer> extensions, OptionalInt listenPort, Optional<String> client,
        OptionalInt requestQueue, Optional<InetAddress> yourIp, OptionalLong metadataSize, boolean prefersEncryption) {
    /** The extended message id of the handshake (BEP 10). */
    public static final int ID = 0;

    public ExtendedHandshake {
        Map<String, Integer> copy = new LinkedHashMap<>();
        new java.util.TreeMap<>(extensions).forEach((name, id) -> {
            if (id == null || id < 0 || id > 0xff) {
                throw new IllegalArgumentException("extension " + name + " has id " + id + ", outside [0, 255]");
            }
            copy.put(name, id);
        });
        extensions = Collections.unmodifiableMap(copy);
        if (listenPort.isPresent() && (listenPort.getAsInt() < 1 || listenPort.getAsInt() > 0xffff)) {
            throw new IllegalArgumentException("listen port " + listenPort.getAsInt() + " outside [1, 65535]");
        }
        if (requestQueue.isPresent() && requestQueue.getAsInt() < 1) {
            throw new IllegalArgumentException("request queue " + requestQueue.getAsInt() + " is not positive");
        }
        if (metadataSize.isPresent() && metadataSize.getAsLong() < 0) {
            throw new IllegalArgumentException("metadata size " + metadataSize.getAsLong() + " is negative");
        }
    }

    /** A handshake without {@code e}. */
    public ExtendedHandshake(Map<String, Integer> extensions, OptionalInt listenPort, Optional<String> client,
                             OptionalInt requestQueue, Optional<InetAddress> yourIp, OptionalLong metadataSize) {
        this(extensions, listenPort, client, requestQueue, yourIp, metadataSize, false);
    }

    /** A handshake with only {@code m}. */
    public static ExtendedHandshake of(Map<String, Integer> extensions) {
        return new ExtendedHandshake(extensions, OptionalInt.empty(), Optional.empty(), OptionalInt.empty(),
                Optional.empty(), OptionalLong.empty());
    }

    /** The id the sender wants {@code extension} sent with, if it announced it enabled. */
    public OptionalInt idOf(String extension) {
        Integer id = extensions.get(extension);
        return id == null || id == 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The bencoded dictionary, canonical (keys sorted). */
    public byte[] encode() {
        BDictionary.Builder m = BDictionary.builder();
        extensions.forEach((name, id) -> m.put(name, (long) id));
        BDictionary.Builder d = BDictionary.builder().put("m", m.build());
        listenPort.ifPresent(p -> d.put("p", (long) p));
        client.ifPresent(v -> d.put("v", v));
        requestQueue.ifPresent(q -> d.put("reqq", (long) q));
        yourIp.ifPresent(ip -> d.put("yourip", ip.getAddress()));
        metadataSize.ifPresent(s -> d.put("metadata_size", s));
        if (prefersEncryption) {
            d.put("e", 1L);
        }
        return Bencode.encode(d.build());
    }

    /** This handshake as the extended message to send. */
    public Message.Extended toMessage() {
        return new Message.Extended(ID, encode());
    }

    /** Parses the payload of extended message 0. */
    public static ExtendedHandshake parse(byte[] payload) throws WireException {
        BValue value;
        try {
            value = Bencode.decode(payload, 0, payload.length, 16);
        } catch (BencodeException e) {
            throw new WireException("extended handshake is not bencoded: " + e.getMessage());
        }
        if (!(value instanceof BDictionary dict)) {
            throw new WireException("extended handshake is a " + value.kind() + ", expected a dictionary");
        }
        Map<String, Integer> extensions = new LinkedHashMap<>();
        if (dict.get("m") instanceof BDictionary m) {
            m.entries().forEach((name, id) -> {
                if (id instanceof BInteger i && i.value() >= 0 && i.value() <= 0xff) {
                    extensions.put(name, (int) i.value());
                }
            });
        }
        OptionalInt port = integer(dict, "p", 1, 0xffff);
        Optional<String> client = dict.get("v") instanceof BString v ? Optional.of(v.text()) : Optional.empty();
        OptionalInt reqq = integer(dict, "reqq", 1, Integer.MAX_VALUE);
        Optional<InetAddress> yourIp = Optional.empty();
        if (dict.get("yourip") instanceof BString ip && (ip.length() == 4 || ip.length() == 16)) {
            try {
                yourIp = Optional.of(InetAddress.getByAddress(ip.bytes()));
            } catch (UnknownHostException e) {
                throw new AssertionError("4 or 16 bytes are an address", e);
            }
        }
        OptionalLong metadataSize = dict.get("metadata_size") instanceof BInteger s && s.value() >= 0
                ? OptionalLong.of(s.value()) : OptionalLong.empty();
        boolean e = dict.get("e") instanceof BInteger flag && flag.value() == 1;
        return new ExtendedHandshake(extensions, port, client, reqq, yourIp, metadataSize, e);
    }

    /** Parses an extended message that must be the handshake. */
    public static ExtendedHandshake parse(Message.Extended message) throws WireException {
        if (message.extendedId() != ID) {
            throw new WireException("extended message " + message.extendedId() + " is not the handshake (0)");
        }
        return parse(message.payload());
    }

    private static OptionalInt integer(BDictionary dict, String key, long min, long max) {
        return dict.get(key) instanceof BInteger i && i.value() >= min && i.value() <= max
                ? OptionalInt.of((int) i.value()) : OptionalInt.empty();
    }
}
