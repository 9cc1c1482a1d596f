package dev.spate.mse;

/**
 * The other side broke the encryption handshake, or cannot agree with us on a method. The message
 * names the rule, for example {@code PadC length 600 exceeds 512}; the connection should be closed.
 */
public final class MseException extends Exception {
    private static final long serialVersionUID = 1L;

    public MseException(String message) {
        super(message);
    }
}
