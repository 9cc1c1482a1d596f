package dev.spate.storage;

import dev.spate.core.InfoHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The move journal's bytes: what is written is read back, and anything else is refused. */
@Timeout(10)
class MoveJournalTest {
    private static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    private static final InfoHash OTHER = InfoHash.fromHex("fedcba9876543210fedcba9876543210fedcba98");
    private static final MoveJournal.Entry ENTRY = new MoveJournal.Entry(MoveJournal.Phase.MOVING, HASH,
            Path.of("/data/old"), Path.of("/data/néw dir"));

    @TempDir
    Path tmp;

    @Test
    void bytesAreAsTheFormatSays() {
        byte[] bytes = MoveJournal.encode(ENTRY);
        byte[] from = "/data/old".getBytes(StandardCharsets.UTF_8);
        byte[] to = "/data/néw dir".getBytes(StandardCharsets.UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(8 + 2 + 1 + 20 + 2 + from.length + 2 + to.length + 4);
        expected.put("SPATEMOV".getBytes(StandardCharsets.US_ASCII)).putShort((short) 1).put((byte) 1).put(HASH.bytes())
                .putShort((short) from.length).put(from).putShort((short) to.length).put(to);
        CRC32 crc = new CRC32();
        crc.update(expected.array(), 0, expected.position());
        expected.putInt((int) crc.getValue());
        assertThat(bytes).isEqualTo(expected.array());
    }

    @Test
    void bothPhasesRoundTrip() throws IOException {
        assertThat(MoveJournal.decode(MoveJournal.encode(ENTRY), HASH)).isEqualTo(ENTRY);
        MoveJournal.Entry moved = ENTRY.in(MoveJournal.Phase.MOVED);
        assertThat(MoveJournal.decode(MoveJournal.encode(moved), HASH)).isEqualTo(moved);
    }

    @Test
    void anEntryHoldsAbsoluteNormalizedPaths() {
        MoveJournal.Entry e = new MoveJournal.Entry(MoveJournal.Phase.MOVING, HASH, Path.of("/a/./b/../c"),
                Path.of("rel"));
        assertThat(e.from()).isEqualTo(Path.of("/a/c"));
        assertThat(e.to()).isAbsolute().endsWithRaw(Path.of("rel"));
    }

    @Test
    void everyFlippedByteIsRefused() {
        byte[] good = MoveJournal.encode(ENTRY);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x40;
            int at = i;
            assertThatThrownBy(() -> MoveJournal.decode(bad, HASH)).as("byte %d flipped", at)
                    .isInstanceOf(ResumeFile.Corrupt.class);
        }
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] good = MoveJournal.encode(ENTRY);
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThatThrownBy(() -> MoveJournal.decode(cut, HASH)).isInstanceOf(ResumeFile.Corrupt.class);
        }
    }

    @Test
    void anotherTorrentsJournalIsRefused() {
        assertThatThrownBy(() -> MoveJournal.decode(MoveJournal.encode(ENTRY), OTHER))
                .isInstanceOf(ResumeFile.Corrupt.class).hasMessageContaining("records torrent " + HASH.hex());
    }

    @Test
    void aRelativePathOrBadPhaseWithAGoodChecksumIsRefused() {
        byte[] bytes = MoveJournal.encode(ENTRY);
        bytes[10] = 3; // phase 3
        assertThatThrownBy(() -> MoveJournal.decode(withCrc(bytes), HASH)).hasMessage("phase 3");
        byte[] relative = MoveJournal.encode(ENTRY);
        relative[8 + 2 + 1 + 20 + 2] = 'x'; // "/data/old" -> "xdata/old"
        assertThatThrownBy(() -> MoveJournal.decode(withCrc(relative), HASH))
                .hasMessage("the from path xdata/old is not absolute");
    }

    private static byte[] withCrc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    @Test
    void writtenAtomicallyAndReadBack() throws IOException {
        Path file = tmp.resolve("j.move");
        assertThat(MoveJournal.read(file, HASH)).isEmpty();
        MoveJournal.write(file, ENTRY);
        MoveJournal.write(file, ENTRY.in(MoveJournal.Phase.MOVED));
        assertThat(MoveJournal.read(file, HASH)).contains(ENTRY.in(MoveJournal.Phase.MOVED));
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("j.move"); // no temporary left
        }
    }
}
