package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code transmission-remote} moves a torrent's data ({@code --move}), points it at a
 * copy ({@code --find}) and is refused a place outside the download roots, for a location or for
 * torrent-add's download directory ({@code -w}).
 */
@Timeout(120)
class TransmissionRemoteLocationIT {
    @TempDir
    Path tmp;

    @Test
    void transmissionRemoteMovesAndFindsDataInsideTheRootsAndIsRefusedOutside() throws Exception {
        assumeTrue(Files.isExecutable(TransmissionRemoteIT.REMOTE), "transmission-remote (package transmission-cli) is not installed");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path downloads = Files.createDirectories(root.resolve("downloads"));
        Path content = Files.createDirectories(downloads.resolve("album"));
        Files.write(content.resolve("one.bin"), TransmissionRpcTest.random(300_000, 3));
        Files.write(content.resolve("two.bin"), TransmissionRpcTest.random(70_000, 4));
        Path torrentFile = tmp.resolve("album.torrent");
        Files.write(torrentFile, TorrentCreator.builder(content).pieceLength(32768).build().create());
        Path outside = Files.createDirectories(tmp.resolve("outside"));

        try (Session daemon = Session.open(TransmissionRemoteIT.config(tmp.resolve("state")));
             RpcServer rpc = RpcServer.start(new Torrents(daemon, downloads, DownloadRoots.of(List.of(root)), null),
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty())) {
            InetSocketAddress at = rpc.address();
            TransmissionRemoteIT.Run refused = TransmissionRemoteIT.remote(at, "-a", torrentFile.toString(),
                    "-w", outside.toString());
            assertThat(refused.out()).contains("outside the download roots");
            assertThat(daemon.torrents()).isEmpty();

            TransmissionRemoteIT.Run add = TransmissionRemoteIT.remote(at, "-a", torrentFile.toString());
            assertThat(add.exitCode()).as(add.out()).isZero();
            TorrentHandle first = daemon.torrents().getFirst();
            TransmissionRemoteIT.await("seeding", () -> first.status().state() == TorrentState.SEEDING);

            Path moved = root.resolve("moved");
            TransmissionRemoteIT.Run move = TransmissionRemoteIT.remote(at, "-t", "1", "--move", moved.toString());
            assertThat(move.exitCode()).as(move.out()).isZero();
            TransmissionRemoteIT.await("moved", () -> {
                try {
                    return TransmissionRemoteIT.remote(at, "-t", "1", "-i").out().contains("Location: " + moved);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(moved.resolve("album/one.bin")).exists();
            assertThat(content.resolve("one.bin")).doesNotExist();

            Path copy = Files.createDirectories(root.resolve("copy/album"));
            for (String name : List.of("one.bin", "two.bin")) {
                Files.copy(moved.resolve("album/" + name), copy.resolve(name));
            }
            TransmissionRemoteIT.Run find = TransmissionRemoteIT.remote(at, "-t", "1", "--find", root.resolve("copy").toString());
            assertThat(find.exitCode()).as(find.out()).isZero();
            assertThat(TransmissionRemoteIT.remote(at, "-t", "1", "-i").out()).contains("Location: " + root.resolve("copy"));
            TorrentHandle found = daemon.torrents().getFirst();
            TransmissionRemoteIT.await("seeding from the copy", () -> found.status().state() == TorrentState.SEEDING);

            TransmissionRemoteIT.Run out = TransmissionRemoteIT.remote(at, "-t", "1", "--move", outside.toString());
            assertThat(out.out()).contains("outside the download roots");
            assertThat(TransmissionRemoteIT.remote(at, "-t", "1", "-i").out()).contains("Location: " + root.resolve("copy"));
            try (var left = Files.list(outside)) {
                assertThat(left).isEmpty();
            }
        }
    }
}
