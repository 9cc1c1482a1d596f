package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Event;
import dev.spate.engine.Session;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.Magnet;
import dev.spate.metainfo.Metainfo;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.wire.ExtendedHandshake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A magnet's metadata among liars (BEP 9): raw-protocol peers that answer {@code ut_metadata} with
 * wrong bytes, with a wrong {@code total_size}, with rejects, or claim a 4 GiB {@code metadata_size}
 * in their handshake. For a while they are all Spate has: each is asked, caught and then left alone
 * (its request count, as it records it, stops growing). Then an honest libtorrent seed comes: the
 * metadata comes from it, the download completes byte-exact, and the liars are still not asked.
 */
class HostileMetadataIT {
    /** 16 KiB pieces of 16 MiB: 1,024 piece hashes, an info dictionary of two metadata pieces. */
    static final int PIECE = 16 * 1024;
    static final long SIZE = 16L << 20;
    /** The id the liars give ut_metadata in their handshakes. */
    static final int THEIR_UT_METADATA = 3;

    @TempDir
    Path tmp;

    /** How a liar answers a request for metadata piece {@code piece}: the payload, or null for none. */
    interface Answer {
        byte[] to(int piece) throws IOException;
    }

    /**
     * A liar's script: BEP 10 handshake with {@code claimedSize} as {@code metadata_size}, then an
     * answer to every ut_metadata request, sent with the id Spate's handshake gave.
     */
    static RogueSeed.Script liar(long claimedSize, Answer answer) {
        return liar(claimedSize, null, answer);
    }

    /** As above, sending {@code bitfield} (if not null) right after its handshake, before any metadata. */
    static RogueSeed.Script liar(long claimedSize, byte[] bitfield, Answer answer) {
        return c -> {
            c.extended(0, new ExtendedHandshake(Map.of("ut_metadata", THEIR_UT_METADATA), OptionalInt.empty(),
                    Optional.of("liar"), OptionalInt.empty(), Optional.empty(), OptionalLong.of(claimedSize)).encode());
            if (bitfield != null) {
                c.message(5, bitfield);
            }
            int spateId = -1;
            RogueSeed.Extended e;
            while ((e = c.nextExtended(Duration.ofMinutes(2))) != null) {
                if (e.id() == 0) {
                    try {
                        spateId = ExtendedHandshake.parse(e.payload()).idOf("ut_metadata").orElse(-1);
                    } catch (dev.spate.wire.WireException bad) {
                        throw new IOException("Spate's extended handshake: " + bad.getMessage(), bad);
                    }
                } else if (e.id() == THEIR_UT_METADATA && spateId > 0) {
                    Integer piece = requestedPiece(e.payload());
                    if (piece != null) {
                        c.misbehave();
                        byte[] payload = answer.to(piece);
                        if (payload != null) {
                            c.extended(spateId, payload);
                        }
                    }
                }
            }
        };
    }

    /** The piece of a ut_metadata request ({@code msg_type} 0), or null for another message. */
    static Integer requestedPiece(byte[] payload) {
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        Matcher type = Pattern.compile("8:msg_typei(\\d+)e").matcher(text);
        Matcher piece = Pattern.compile("5:piecei(\\d+)e").matcher(text);
        return type.find() && type.group(1).equals("0") && piece.find() ? Integer.valueOf(piece.group(1)) : null;
    }

    /** The ut_metadata requests a liar received, over all its connections. */
    static long requests(RogueSeed liar) {
        return liar.extended().stream().filter(e -> e.id() == THEIR_UT_METADATA && requestedPiece(e.payload()) != null)
                .count();
    }

