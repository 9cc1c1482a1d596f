package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.metainfo.Metainfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An honest Spate leech in this JVM, on 127.0.0.1, dialling one seed: the control of every hostile
 * test, which must complete byte-exact while the hostile peers do their worst.
 */
final class HonestLeech implements AutoCloseable {
    private final Session session;
    private final TorrentHandle torrent;
    private final Path directory;

    private HonestLeech(Session session, TorrentHandle torrent, Path directory) {
        this.session = session;
        this.torrent = torrent;
        this.directory = directory;
    }

    /** Starts downloading {@code meta} into {@code directory} from the seed on 127.0.0.1:{@code seedPort}. */
    static HonestLeech start(Metainfo meta, Path directory, int seedPort) throws IOException {
        Session s = Session.open(SessionConfig.builder().localDiscovery(false).dht(false).bindAddress(InetAddress.getLoopbackAddress()).listenPort(0)
                .build());
        try {
            TorrentHandle t = s.add(meta, Files.createDirectories(directory));
            t.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), seedPort));
            return new HonestLeech(s, t, directory);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Fails unless the download completes within {@code timeout} and its files equal {@code source}'s. */
    void assertCompletesLike(Path source, Duration timeout) throws InterruptedException {
        assertThat(torrent.awaitCompletion(timeout)).as("honest leech completes; %s", torrent.status()).isTrue();
        Payload.assertSameTree(source, directory.resolve(source.getFileName()));
    }

    @Override
    public void close() {
        session.close();
    }
}
