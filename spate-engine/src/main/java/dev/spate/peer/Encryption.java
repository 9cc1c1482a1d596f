package dev.spate.peer;

/** How a connection is protected: what its handshake was, and what its payload is. */
public enum Encryption {
    /** A plaintext BitTorrent handshake (BEP 3), a plaintext payload. */
    PLAINTEXT,
    /** An MSE handshake, then a plaintext payload: obfuscated, at plaintext speed. */
    OBFUSCATED,
    /** An MSE handshake, then an RC4-encrypted payload. */
    RC4
}
