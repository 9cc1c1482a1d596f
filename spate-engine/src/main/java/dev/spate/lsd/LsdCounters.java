package dev.spate.lsd;

import java.util.concurrent.atomic.AtomicLong;

/** The counters behind {@link LsdStats}: atomics written by the service's threads, read as a snapshot. */
final class LsdCounters {
    final AtomicLong datagramsReceived = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong own = new AtomicLong();
    final AtomicLong offNetwork = new AtomicLong();
    final AtomicLong unknownTorrents = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();
    final AtomicLong peersReported = new AtomicLong();
    final AtomicLong announcesSent = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();
    final AtomicLong receiveFailures = new AtomicLong();

    LsdStats snapshot() {
        return new LsdStats(datagramsReceived.get(), rejected.get(), own.get(), offNetwork.get(),
                unknownTorrents.get(), duplicates.get(), rateLimited.get(), peersReported.get(),
                announcesSent.get(), sendFailures.get(), receiveFailures.get());
    }
}
