package dev.spate.bencode;

/**
 * A bencoded value: a byte string, an integer, a list or a dictionary (BEP 3).
 *
 * <p>Equality is by content and ignores {@link #span()}, so a decoded value equals the same value
 * built in code.
 */
public sealed interface BValue permits BString, BInteger, BList, BDictionary {
    /** Where this value was read from, or {@link Span#NONE} if it was built in code. */
    Span span();

    /** A short name of the kind for error messages: "string", "integer", "list" or "dictionary". */
    default String kind() {
        return switch (this) {
            case BString s -> "string";
            case BInteger i -> "integer";
            case BList l -> "list";
            case BDictionary d -> "dictionary";
        };
    }
}
