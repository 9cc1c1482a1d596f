package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import dev.spate.peer.PeerConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One connection floods the seed with one cheap message at full speed for {@link #FLOOD} while an
 * honest leech downloads: the seed's live heap (after a full GC, at the end of the flood, with the
 * flooder still connected) and its resident set stay bounded, the leech completes byte-exact, and
 * the flooder is either dropped with a reason or stalled (the seed stopped reading it, so TCP
 * stopped it). The seed is {@code spate seed} in a child process under -Xmx256m, logging why it
 * closes each connection.
 */
class HostileFloodsIT {
    static final Duration FLOOD = Duration.ofSeconds(3);
    /** Live heap after a full GC: the seed's own state is a few MiB; a queue of the flood is not. */
    static final long MAX_LIVE_HEAP_KIB = 64 * 1024;
    /** Resident set, peak: -Xmx256m and the JVM's own. */
    static final long MAX_RSS_KIB = 384 * 1024;
    /** Bytes the flooder may still get through in the flood's last second and count as stalled. */
    static final long STALLED_BYTES = 256 * 1024;
    static final int PIECE = 64 * 1024;

    /** The cheap messages (BEP 3): a frame each, repeated to fill the flooder's buffer. */
    enum Flood {
        KEEP_ALIVE(new byte[] {0, 0, 0, 0}),
        CHOKE(new byte[] {0, 0, 0, 1, 0}),
        UNCHOKE(new byte[] {0, 0, 0, 1, 1}),
        INTERESTED(new byte[] {0, 0, 0, 1, 2}),
        NOT_INTERESTED(new byte[] {0, 0, 0, 1, 3}),
        /** Have for every piece in turn: valid messages, each a change of availability. */
        HAVE(null);

        final byte[] frame;

        Flood(byte[] frame) {
            this.frame = frame;
        }

