package dev.spate.wire;

import static dev.spate.wire.LibtorrentCaptures.METADATA_SIZE;
import static dev.spate.wire.LibtorrentCaptures.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MetadataMessageTest {

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static MetadataMessage decode(byte[] payload) throws WireException {
        return MetadataMessage.decode(payload).orElseThrow();
    }

    @Test
    void readsLibtorrentsDataMessagesAndTheirPiecesHashToTheInfoHash() throws Exception {
        MetadataMessage first = decode(read("lt-metadata-data-0.bin"));
        MetadataMessage last = decode(read("lt-metadata-data-1.bin"));
        assertThat(first).isInstanceOfSatisfying(MetadataMessage.Data.class, d -> {
            assertThat(d.piece()).isZero();
            assertThat(d.totalSize()).isEqualTo(METADATA_SIZE);
            assertThat(d.bytes()).hasSize(16384);
        });
        assertThat(last).isInstanceOfSatisfying(MetadataMessage.Data.class, d -> {
            assertThat(d.piece()).isOne();
            assertThat(d.bytes()).hasSize(METADATA_SIZE - 16384);
        });
        byte[] metadata = Frames.concat(((MetadataMessage.Data) first).bytes(), ((MetadataMessage.Data) last).bytes());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(metadata)))
                .isEqualTo(LibtorrentCaptures.INFO_HASH);
        assertThat(metadata).isEqualTo(LibtorrentCaptures.infoBytes());
    }

    @Test
    void readsLibtorrentsRejectWhichCarriesATotalSizeToo() throws Exception {
        assertThat(new String(read("lt-metadata-reject-2.bin"), StandardCharsets.ISO_8859_1))
                .isEqualTo("d8:msg_typei2e5:piecei2e10:total_sizei26104ee");
        assertThat(decode(read("lt-metadata-reject-2.bin"))).isEqualTo(new MetadataMessage.Reject(2));
    }

    @Test
    void servesTheSameBytesLibtorrentServes() {
        byte[] info = LibtorrentCaptures.infoBytes();
        assertThat(MetadataMessage.answer(new MetadataMessage.Request(0), info, false).encode())
                .isEqualTo(read("lt-metadata-data-0.bin"));
        assertThat(MetadataMessage.answer(new MetadataMessage.Request(1), info, false).encode())
                .isEqualTo(read("lt-metadata-data-1.bin"));
    }

    @Test
    void rejectsRequestsForAPrivateTorrentOrBeyondTheMetadata() {
        byte[] info = LibtorrentCaptures.infoBytes();
        assertThat(MetadataMessage.answer(new MetadataMessage.Request(0), info, true))
                .isEqualTo(new MetadataMessage.Reject(0));
        assertThat(MetadataMessage.answer(new MetadataMessage.Request(2), info, false))
                .isEqualTo(new MetadataMessage.Reject(2));
        assertThat(MetadataMessage.answer(new MetadataMessage.Request(0), new byte[0], false))
                .isEqualTo(new MetadataMessage.Reject(0));
    }

    @Test
    void encodesTheExamplesOfBep9() throws Exception {
        assertThat(new MetadataMessage.Request(0).encode()).isEqualTo(ascii("d8:msg_typei0e5:piecei0ee"));
        assertThat(new MetadataMessage.Reject(0).encode()).isEqualTo(ascii("d8:msg_typei2e5:piecei0ee"));
        byte[] piece = new byte[3425];
        Arrays.fill(piece, (byte) 'x');
        byte[] data = new MetadataMessage.Data(0, 3425, piece).encode();
        assertThat(data).isEqualTo(Frames.concat(ascii("d8:msg_typei1e5:piecei0e10:total_sizei3425ee"), piece));
        assertThat(decode(data)).isEqualTo(new MetadataMessage.Data(0, 3425, piece));
        Message.Extended ext = new MetadataMessage.Request(3).toMessage(2);
        assertThat(ext.extendedId()).isEqualTo(2);
        assertThat(decode(ext.payload())).isEqualTo(new MetadataMessage.Request(3));
    }

    @Test
    void ignoresAMessageTypeBep9DoesNotDefineAndKeysItDoesNotKnow() throws Exception {
        assertThat(MetadataMessage.decode(ascii("d8:msg_typei3e5:piecei0ee"))).isEmpty();
        assertThat(MetadataMessage.decode(ascii("d8:msg_typei-1e5:piecei0e3:zzz3:abce"))).isEmpty();
        assertThat(MetadataMessage.decode(ascii("d1:ai1e8:msg_typei0e5:piecei4e1:zli1eee")))
                .isEqualTo(Optional.of(new MetadataMessage.Request(4)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "li1ee | ut_metadata message is a list, expected a dictionary",
        "d8:msg_typei0e | ut_metadata message is not bencoded: at byte 14: input ends in a dictionary, expected a key or 'e'",
        "d5:piecei0ee | ut_metadata message has no msg_type",
        "d8:msg_typei0ee | ut_metadata message has no piece",
        "d8:msg_type1:05:piecei0ee | ut_metadata msg_type is a string, expected an integer",
        "d8:msg_typei0e5:piece1:0e | ut_metadata piece is a string, expected an integer",
        "d8:msg_typei0e5:piecei-1ee | ut_metadata request for piece -1, beyond a metadata of at most 33554432 bytes",
        "d8:msg_typei0e5:piecei2048ee | ut_metadata request for piece 2048, beyond a metadata of at most 33554432 bytes",
        "d8:msg_typei2e5:piecei0eexyz | ut_metadata reject has 3 bytes after its dictionary",
        "d8:msg_typei0e5:piecei0ee0 | ut_metadata request has 1 bytes after its dictionary",
        "d8:msg_typei1e5:piecei0ee | ut_metadata message has no total_size",
        "d8:msg_typei1e5:piecei0e10:total_sizei0ee | ut_metadata data with total_size 0",
        "d8:msg_typei1e5:piecei0e10:total_sizei4294967296ee | ut_metadata total_size 4294967296 exceeds the limit of 33554432 bytes",
        "d8:msg_typei1e5:piecei1e10:total_sizei3ee | ut_metadata data for piece 1 of a metadata of 1 pieces (total_size 3)",
        "d8:msg_typei1e5:piecei0e10:total_sizei3eexy | ut_metadata data for piece 0 carries 2 bytes, expected 3 (total_size 3)",
        "d8:msg_typei1e5:piecei0e10:total_sizei3eexyzw | ut_metadata data for piece 0 carries 4 bytes, expected 3 (total_size 3)",
        "d8:msg_typei1e5:piecei0e10:total_sizei20000ee | ut_metadata data for piece 0 carries 0 bytes, expected 16384 (total_size 20000)",
    })
    void refusesMalformedMessagesNamingTheRule(String payload, String message) {
        assertThatThrownBy(() -> MetadataMessage.decode(ascii(payload))).isInstanceOf(WireException.class)
                .hasMessage(message);
    }

    @Test
    void aSmallerLimitIsTheCallers() throws Exception {
        byte[] data = new MetadataMessage.Data(0, 100, new byte[100]).encode();
        assertThat(MetadataMessage.decode(data, 100)).isPresent();
        assertThatThrownBy(() -> MetadataMessage.decode(data, 99))
                .hasMessage("ut_metadata total_size 100 exceeds the limit of 99 bytes");
    }

    @Test
    void theRecordsRefuseWhatCannotBeSent() {
        assertThatThrownBy(() -> new MetadataMessage.Request(-1)).hasMessage("piece -1 is negative");
        assertThatThrownBy(() -> new MetadataMessage.Data(0, 20000, new byte[100]))
                .hasMessage("piece 0 of 100 bytes, expected 16384");
        assertThatThrownBy(() -> new MetadataMessage.Data(2, 20000, new byte[0]))
                .hasMessage("piece 2 of metadata of 2 pieces");
        assertThatThrownBy(() -> new MetadataMessage.Request(0).toMessage(0))
                .hasMessage("extended id 0 is not an extension's (0 is the handshake)");
    }

    @Property(tries = 500)
    void everyMessageDecodesToWhatWasEncoded(@ForAll("messages") MetadataMessage message) throws Exception {
        assertThat(MetadataMessage.decode(message.encode())).hasValue(message);
    }

    @Provide
    Arbitrary<MetadataMessage> messages() {
        Arbitrary<Integer> piece = Arbitraries.integers().between(0, 2047);
        Arbitrary<MetadataMessage> data = Arbitraries.longs().between(1, 5L * 16384).flatMap(total ->
                Arbitraries.integers().between(0, MetadataMessage.pieceCount(total) - 1).flatMap(p ->
                        Arbitraries.bytes().array(byte[].class).ofSize(MetadataMessage.pieceLength(total, p))
                                .map(b -> (MetadataMessage) new MetadataMessage.Data(p, total, b))));
        return Arbitraries.oneOf(piece.map(MetadataMessage.Request::new), piece.map(MetadataMessage.Reject::new), data);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void mutatedMessagesDecodeOrFailWithAWireException() {
        Random random = new Random(5);
        byte[][] seeds = {read("lt-metadata-data-1.bin"), read("lt-metadata-reject-2.bin"),
            new MetadataMessage.Request(7).encode(), new MetadataMessage.Data(1, 16390, new byte[6]).encode()};
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] seed = seeds[random.nextInt(seeds.length)];
            byte[] payload = Arrays.copyOf(seed, random.nextInt(8) == 0 ? random.nextInt(seed.length + 1) : seed.length);
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips && payload.length > 0; f++) {
                // Mostly in the dictionary, where the rules are.
                int at = random.nextInt(Math.min(payload.length, 60));
                payload[at] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                MetadataMessage.decode(payload);
                decoded++;
            } catch (WireException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(decoded).isPositive();
    }
}
