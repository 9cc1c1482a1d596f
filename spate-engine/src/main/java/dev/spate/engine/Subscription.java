package dev.spate.engine;

/**
 * A subscriber's place in a session's event stream ({@link Session#subscribe}). Each subscriber has
 * a bounded queue and a thread of its own: one that falls behind loses events rather than
 * stalling the engine, and {@link #dropped()} says how many.
 */
public interface Subscription extends AutoCloseable {
    /** Events this subscriber lost because its queue was full. */
    long dropped();

    /** Stops delivery at once (events still queued are not delivered). Idempotent, throws nothing. */
    @Override
    void close();
}
