import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A user-space WAN link for bench/wan: a TCP relay that holds each direction's bytes for a one-way
 * delay and caps each direction's rate, with a bounded queue so that TCP backpressure, not an
 * unbounded buffer, slows the sender down.
 *
 * <pre>
 *   java Relay.java --route LISTEN_HOST:PORT,TARGET_HOST:PORT,DELAY_MS,RATE_BITS_PER_S,BUFFER_BYTES [--route ...]
 * </pre>
 *
 * Every connection accepted on a route's listening address is relayed to its target. Each
 * direction is a link: a read is stamped with its arrival time, waits its turn on the link (the
 * rate: each chunk occupies the link for {@code bytes * 8 / rate} seconds, a token bucket whose
 * burst is one read), then travels the delay and is written out whole. The bytes a direction holds
 * (on the "wire" and waiting for it) are bounded by {@code delay * rate + BUFFER_BYTES}: once full,
 * the relay stops reading, the sender's socket buffers fill and TCP holds the sender back, as a
 * router's full queue would (though by flow control, not by loss).
 *
 * <p>Each connection gets links of its own: two connections on one route do not share its rate.
 * The relay's own sockets are local, so their kernel round trip is near zero: what is emulated
 * is the delay and capacity the applications see, not TCP's window growth over a long path.
 *
 * <p>Prints "RELAY LISTENING route HOST:PORT ..." per route once it accepts, "FIRST route=N dir=up|down
 * mono=SECONDS" when a connection's direction delivers its first bytes, and once a second
 * "STAT t=SECONDS mono=SECONDS route=N up=BYTES down=BYTES upq=BYTES downq=BYTES uptotal=BYTES
 * downtotal=BYTES downlate=MS downwrite=MS cpu=SECONDS": bytes delivered in that second towards the
 * target (up) and back towards the client (down), the bytes each direction holds, the totals so
 * far, how late the down direction's latest-started write was against its moment (the relay
 * itself starved of CPU), the time its writes spent blocked (the client not reading: its socket
 * buffer full), and the relay's CPU seconds so far. {@code mono} is
 * {@code System.nanoTime()}, CLOCK_MONOTONIC, which a bench can compare with its own. Runs until
 * killed.
 *
 * <p>Threads: one acceptor per route, and per connection one reader and one writer per direction;
 * a direction's queue is the only state its two threads share.
 */
public final class Relay {
    private static final int CHUNK = 64 * 1024;
    private static final int SOCKET_BUFFER = 256 * 1024;
    private static final int SMALL = 4096;

    record Route(int index, InetSocketAddress listen, InetSocketAddress target, long delayNanos, double bitsPerSecond,
                 long bufferBytes) {
        long queueLimit() {
            return (long) (bitsPerSecond / 8 * delayNanos / 1e9) + bufferBytes;
        }
    }

    /**
     * Per route and direction: bytes delivered, the most a write started after its moment and the
     * time spent in writes (those three read and reset each second), and the bytes held now.
     */
    static final class Counters {
        final AtomicLong up = new AtomicLong();
        final AtomicLong down = new AtomicLong();
        final AtomicLong upHeld = new AtomicLong();
        final AtomicLong downHeld = new AtomicLong();
        final AtomicLong upLate = new AtomicLong();
        final AtomicLong downLate = new AtomicLong();
        final AtomicLong upBlocked = new AtomicLong();
        final AtomicLong downBlocked = new AtomicLong();
        final AtomicLong upTotal = new AtomicLong();
        final AtomicLong downTotal = new AtomicLong();
    }

    /** A chunk read from one side, with the moment it may be written to the other. */
    record Chunk(ByteBuffer bytes, long deliverAtNanos) {
    }

    /**
     * One direction of one connection: the reader stamps and queues what it reads, the writer
     * waits for each chunk's moment and writes it. The semaphore counts the bytes the direction may
     * still take in.
     */
    static final class Direction {
        private static final Chunk END = new Chunk(ByteBuffer.allocate(0), 0);
        private final SocketChannel from;
        private final SocketChannel to;
        private final Route route;
        private final AtomicLong delivered;
        private final AtomicLong held;
        private final AtomicLong late;
        private final AtomicLong blocked;
        private final Semaphore room;
        private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(1 << 16);
        private final ConcurrentLinkedQueue<ByteBuffer> spare = new ConcurrentLinkedQueue<>();
        private final Runnable onEnd;
        private final String name;
        /** When the link is next free to start sending; the reader's alone. */
        private long linkFreeNanos;

        Direction(String name, SocketChannel from, SocketChannel to, Route route, Counters counters, Runnable onEnd) {
            boolean up = name.equals("up");
            this.name = name;
            this.delivered = up ? counters.up : counters.down;
            this.held = up ? counters.upHeld : counters.downHeld;
            this.late = up ? counters.upLate : counters.downLate;
            this.blocked = up ? counters.upBlocked : counters.downBlocked;
            this.from = from;
            this.to = to;
            this.route = route;
            this.room = new Semaphore((int) Math.min(Integer.MAX_VALUE, Math.max(CHUNK, route.queueLimit())));
            this.onEnd = onEnd;
        }

        void start(String connection) {
            Thread.ofPlatform().daemon().name(connection + "-" + name + "-read").start(this::read);
            Thread.ofPlatform().daemon().name(connection + "-" + name + "-write").start(this::write);
        }

