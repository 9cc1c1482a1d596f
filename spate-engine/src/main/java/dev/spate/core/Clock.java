package dev.spate.core;

/**
 * Monotonic time, injected so that timers, rates and the choker can be tested without sleeping.
 */
@FunctionalInterface
public interface Clock {
    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();

    /** The system's monotonic clock. */
    static Clock system() {
        return System::nanoTime;
    }
}
