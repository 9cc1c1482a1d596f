package dev.spate.engine;

/**
 * When a session uses protocol encryption (MSE/PE, the obfuscated handshake libtorrent, Transmission,
 * qBittorrent and rtorrent speak): its Diffie-Hellman handshake hides that a connection is
 * BitTorrent, and an RC4 payload hides what it carries.
 */
public enum EncryptionPolicy {
    /**
     * Dial with a plaintext handshake (with MSE only the peers that said they prefer it, by BEP 10's
     * {@code e} or PEX's flag); accept plaintext and MSE, selecting a plaintext payload when offered.
     */
    TOLERATE,
    /**
     * The default: dial with MSE offering an RC4 and a plaintext payload, and once more in plaintext
     * when a peer refuses MSE; accept plaintext and MSE. The plaintext payload is selected when both
     * sides allow it (an obfuscated handshake at plaintext speed), RC4 when the peer insists.
     */
    PREFER,
    /** MSE with an RC4 payload only, both ways: plaintext peers, and peers offering no RC4, are refused. */
    REQUIRE
}
