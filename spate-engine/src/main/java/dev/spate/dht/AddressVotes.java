package dev.spate.dht;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Our external address as others report it (BEP 42's {@code ip}), by vote: an address wins once
 * {@code needed} distinct responder IPs report it, so no single node can move our id. Each responder
 * counts once, for its latest report. Bounded: at most {@link #MAX_VOTERS} voters are remembered;
 * when full, the tally starts over. Owned by the node's thread.
 */
final class AddressVotes {
    static final int MAX_VOTERS = 256;

    private final int needed;
    private final Map<InetAddress, InetAddress> voteOf = new HashMap<>();
    private final Map<InetAddress, Set<InetAddress>> votersFor = new HashMap<>();

    AddressVotes(int needed) {
        this.needed = needed;
    }

    /** Records that {@code voter} sees us at {@code claimed}; returns the address if it now wins, else null. */
    InetAddress vote(InetAddress voter, InetAddress claimed) {
        InetAddress before = voteOf.get(voter);
        if (claimed.equals(before)) {
            return null;
        }
        if (before == null && voteOf.size() >= MAX_VOTERS) {
            clear();
        }
        if (before != null) {
            Set<InetAddress> s = votersFor.get(before);
            s.remove(voter);
            if (s.isEmpty()) {
                votersFor.remove(before);
            }
        }
        voteOf.put(voter, claimed);
        Set<InetAddress> voters = votersFor.computeIfAbsent(claimed, a -> new HashSet<>());
        voters.add(voter);
        return voters.size() >= needed ? claimed : null;
    }

    void clear() {
        voteOf.clear();
        votersFor.clear();
    }
}