        private void read() {
            try {
                while (true) {
                    room.acquire(CHUNK);
                    ByteBuffer b = spare.poll();
                    if (b == null) {
                        b = ByteBuffer.allocateDirect(CHUNK);
                    }
                    b.clear();
                    int n = from.read(b);
                    if (n < 0) {
                        break;
                    }
                    room.release(CHUNK - n);
                    held.addAndGet(n);
                    b.flip();
                    if (n < SMALL) {
                        // Requests and other small messages: held in a buffer of their own size, so a
                        // queue of thousands of them does not pin thousands of whole chunks.
                        ByteBuffer small = ByteBuffer.allocate(n).put(b).flip();
                        spare.offer(b);
                        b = small;
                    }
                    long now = System.nanoTime();
                    long start = Math.max(now, linkFreeNanos);
                    linkFreeNanos = start + (long) (n * 8e9 / route.bitsPerSecond());
                    queue.put(new Chunk(b, linkFreeNanos + route.delayNanos()));
                }
            } catch (IOException | InterruptedException e) {
                // the connection is going away: the writer ends it
            }
            try {
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void write() {
            boolean first = true;
            try {
                while (true) {
                    Chunk c = queue.take();
                    if (c == END) {
                        to.shutdownOutput();
                        break;
                    }
                    long wait;
                    while ((wait = c.deliverAtNanos() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long start = System.nanoTime();
                    late.accumulateAndGet(start - c.deliverAtNanos(), Math::max);
                    int n = c.bytes().remaining();
                    while (c.bytes().hasRemaining()) {
                        to.write(c.bytes());
                    }
                    blocked.addAndGet(System.nanoTime() - start);
                    if (first) {
                        first = false;
                        // System.nanoTime is CLOCK_MONOTONIC, the clock of the bench's time.monotonic().
                        say(String.format(Locale.ROOT, "FIRST route=%d dir=%s mono=%.4f", route.index(), name,
                                System.nanoTime() / 1e9));
                    }
                    delivered.addAndGet(n);
                    held.addAndGet(-n);
                    if (c.bytes().isDirect()) {
                        spare.offer(c.bytes());
                    }
                    room.release(n);
                }
            } catch (IOException | InterruptedException e) {
                // the other side closed
            }
            onEnd.run();
        }
    }

    public static void main(String[] args) throws Exception {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].equals("--route") || i + 1 >= args.length) {
                System.err.println("usage: java Relay.java --route LISTEN_HOST:PORT,TARGET_HOST:PORT,DELAY_MS,"
                        + "RATE_BITS_PER_S,BUFFER_BYTES [--route ...]");
                System.exit(2);
            }
            String[] f = args[++i].split(",");
            routes.add(new Route(routes.size(), address(f[0]), address(f[1]),
                    (long) (Double.parseDouble(f[2]) * 1e6), Double.parseDouble(f[3]), Long.parseLong(f[4])));
        }
        List<Counters> counters = new ArrayList<>();
        for (Route r : routes) {
            Counters c = new Counters();
            counters.add(c);
            ServerSocketChannel server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            server.bind(r.listen());
            InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
            Thread.ofPlatform().daemon().name("accept-" + r.index()).start(() -> accept(server, r, c));
            say(String.format(Locale.ROOT, "RELAY LISTENING %d %s:%d -> %s:%d delay %.1f ms rate %.0f bit/s queue %d bytes",
                    r.index(), bound.getHostString(), bound.getPort(), r.target().getHostString(),
                    r.target().getPort(), r.delayNanos() / 1e6, r.bitsPerSecond(), r.queueLimit()));
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long t0 = System.nanoTime();
        long next = t0;
        while (true) {
            next += 1_000_000_000L;
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            StringBuilder line = new StringBuilder();
            double cpu = os.getProcessCpuTime() / 1e9;
            for (Route r : routes) {
                Counters c = counters.get(r.index());
                long up = c.up.getAndSet(0);
                long down = c.down.getAndSet(0);
                line.append(String.format(Locale.ROOT,
                        "STAT t=%.1f mono=%.4f route=%d up=%d down=%d upq=%d downq=%d uptotal=%d downtotal=%d"
                                + " downlate=%.1fms downwrite=%.0fms cpu=%.2f%n",
                        (System.nanoTime() - t0) / 1e9, System.nanoTime() / 1e9, r.index(), up, down,
                        c.upHeld.get(), c.downHeld.get(), c.upTotal.addAndGet(up), c.downTotal.addAndGet(down),
                        c.downLate.getAndSet(0) / 1e6, c.downBlocked.getAndSet(0) / 1e6, cpu));
            }
            say(line.toString().stripTrailing());
        }
    }

    private static void accept(ServerSocketChannel server, Route r, Counters c) {
        int n = 0;
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            int id = n++;
            Thread.ofPlatform().daemon().name("connect-" + r.index() + "-" + id).start(() -> relay(client, r, c, id));
        }
    }

    private static void relay(SocketChannel client, Route r, Counters c, int id) {
        SocketChannel target;
        try {
            target = SocketChannel.open();
            target.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            target.setOption(StandardSocketOptions.TCP_NODELAY, true);
            target.connect(r.target());
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            say("RELAY CONNECT FAILED " + r.index() + " " + e);
            close(client);
            return;
        }
        // Both directions end the connection once both have ended (each half-closes its way first).
        AtomicLong ended = new AtomicLong();
        Runnable onEnd = () -> {
            if (ended.incrementAndGet() == 2) {
                close(client);
                close(target);
            }
        };
        String name = "route" + r.index() + "-conn" + id;
        new Direction("up", client, target, r, c, onEnd).start(name);
        new Direction("down", target, client, r, c, onEnd).start(name);
    }

    /** One line (or several) on standard output, whole, from any thread. */
    static synchronized void say(String text) {
        System.out.println(text);
        System.out.flush();
    }

    private static void close(SocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
    }

    private static InetSocketAddress address(String text) {
        int colon = text.lastIndexOf(':');
        return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }
}
