package dev.spate.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FileLayoutTest {

    /** A torrent of files with {@code lengths}, in pieces of {@code pieceLength}. */
    static TorrentInfo info(int pieceLength, long... lengths) {
        List<FileEntry> files = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < lengths.length; i++) {
            files.add(new FileEntry(List.of("f" + i), lengths[i], offset));
            offset += lengths[i];
        }
        int pieces = (int) ((offset + pieceLength - 1) / pieceLength);
        return new TorrentInfo("t", pieceLength, new byte[pieces * 20], files, true, false);
    }

    @Test
    void splitsPiecesAtFileBoundaries() {
        TorrentInfo t = info(16, 10, 20, 5);
        FileLayout layout = t.layout();
        assertThat(layout.spans(0, 0, 16)).containsExactly(new FileSpan(0, 0, 10, 0), new FileSpan(1, 0, 6, 10));
        assertThat(layout.spans(1, 0, 16)).containsExactly(new FileSpan(1, 6, 14, 0), new FileSpan(2, 0, 2, 14));
        assertThat(layout.spans(2, 0, 3)).containsExactly(new FileSpan(2, 2, 3, 0));
    }

    @Test
    void hasAShortLastPiece() {
        TorrentInfo t = info(16, 10, 20, 5);
        assertThat(t.pieceCount()).isEqualTo(3);
        assertThat(t.pieceSize(0)).isEqualTo(16);
        assertThat(t.pieceSize(2)).isEqualTo(3);
        assertThatThrownBy(() -> t.layout().spans(2, 0, 4)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("range [0, +4) outside piece 2 of 3 bytes");
    }

    @Test
    void skipsZeroLengthFilesFirstMiddleAndLast() {
        TorrentInfo t = info(8, 0, 10, 0, 10, 0);
        FileLayout layout = t.layout();
        assertThat(layout.spans(0, 0, 8)).containsExactly(new FileSpan(1, 0, 8, 0));
        assertThat(layout.spans(1, 0, 8)).containsExactly(new FileSpan(1, 8, 2, 0), new FileSpan(3, 0, 6, 2));
        assertThat(layout.spans(2, 0, 4)).containsExactly(new FileSpan(3, 6, 4, 0));
        assertThat(layout.spans(0L, 20)).containsExactly(new FileSpan(1, 0, 10, 0), new FileSpan(3, 0, 10, 10));
    }

    @Test
    void startsInTheFileAfterEmptyFilesAtABoundary() {
        FileLayout layout = info(16, 10, 0, 0, 10).layout();
        assertThat(layout.spans(10L, 5)).containsExactly(new FileSpan(3, 0, 5, 0));
    }

    @Test
    void mapsARangeInsideOneFile() {
        FileLayout layout = info(64, 100, 100).layout();
        assertThat(layout.spans(0, 10, 20)).containsExactly(new FileSpan(0, 10, 20, 0));
        assertThat(layout.spans(2, 5, 10)).containsExactly(new FileSpan(1, 33, 10, 0));
    }

    @Test
    void mapsARangeAcrossThreeFiles() {
        FileLayout layout = info(32, 10, 5, 10).layout();
        assertThat(layout.spans(8L, 10)).containsExactly(new FileSpan(0, 8, 2, 0), new FileSpan(1, 0, 5, 2), new FileSpan(2, 0, 3, 7));
    }

    @Test
    void mapsAnEmptyRangeToNothing() {
        assertThat(info(16, 10).layout().spans(0, 4, 0)).isEmpty();
    }

    @Test
    void rejectsRangesOutsideTheTorrent() {
        FileLayout layout = info(16, 10, 20).layout();
        assertThatThrownBy(() -> layout.spans(25L, 6)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("range [25, +6) outside 30 bytes");
        assertThatThrownBy(() -> layout.spans(-1L, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> layout.spans(2, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessage("piece 2 outside [0, 2)");
        assertThatThrownBy(() -> layout.spans(0, 10, Integer.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void givesThePiecesOverlappingEachFile() {
        FileLayout layout = info(8, 0, 10, 0, 10, 0).layout();
        assertThat(layout.pieceRange(1)).containsExactly(0, 1);
        assertThat(layout.pieceRange(3)).containsExactly(1, 2);
        int[] empty = layout.pieceRange(2);
        assertThat(empty[0]).isGreaterThan(empty[1]);
    }

    @Property(tries = 300)
    void spansTileTheRangeExactlyAndStayInsideTheirFiles(@ForAll("lengths") List<Long> lengths,
            @ForAll @IntRange(min = 1, max = 40) int pieceLength, @ForAll @IntRange(min = 0, max = 1000) int a,
            @ForAll @IntRange(min = 0, max = 1000) int b) {
        long[] ls = lengths.stream().mapToLong(Long::longValue).toArray();
        long total = lengths.stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return;
        }
        TorrentInfo t = info(pieceLength, ls);
        long offset = Math.min(a, b) % (total + 1);
        int length = (int) Math.min(Math.abs(a - b), total - offset);
        List<FileSpan> spans = t.layout().spans(offset, length);
        int covered = 0;
        for (FileSpan s : spans) {
            FileEntry f = t.files().get(s.fileIndex());
            assertThat(s.length()).isPositive();
            assertThat(s.rangeOffset()).isEqualTo(covered);
            assertThat(f.offset() + s.fileOffset()).isEqualTo(offset + covered);
            assertThat(s.fileOffset() + s.length()).isLessThanOrEqualTo(f.length());
            covered += s.length();
        }
        assertThat(covered).isEqualTo(length);
    }

    @Provide
    Arbitrary<List<Long>> lengths() {
        return Arbitraries.oneOf(Arbitraries.just(0L), Arbitraries.longs().between(0, 60)).list().ofMinSize(1).ofMaxSize(8);
    }
}
