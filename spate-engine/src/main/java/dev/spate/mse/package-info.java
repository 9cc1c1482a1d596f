/**
 * Protocol encryption, MSE/PE (Message Stream Encryption, the obfuscated handshake of libtorrent,
 * Transmission, qBittorrent and rtorrent): a 768-bit Diffie-Hellman exchange, the info-hash as a
 * shared secret, RC4 key streams, and a choice of RC4 or plaintext for the payload.
 *
 * <p>Each side of the handshake is a plain state machine, bytes in and bytes out, with no socket
 * ({@link dev.spate.mse.MseInitiator}, {@link dev.spate.mse.MseResponder}); {@link dev.spate.mse.Mse}
 * drives one over a blocking socket within a deadline, and leaves a
 * {@link dev.spate.mse.PayloadChannel} that carries the payload, RC4 or plaintext, so that the
 * layers above do not know which. {@link dev.spate.mse.Rc4} is the JDK's ARCFOUR cipher, or a
 * small implementation of our own where a JDK policy disables it.
 */
package dev.spate.mse;
