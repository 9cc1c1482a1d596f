package dev.spate.engine;

/**
 * Which torrents the session's once-a-second tick reaches: every active one each second, a dormant
 * one (see {@link Mailbox#markDormant}) every {@link #EVERY} seconds, in a second of the round its
 * salt picks, so that a thousand dormant torrents are spread over the round instead of waking
 * together. A torrent is not dormant within {@code EVERY} seconds of an announce; its other timers
 * (resume saves, dialling known peers again) may be late by up to {@code EVERY - 1} seconds.
 * Anything posted to it wakes it for the next tick.
 *
 * <p>Stateless.
 */
final class QuietTicks {
    /** Seconds between the ticks of a dormant torrent. */
    static final int EVERY = 5;

    private QuietTicks() {
    }

    /** Whether tick number {@code tick} goes to a torrent with {@code salt} that is {@code dormant} or not. */
    static boolean due(long tick, int salt, boolean dormant) {
        return !dormant || Math.floorMod(tick + salt, EVERY) == 0;
    }
}