        /** 64 KiB of whole frames. */
        ByteBuffer buffer(int pieces) {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024 / 9 * 9);
            int piece = 0;
            while (b.remaining() >= 9) {
                if (frame != null) {
                    if (b.remaining() < frame.length) {
                        break;
                    }
                    b.put(frame);
                } else {
                    b.putInt(5).put((byte) 4).putInt(piece++ % pieces);
                }
            }
            return b.flip();
        }
    }

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @EnumSource(Flood.class)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFloodOfOneCheapMessageKeepsTheSeedSmallAndTheHonestLeechDownloading(Flood flood) throws Exception {
        Path source = Payload.file(tmp.resolve("seed/data.bin"), 8L << 20, 61);
        Path torrent = Files.write(tmp.resolve("data.torrent"),
                TorrentCreator.builder(source).pieceLength(PIECE).build().create());
        Metainfo meta = MetainfoParser.read(torrent);
        Path logging = Files.writeString(tmp.resolve("logging.properties"), """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=FINE
                .level=INFO
                dev.spate.peer.PeerConnection.level=FINE
                """);
        // 2 MiB/s: the leech's 8 MiB take about 4 s, the whole flood.
        try (SeedProcess seed = SeedProcess.start("spate-seed-flood-" + flood, torrent, source.getParent(), 0,
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.util.logging.config.file=" + logging),
                List.of("--upload-limit", "2M"));
             SocketChannel flooder = SocketChannel.open(
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), seed.port()))) {
            long rssBefore = seed.rssKib();
            int flooderPort = ((InetSocketAddress) flooder.getLocalAddress()).getPort();
            PeerConnection.writeFully(flooder, ByteBuffer.wrap(RawPeer.handshake(meta.infoHash())));
            AtomicBoolean closedBySeed = new AtomicBoolean();
            Thread drain = Thread.ofVirtual().start(() -> {
                ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
                try {
                    while (flooder.read(sink.clear()) >= 0) {
                        // what the seed says is not the point
                    }
                    closedBySeed.set(true);
                } catch (IOException e) {
                    closedBySeed.set(flooder.isOpen()); // a reset from the seed, not our own close
                }
            });
            AtomicLong written = new AtomicLong();
            ByteBuffer frames = flood.buffer(meta.info().pieceCount());
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        ByteBuffer b = frames.duplicate();
                        while (b.hasRemaining()) {
                            written.addAndGet(flooder.write(b));
                        }
                    }
                } catch (IOException closed) {
                    // the seed closed it, or we did at the end of the flood
                }
            });
            try (HonestLeech leech = HonestLeech.start(meta, tmp.resolve("leech"), seed.port())) {
                long start = System.nanoTime();
                long lastSecondStart = start + FLOOD.minusSeconds(1).toNanos();
                long writtenAtLastSecond = -1;
                long peakRss = 0;
                while (System.nanoTime() - start < FLOOD.toNanos() && !closedBySeed.get()) {
                    if (writtenAtLastSecond < 0 && System.nanoTime() >= lastSecondStart) {
                        writtenAtLastSecond = written.get();
                    }
                    peakRss = Math.max(peakRss, seed.rssKib());
                    Thread.sleep(50);
                }
                long lastSecond = written.get() - Math.max(0, writtenAtLastSecond);
                // Before the flooder goes: what the seed holds because of it is still held.
                long liveHeap = liveHeapKib(seed.pid());
                boolean dropped = closedBySeed.get();
                flooder.close();
                writer.join(5000);
                drain.join(5000);
                leech.assertCompletesLike(source, Duration.ofSeconds(60));
                peakRss = Math.max(peakRss, seed.peakRssKib());
                String reason = closeReason(seed.process(), flooderPort);
                System.out.printf("flood of %s: %d MiB written (%d KiB in the last second), %s%s; seed RSS %d KiB "
                                + "before, peak %d KiB; live heap after full GC %d KiB%n", flood,
                        written.get() >> 20, lastSecond >> 10, dropped ? "dropped: " : "not dropped",
                        dropped ? reason : (lastSecond <= STALLED_BYTES ? " (stalled)" : " (still read)"),
                        rssBefore, peakRss, liveHeap);
                assertThat(seed.isAlive()).as("seed alive; %s", seed.process().logTail(20)).isTrue();
                assertThat(liveHeap).as("seed's live heap after a full GC (KiB)").isPositive()
                        .isLessThanOrEqualTo(MAX_LIVE_HEAP_KIB);
                assertThat(peakRss).as("seed's peak RSS (KiB)").isLessThanOrEqualTo(MAX_RSS_KIB);
                if (dropped) {
                    assertThat(reason).as("the seed says why it dropped the flooder").isNotBlank();
                } else {
                    assertThat(lastSecond).as("bytes the seed took from the flooder in the flood's last second")
                            .isLessThanOrEqualTo(STALLED_BYTES);
                }
            }
        }
    }

    /** The seed's heap in use after a full GC, in KiB, from {@code jcmd}. */
    private static long liveHeapKib(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ExternalProcess.runChecked(Duration.ofSeconds(30), List.of(jcmd, Long.toString(pid), "GC.run"));
        String info = ExternalProcess.runChecked(Duration.ofSeconds(30),
                List.of(jcmd, Long.toString(pid), "GC.heap_info")).output();
        Matcher m = Pattern.compile("heap\\s+total.*?used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new AssertionError("no heap use in jcmd GC.heap_info:\n" + info);
        }
        return Long.parseLong(m.group(1));
    }

    /** Why the seed closed the connection from {@code port}, as it logged it, or "" if it did not. */
    private static String closeReason(ExternalProcess seed, int port) {
        Matcher m = Pattern.compile("closing connection to 127\\.0\\.0\\.1:" + port + ": (.+)$", Pattern.MULTILINE)
                .matcher(seed.logText());
        return m.find() ? m.group(1) : "";
    }
}
