package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.mse.Mse;
import dev.spate.mse.MseException;
import dev.spate.peer.Acceptor;
import dev.spate.peer.Encryption;
import dev.spate.peer.PeerConnection;
import dev.spate.peer.PeerLink;
import dev.spate.storage.PieceBuffers;
import dev.spate.wire.Handshake;
import dev.spate.wire.MessageDecoder;
import dev.spate.wire.TorrentGeometry;
import dev.spate.wire.WireException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Dials and accepts over TCP into {@link PeerConnection}s, with the handshakes the session's
 * {@link EncryptionPolicy} asks for: plaintext (BEP 3) or MSE first, once more in plaintext when a
 * peer refuses MSE and the policy allows it. It remembers, per peer address, which handshake
 * worked and whether the peer prefers encryption, so the next dial goes straight to it.
 *
 * <p>Thread-safe: dials run on their own threads; the memory is guarded by its own lock.
 */
final class SocketConnector implements TorrentContext.Connector {
    /** Peers whose handshake we remember; the oldest is forgotten first. */
    static final int MEMORY = 4096;

    private final SessionConfig config;
    private final PeerId peerId;
    private final BooleanSupplier dht;
    private final PieceBuffers blockBuffers;
    /** Guarded by itself; in access order, so the least recently dialled goes first. */
    private final Map<InetSocketAddress, Known> memory = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Known> eldest) {
            return size() > MEMORY;
        }
    };

    /** What we know of a peer: the handshake that last worked (null if none yet), whether it prefers encryption. */
    record Known(Encryption worked, boolean prefersEncryption) {
    }

    SocketConnector(SessionConfig config, PeerId peerId, BooleanSupplier dht, PieceBuffers blockBuffers) {
        this.config = config;
        this.peerId = peerId;
        this.dht = dht;
        this.blockBuffers = blockBuffers;
    }

    /**
     * The handshakes a dial tries, in order: {@code 0} for plaintext, else the MSE crypto_provide.
     * A pure function of the policy and what we know of the peer.
     */
    static List<Integer> attempts(EncryptionPolicy policy, Known known) {
        int both = Mse.RC4 | Mse.PLAINTEXT;
        return switch (policy) {
            case REQUIRE -> List.of(Mse.RC4);
            case PREFER -> known != null && known.worked() == Encryption.PLAINTEXT && !known.prefersEncryption()
                    ? List.of(0) : List.of(both, 0);
            case TOLERATE -> known != null && (known.prefersEncryption() || known.worked() == Encryption.OBFUSCATED
                    || known.worked() == Encryption.RC4) ? List.of(both, 0) : List.of(0);
        };
    }

    /** How incoming connections may open under {@code policy}; {@code torrents} are the info-hashes we serve. */
    static Acceptor.Handshakes incoming(EncryptionPolicy policy, Supplier<? extends Collection<InfoHash>> torrents) {
        return switch (policy) {
            case TOLERATE, PREFER -> new Acceptor.Handshakes(true, new Mse.Acceptance(true, true, true),
                    Mse.torrentsOf(torrents));
            case REQUIRE -> new Acceptor.Handshakes(false, new Mse.Acceptance(false, true, false),
                    Mse.torrentsOf(torrents));
        };
    }

    /** A peer said it prefers encryption (BEP 10's {@code e}, or PEX's flag 0x01): dial it with MSE. Any thread. */
    @Override
    public void prefersEncryption(InetSocketAddress address) {
        synchronized (memory) {
            Known k = memory.get(address);
            memory.put(address, new Known(k == null ? null : k.worked(), true));
        }
    }

    /** What we remember of {@code address}; null when nothing. Any thread. */
    Known known(InetSocketAddress address) {
        synchronized (memory) {
            return memory.get(address);
        }
    }

    private void worked(InetSocketAddress address, Encryption encryption) {
        synchronized (memory) {
            Known k = memory.get(address);
            memory.put(address, new Known(encryption, k != null && k.prefersEncryption()));
        }
    }

    @Override
    public PeerLink dial(InetSocketAddress address, InfoHash hash, TorrentGeometry geometry,
                         PeerConnection.Listener listener, PeerConnection.Limits limits) throws Exception {
        Handshake ours = Handshake.ours(hash, peerId).withDht(dht.getAsBoolean());
        List<Integer> plan = attempts(config.encryption(), known(address));
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            int provide = plan.get(i);
            // Connecting fails the same way whatever the handshake: no second try for it.
            SocketChannel ch = PeerConnection.connect(address, config.bindAddress(), config.connectTimeout());
            PeerConnection.Handshaken h;
            try {
                h = provide == 0 ? PeerConnection.handshake(ch, address, config.connectTimeout(), ours)
                        : PeerConnection.encryptedHandshake(ch, address, config.connectTimeout(), ours, provide);
            } catch (IOException | MseException | WireException e) {
                if (e instanceof InterruptedIOException && !(e instanceof java.net.SocketTimeoutException)) {
                    throw (InterruptedIOException) e; // the dial itself was interrupted: the torrent stops
                }
                failures.add((provide == 0 ? "plaintext handshake" : "encryption handshake") + ": "
                        + Messages.message(e));
                // A peer that broke BEP 3 inside a finished MSE handshake would break it again.
                if (i == plan.size() - 1 || e instanceof WireException) {
                    throw new IOException(String.join("; then ", failures) + hint(provide, e), e);
                }
                continue;
            }
            if (!h.theirs().infoHash().equals(hash)) {
                h.channel().close();
                throw new IOException("handshake for another torrent " + h.theirs().infoHash().hex());
            }
            worked(address, h.encryption());
            return link(h, ours, geometry, listener, limits);
        }
        throw new AssertionError("no handshake planned for " + address);
    }

    /**
     * What a failed last attempt may mean: a peer that closes on our plaintext handshake may
     * require encryption; one that fails our RC4-only MSE may not speak it at all.
     */
    private String hint(int provide, Exception e) {
        if (provide == 0 && e instanceof java.io.EOFException) {
            return " (the peer may require encryption; this session's policy is "
                    + config.encryption().name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
        if (provide != 0 && config.encryption() == EncryptionPolicy.REQUIRE) {
            return " (encryption is required: the peer may not support it)";
        }
        return "";
    }

    @Override
    public PeerLink accept(PeerConnection.Handshaken h, TorrentGeometry geometry,
                           PeerConnection.Listener listener, PeerConnection.Limits limits) throws IOException {
        Handshake ours = Handshake.ours(h.theirs().infoHash(), peerId).withDht(dht.getAsBoolean());
        // Small, into a fresh socket's empty send buffer: does not block in practice. Through the
        // payload stream: RC4-encrypted when that was selected.
        ByteBuffer bytes = ByteBuffer.wrap(ours.encode());
        while (bytes.hasRemaining()) {
            h.out().write(new ByteBuffer[] {bytes});
        }
        return link(h, ours, geometry, listener, limits);
    }

    private PeerLink link(PeerConnection.Handshaken h, Handshake ours, TorrentGeometry geometry,
                          PeerConnection.Listener listener, PeerConnection.Limits limits) {
        // No geometry yet: a magnet's metadata phase, whose peers' indices cannot be checked.
        MessageDecoder decoder = geometry == null ? MessageDecoder.beforeMetadata(ours, h.theirs())
                : MessageDecoder.negotiated(geometry, ours, h.theirs());
        return new PeerConnection(h, decoder, listener, len -> blockBuffers.acquire(), limits);
    }
}
