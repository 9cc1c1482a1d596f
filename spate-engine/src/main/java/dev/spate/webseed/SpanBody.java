package dev.spate.webseed;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Receives the body of one range answer straight into the caller's buffer, never more than the
 * body should hold: a byte past it cancels the download ({@link WebSeedException.Kind#OVERSIZED}),
 * an end before it is a {@link WebSeedException.Kind#SHORT_READ}. Asks the client for one chunk
 * at a time, so a server that sends too much is stopped after one chunk, not buffered.
 *
 * <p>The body is either exactly the range (a 206) or a whole small file (an accepted 200), of
 * which only the asked part is kept. Called by the HTTP client's threads, one call at a time
 * (the reactive-streams rule); the fetching thread only waits for {@link #getBody()} and may
 * {@link Target#close() close} the target when it stops waiting.
 */
final class SpanBody implements HttpResponse.BodySubscriber<Void> {

    /**
     * The caller's buffer, written only while its fetch still waits: once the fetch has given up
     * (deadline, interrupt) and closed it, a late chunk is dropped, so a pooled buffer that the
     * engine has handed to another piece is never written by a fetch that already failed.
     */
    static final class Target {
        private final ReentrantLock lock = new ReentrantLock();
        private final ByteBuffer buffer;
        private final int at;
        private final int length;
        private boolean closed; // guarded by lock
        private boolean complete; // guarded by lock
        private long received; // guarded by lock: body bytes seen, kept or not

        Target(ByteBuffer buffer, int at, int length) {
            this.buffer = buffer;
            this.at = at;
            this.length = length;
        }

        /** Copies {@code n} bytes of {@code src} from {@code srcIndex} to {@code offset} of the slice; false once closed. */
        boolean write(int offset, ByteBuffer src, int srcIndex, int n) {
            lock.lock();
            try {
                if (closed) {
                    return false;
                }
                buffer.put(at + offset, src, srcIndex, n);
                return true;
            } finally {
                lock.unlock();
            }
        }

        void addReceived(long n) {
            lock.lock();
            try {
                received += n;
            } finally {
                lock.unlock();
            }
        }

        /** Body bytes seen so far, for messages. */
        long received() {
            lock.lock();
            try {
                return received;
            } finally {
                lock.unlock();
            }
        }

        void markComplete() {
            lock.lock();
            try {
                complete = !closed;
            } finally {
                lock.unlock();
            }
        }

        /** Whether every byte of the slice arrived and the body ended where it should. */
        boolean complete() {
            lock.lock();
            try {
                return complete;
            } finally {
                lock.unlock();
            }
        }

        /** No write from now on. */
        void close() {
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
        }

        int length() {
            return length;
        }
    }

    /** Carries a {@link WebSeedException} through the HTTP client, which wants an IOException. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        final transient WebSeedException exception;

        Refused(WebSeedException exception) {
            super(exception.getMessage());
            this.exception = exception;
        }
    }

    private final Target target;
    private final long bodyLength;
    private final long keepFrom;
    private final SpanRequest span;
    private final String via;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long received;

    /**
     * @param bodyLength bytes the body must have
     * @param keepFrom where in the body the slice's first byte is (0 for a 206)
     * @param via words naming a redirect target, for messages ("" when none)
     */
    SpanBody(Target target, long bodyLength, long keepFrom, SpanRequest span, String via) {
        this.target = target;
        this.bodyLength = bodyLength;
        this.keepFrom = keepFrom;
        this.span = span;
        this.via = via;
    }

    @Override
    public CompletionStage<Void> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            int n = b.remaining();
            if (received + n > bodyLength) {
                fail(WebSeedException.Kind.OVERSIZED, "sent more than the " + bodyLength + " bytes asked for "
                        + span.describe() + via + "; the rest was not read", null);
                return;
            }
            long from = Math.max(received, keepFrom);
            long to = Math.min(received + n, keepFrom + target.length());
            if (from < to && !target.write((int) (from - keepFrom), b, b.position() + (int) (from - received),
                    (int) (to - from))) {
                subscription.cancel();
                result.completeExceptionally(new IOException("fetch abandoned"));
                return;
            }
            received += n;
            target.addReceived(n);
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
        if (result.isDone()) {
            return;
        }
        // The connection broke off, or the client saw fewer bytes than Content-Length promised.
        result.completeExceptionally(new Refused(new WebSeedException(span.uri(), WebSeedException.Kind.SHORT_READ,
                "the answer for " + span.describe() + via + " broke off after " + received + " of " + bodyLength
                        + " bytes (" + t.getMessage() + ")", t)));
    }

    @Override
    public void onComplete() {
        if (result.isDone()) {
            return;
        }
        if (received < bodyLength) {
            result.completeExceptionally(new Refused(new WebSeedException(span.uri(),
                    WebSeedException.Kind.SHORT_READ, "the answer for " + span.describe() + via + " ended after "
                            + received + " of " + bodyLength + " bytes", null)));
            return;
        }
        target.markComplete();
        result.complete(null);
    }

    private void fail(WebSeedException.Kind kind, String reason, Throwable cause) {
        subscription.cancel();
        result.completeExceptionally(new Refused(new WebSeedException(span.uri(), kind, reason, cause)));
    }

    /** A subscriber that reads nothing: the answer is judged by its status and headers alone. */
    static HttpResponse.BodySubscriber<Void> unread() {
        return refusing(null);
    }

    /**
     * A subscriber that reads nothing and fails with {@code refusal} (null: completes normally).
     * Cancelling at once makes the client close the connection rather than read an unwanted body.
     */
    static HttpResponse.BodySubscriber<Void> refusing(WebSeedException refusal) {
        CompletableFuture<Void> body = new CompletableFuture<>();
        return new HttpResponse.BodySubscriber<>() {
            @Override
            public CompletionStage<Void> getBody() {
                return body;
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.cancel();
                if (refusal == null) {
                    body.complete(null);
                } else {
                    body.completeExceptionally(new Refused(refusal));
                }
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
            }

            @Override
            public void onError(Throwable t) {
                body.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                body.complete(null);
            }
        };
    }
}
