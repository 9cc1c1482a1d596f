package dev.spate.wire;

import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The extension message ids of one connection, one map per direction, as BEP 10 has them: each
 * side's handshake {@code m} gives the ids <em>it</em> wants to receive with. So {@link #ours} are
 * the ids we announced, which the peer's extended messages to us carry ({@link #incoming}), and
 * {@link #theirs} the ids the peer announced, which our messages to it must carry
 * ({@link #outgoing}). The two need not agree: libtorrent gives {@code ut_metadata} id 2, we give
 * it {@value #OUR_UT_METADATA}.
 *
 * <p>Immutable; a later handshake from the peer makes a new value ({@link #withHandshake}), since
 * BEP 10 lets a peer send its handshake again to change its {@code m} additively: a name given id
 * 0 is switched off, names it leaves out keep their ids.
 *
 * @param ours extension name to the id we announced, each id in [1, 255] and unique; unmodifiable
 * @param theirs extension name to the id the peer announced and has not switched off; unmodifiable
 */
public record ExtensionIds(Map<String, Integer> ours, Map<String, Integer> theirs) {
    /** BEP 9's metadata exchange. */
    public static final String UT_METADATA = "ut_metadata";
    /** BEP 11's peer exchange. */
    public static final String UT_PEX = "ut_pex";
    /** The id we give {@code ut_metadata}. */
    public static final int OUR_UT_METADATA = 1;
    /** The id we give {@code ut_pex}. */
    public static final int OUR_UT_PEX = 2;

    public ExtensionIds {
        ours = checked(ours, "our");
        theirs = checked(theirs, "their");
        Set<Integer> seen = new HashSet<>();
        ours.forEach((name, id) -> {
            if (!seen.add(id)) {
                throw new IllegalArgumentException("our extension " + name + " shares id " + id + " with another");
            }
        });
    }

    /**
     * What we announce for a torrent: {@code ut_metadata} always (we fetch or serve the metadata;
     * a private torrent's requests are answered with rejects) and {@code ut_pex} when PEX is on
     * (never for a private torrent, BEP 27).
     */
    public static ExtensionIds spate(boolean pex) {
        return new ExtensionIds(pex ? Map.of(UT_METADATA, OUR_UT_METADATA, UT_PEX, OUR_UT_PEX)
                : Map.of(UT_METADATA, OUR_UT_METADATA), Map.of());
    }

    /** These ids with the peer's handshake applied: its {@code m} merged into {@link #theirs}. */
    public ExtensionIds withHandshake(ExtendedHandshake handshake) {
        Map<String, Integer> merged = new TreeMap<>(theirs);
        handshake.extensions().forEach((name, id) -> {
            if (id == 0) {
                merged.remove(name);
            } else {
                merged.put(name, id);
            }
        });
        return new ExtensionIds(ours, merged);
    }

    /** The id to send extension {@code name} to the peer with, if the peer supports it. */
    public OptionalInt outgoing(String name) {
        Integer id = theirs.get(name);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The extension an extended message from the peer is, by its id (one of ours); empty for the
     * handshake (0) or an id we never announced, which the caller may ignore or count as abuse.
     */
    public Optional<String> incoming(int extendedId) {
        if (extendedId == ExtendedHandshake.ID) {
            return Optional.empty();
        }
        return ours.entrySet().stream().filter(e -> e.getValue() == extendedId).map(Map.Entry::getKey).findFirst();
    }

    private static Map<String, Integer> checked(Map<String, Integer> ids, String whose) {
        Map<String, Integer> copy = new TreeMap<>(ids);
        copy.forEach((name, id) -> {
            if (id == null || id < 1 || id > 0xff) {
                throw new IllegalArgumentException(whose + " extension " + name + " has id " + id + ", outside [1, 255]");
            }
        });
        return Collections.unmodifiableMap(copy);
    }
}
