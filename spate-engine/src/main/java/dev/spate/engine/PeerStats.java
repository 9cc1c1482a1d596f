package dev.spate.engine;

import java.net.InetSocketAddress;

/**
 * A snapshot of one connected peer. Build one (in tests, say) with {@link #builder()}, which names
 * every field.
 *
 * @param address the peer's address
 * @param client the client it names (BEP 10 {@code v}, or decoded from its BEP 20 peer id)
 * @param outgoing whether we dialled it
 * @param downloadRate payload bytes per second we receive from it
 * @param uploadRate payload bytes per second we send it
 * @param downloaded payload bytes received from it
 * @param uploaded payload bytes sent to it
 * @param chokingUs whether it chokes us
 * @param interestedInUs whether it wants our pieces
 * @param choked whether we choke it
 * @param interesting whether we want its pieces
 * @param requestsOutstanding blocks we asked it for and await
 * @param requestQueueTarget how many blocks we keep asked of it (from its rate and slow start)
 * @param snubbed whether it has sent nothing we asked for in a long time
 * @param piecesItHas pieces it announced
 * @param encryption whether the connection's handshake and payload are encrypted (MSE/PE)
 */
public record PeerStats(InetSocketAddress address, String client, boolean outgoing, long downloadRate,
                        long uploadRate, long downloaded, long uploaded, boolean chokingUs, boolean interestedInUs,
                        boolean choked, boolean interesting, int requestsOutstanding, int requestQueueTarget,
                        boolean snubbed, int piecesItHas, PeerEncryption encryption) {
    /** A builder with every count 0 and every flag false. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link PeerStats} field by field. */
    public static final class Builder {
        private InetSocketAddress address;
        private String client = "";
        private boolean outgoing;
        private long downloadRate;
        private long uploadRate;
        private long downloaded;
        private long uploaded;
        private boolean chokingUs = true;
        private boolean interestedInUs;
        private boolean choked = true;
        private boolean interesting;
        private int requestsOutstanding;
        private int requestQueueTarget;
        private boolean snubbed;
        private int piecesItHas;
        private PeerEncryption encryption = PeerEncryption.PLAINTEXT;

        private Builder() {
        }

        /** The peer's address, the client it names, and whether we dialled it. */
        public Builder peer(InetSocketAddress a, String clientName, boolean dialled) {
            address = a;
            client = clientName;
            outgoing = dialled;
            return this;
        }

        /** Payload bytes per second from and to the peer. */
        public Builder rates(long down, long up) {
            downloadRate = down;
            uploadRate = up;
            return this;
        }

        /** Payload bytes received from and sent to the peer. */
        public Builder transferred(long down, long up) {
            downloaded = down;
            uploaded = up;
            return this;
        }

        /** The four BEP 3 flags. */
        public Builder flags(boolean chokingUsNow, boolean interestedInUsNow, boolean chokedNow, boolean interestingNow) {
            chokingUs = chokingUsNow;
            interestedInUs = interestedInUsNow;
            choked = chokedNow;
            interesting = interestingNow;
            return this;
        }

        /** Our requests to the peer: outstanding, the pipeline's target, whether it is snubbed. */
        public Builder requests(int outstanding, int target, boolean isSnubbed) {
            requestsOutstanding = outstanding;
            requestQueueTarget = target;
            snubbed = isSnubbed;
            return this;
        }

        /** See {@link PeerStats#piecesItHas()}. */
        public Builder piecesItHas(int n) {
            piecesItHas = n;
            return this;
        }

        /** See {@link PeerStats#encryption()}; plaintext unless set. */
        public Builder encryption(PeerEncryption e) {
            encryption = java.util.Objects.requireNonNull(e, "encryption");
            return this;
        }

        /** The statistics as set so far. */
        public PeerStats build() {
            return new PeerStats(address, client, outgoing, downloadRate, uploadRate, downloaded, uploaded, chokingUs,
                    interestedInUs, choked, interesting, requestsOutstanding, requestQueueTarget, snubbed, piecesItHas,
                    encryption);
        }
    }
}
