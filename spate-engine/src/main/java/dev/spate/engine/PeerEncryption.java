package dev.spate.engine;

/** How a peer connection is protected (see {@link EncryptionPolicy}). */
public enum PeerEncryption {
    /** A plaintext BitTorrent handshake and payload. */
    PLAINTEXT,
    /** An MSE handshake, then a plaintext payload: obfuscated, at plaintext speed. */
    OBFUSCATED,
    /** An MSE handshake, then an RC4-encrypted payload. */
    RC4;

    static PeerEncryption of(dev.spate.peer.Encryption e) {
        return switch (e) {
            case PLAINTEXT -> PLAINTEXT;
            case OBFUSCATED -> OBFUSCATED;
            case RC4 -> RC4;
        };
    }
}
