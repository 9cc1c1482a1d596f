package dev.spate.engine;

import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child process for {@code CrashResumeIT}: resumes a torrent's download from a seed on this host
 * and prints {@code PIECE <piece> <count>} for each piece verified, until it is killed (-9): a
 * download that ends without its torrent stopping.
 *
 * <p>Arguments: state directory, .torrent file, download directory, the seed's port.
 */
public final class CrashLeechChild {
    private CrashLeechChild() {
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Metainfo meta = MetainfoParser.read(Path.of(args[1]));
        Path directory = Path.of(args[2]);
        int seedPort = Integer.parseInt(args[3]);
        AtomicInteger count = new AtomicInteger();
        try (Session session = Session.open(SessionConfig.builder().localDiscovery(false).dht(false)
                .bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(state).build())) {
            session.subscribe(e -> {
                if (e instanceof Event.PieceVerified v) {
                    System.out.println("PIECE " + v.piece() + " " + count.incrementAndGet());
                    System.out.flush();
                }
            });
            TorrentHandle t = session.add(meta, directory);
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seedPort));
            System.out.println("ADDED");
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(5)); // until the kill; the test's timeout is far shorter
            throw new IllegalStateException("not killed: " + t.status());
        }
    }
}
