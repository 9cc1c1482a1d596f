package dev.spate.wire;

/** The one-byte message ids after the length prefix, and the size limits that go with them. */
final class MessageIds {
    // BEP 3
    static final int CHOKE = 0;
    static final int UNCHOKE = 1;
    static final int INTERESTED = 2;
    static final int NOT_INTERESTED = 3;
    static final int HAVE = 4;
    static final int BITFIELD = 5;
    static final int REQUEST = 6;
    static final int PIECE = 7;
    static final int CANCEL = 8;
    // BEP 5
    static final int PORT = 9;
    // BEP 6
    static final int SUGGEST = 13;
    static final int HAVE_ALL = 14;
    static final int HAVE_NONE = 15;
    static final int REJECT = 16;
    static final int ALLOWED_FAST = 17;
    // BEP 10
    static final int EXTENDED = 20;

    /** BEP 3: requests of more than 2^14 bytes are refused, so no block is longer. */
    static final int MAX_BLOCK = 16 * 1024;
    /** Bytes of a piece message before its block: id, index, begin. */
    static final int PIECE_HEADER = 1 + 4 + 4;
    /** Our limit on an extended message (id, extended id, payload): BEP 9 metadata pieces are 16 KiB. */
    static final int MAX_EXTENDED = 1 << 20;
    /**
     * Our limit on a message with an id we do not know, which a stream reader skips (BEP 3 has
     * clients ignore what they do not understand; BEP 52's hash messages, for one, are sent by
     * v2-capable clients): the same 1 MiB as an extended message.
     */
    static final int MAX_UNKNOWN = 1 << 20;

    private MessageIds() {
    }

    /** Whether {@code id} is a message this package decodes. */
    static boolean known(int id) {
        return id <= CANCEL || id == PORT || id >= SUGGEST && id <= ALLOWED_FAST || id == EXTENDED;
    }

    static String name(int id) {
        return switch (id) {
            case CHOKE -> "choke";
            case UNCHOKE -> "unchoke";
            case INTERESTED -> "interested";
            case NOT_INTERESTED -> "not interested";
            case HAVE -> "have";
            case BITFIELD -> "bitfield";
            case REQUEST -> "request";
            case PIECE -> "piece";
            case CANCEL -> "cancel";
            case PORT -> "port";
            case SUGGEST -> "suggest";
            case HAVE_ALL -> "have all";
            case HAVE_NONE -> "have none";
            case REJECT -> "reject";
            case ALLOWED_FAST -> "allowed fast";
            case EXTENDED -> "extended";
            default -> "message id " + id;
        };
    }
}
