package dev.spate.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Delivers events to subscribers, each through its own bounded queue and virtual thread: a slow
 * subscriber loses events (counted) and never stalls the engine. Thread-safe.
 */
final class EventHub implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventHub.class.getName());
    static final int QUEUE = 4096;

    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /** One subscriber: its queue, its thread, and how many events it lost. */
    final class Subscriber implements Subscription {
        private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE);
        private final Consumer<? super Event> consumer;
        private final AtomicLong dropped = new AtomicLong();
        private final Thread thread;
        private volatile boolean open = true;

        Subscriber(Consumer<? super Event> consumer) {
            this.consumer = consumer;
            this.thread = Thread.ofVirtual().name("spate-events").start(this::run);
        }

        private void run() {
            while (open || !queue.isEmpty()) {
                Event e;
                try {
                    e = queue.take();
                } catch (InterruptedException ie) {
                    return;
                }
                try {
                    consumer.accept(e);
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "event subscriber failed on " + e, ex);
                }
            }
        }

        void offer(Event e) {
            if (open && !queue.offer(e)) {
                dropped.incrementAndGet();
            }
        }

        @Override
        public long dropped() {
            return dropped.get();
        }

        @Override
        public void close() {
            open = false;
            subscribers.remove(this);
            thread.interrupt();
        }
    }

    Subscriber subscribe(Consumer<? super Event> consumer) {
        Subscriber s = new Subscriber(consumer);
        subscribers.add(s);
        return s;
    }

    void publish(Event event) {
        for (Subscriber s : subscribers) {
            s.offer(event);
        }
    }

    @Override
    public void close() {
        subscribers.forEach(Subscriber::close);
    }
}