    static byte[] data(int piece, long totalSize, byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(("d8:msg_typei1e5:piecei" + piece + "e10:total_sizei" + totalSize + "ee")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        return out.toByteArray();
    }

    static byte[] reject(int piece) {
        return ("d8:msg_typei2e5:piecei" + piece + "ee").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] slice(byte[] info, int piece) {
        return Arrays.copyOfRange(info, piece * PIECE, Math.min(info.length, (piece + 1) * PIECE));
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theMetadataComesFromTheHonestPeerAndTheLiarsArePenalizedNotAskedAgain() throws Exception {
        Path content = Payload.file(tmp.resolve("seed/liars.bin"), SIZE, 41);
        Libtorrent.CreatedTorrent torrent = Libtorrent.createTorrent(content, tmp.resolve("liars.torrent"), PIECE,
                List.of());
        Metainfo meta = MetainfoParser.read(torrent.file());
        byte[] info = meta.infoBytes();
        int metadataPieces = (info.length + PIECE - 1) / PIECE;
        assertThat(metadataPieces).as("the info dictionary spans several metadata pieces").isGreaterThan(1);
        Path leech = Files.createDirectories(tmp.resolve("leech"));
        try (RogueSeed wrongBytes = new RogueSeed(meta, meta.infoHash(), true, liar(info.length, piece -> {
                 byte[] bytes = slice(info, piece);
                 for (int i = 0; i < bytes.length; i++) {
                     bytes[i] = (byte) ~bytes[i];
                 }
                 return data(piece, info.length, bytes);
             }));
             // Claims the true size, then answers as if the metadata were 16 KiB longer (well formed for that size).
             RogueSeed wrongTotal = new RogueSeed(meta, meta.infoHash(), true, liar(info.length, piece -> {
                 long fakeTotal = info.length + PIECE;
                 return data(piece, fakeTotal, Arrays.copyOf(slice(info, piece),
                         (int) Math.min(PIECE, fakeTotal - (long) piece * PIECE)));
             }));
             RogueSeed rejecter = new RogueSeed(meta, meta.infoHash(), true, liar(info.length, HostileMetadataIT::reject));
             // Its bitfield, sent before the metadata, is 3 bytes: only once the piece count is known can it be caught.
             RogueSeed badBitfield = new RogueSeed(meta, meta.infoHash(), true, liar(info.length,
                     new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, HostileMetadataIT::reject));
             RogueSeed huge = new RogueSeed(meta, meta.infoHash(), true, liar(4L << 30,
                     piece -> data(piece, info.length, slice(info, piece))));
             Libtorrent seed = Libtorrent.seed(torrent.file(), tmp.resolve("seed"), new Libtorrent.Options().noTrackers());
             Session session = Session.open(DownloadFromReferenceSeedsIT.loopback(tmp.resolve("state")))) {
            List<RogueSeed> liars = List.of(wrongBytes, wrongTotal, rejecter);
            StringBuilder link = new StringBuilder("magnet:?xt=urn:btih:" + meta.infoHashHex());
            for (RogueSeed r : List.of(wrongBytes, wrongTotal, rejecter, badBitfield, huge)) {
                link.append("&x.pe=127.0.0.1:").append(r.address().getPort());
            }
            List<Event> events = new CopyOnWriteArrayList<>();
            session.subscribe(events::add);
            TorrentHandle t = session.add(Magnet.parse(link.toString()), leech);

            // Only liars for now: each is asked and answers (lies), and the huge claim is refused.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && !(liars.stream().allMatch(r -> requests(r) > 0)
                    && huge.firstHangUp() != 0)) {
                Thread.sleep(50);
            }
            assertThat(liars).as("each liar was asked; events %s", events).allMatch(r -> requests(r) > 0);
            assertThat(huge.firstHangUp()).as("the 4 GiB claim is hung up on").isNotZero();
            assertThat(events).anyMatch(e -> e instanceof Event.PeerDisconnected d
                    && d.address().getPort() == huge.address().getPort()
                    && d.reason().equals("metadata_size 4294967296 exceeds the limit of 33554432 bytes"));
            Thread.sleep(1_000); // the last answers arrive and are judged
            long[] caught = liars.stream().mapToLong(HostileMetadataIT::requests).toArray();
            Thread.sleep(4_000);
            long[] later = liars.stream().mapToLong(HostileMetadataIT::requests).toArray();
            assertThat(later).as("penalized: not asked again (wrong bytes, wrong total_size, rejects)")
                    .containsExactly(caught);
            for (long n : caught) {
                assertThat(n).as("each piece asked of a liar once at most").isLessThanOrEqualTo(metadataPieces);
            }
            assertThat(requests(huge)).as("a peer claiming 4 GiB is never asked").isZero();
            assertThat(badBitfield.firstHangUp()).as("its bitfield cannot be checked yet: still connected").isZero();
            assertThat(List.of(wrongBytes, wrongTotal, rejecter, badBitfield, huge))
                    .as("no liar dialled again for a clean slate")
                    .allMatch(r -> r.connections() == 1);
            assertThat(t.status().state()).isEqualTo(TorrentState.METADATA);

            // The honest peer arrives: the metadata is its, and the download completes.
            seed.awaitSeeding(Duration.ofSeconds(20));
            t.connect(new InetSocketAddress("127.0.0.1", seed.port()));
            assertThat(t.awaitCompletion(Duration.ofSeconds(90))).as("download completes; status %s; events %s",
                    t.status(), events).isTrue();
            assertThat(t.name()).isEqualTo("liars.bin");
            int bitfieldBytes = (meta.info().pieceCount() + 7) / 8;
            assertThat(events).as("the carried connection whose early bitfield does not fit is dropped, naming why")
                    .anyMatch(e -> e instanceof Event.PeerDisconnected d
                            && d.address().getPort() == badBitfield.address().getPort()
                            && d.reason().equals("protocol violation before the metadata: bitfield of 3 bytes for "
                                    + meta.info().pieceCount() + " pieces, expected " + bitfieldBytes));
            assertThat(badBitfield.firstHangUp()).isNotZero();
            assertThat(liars.stream().mapToLong(HostileMetadataIT::requests).toArray())
                    .as("the liars were not asked again while the honest peer served; connections %s; events %s",
                            liars.stream().map(RogueSeed::connections).toList(), events).containsExactly(caught);
        }
        Payload.assertSameTree(content, leech.resolve("liars.bin"));
    }
}
