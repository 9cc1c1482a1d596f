package dev.spate.metainfo;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps ranges of a torrent's byte stream (the files concatenated in order, BEP 3) onto the files
 * they cover. Pieces may cross file boundaries; zero-length files cover nothing and never appear
 * in a result. BEP 47 pad files are files here like any other: their spans are in the results,
 * and a storage knows them by {@link FileEntry#isPad()}. Immutable and thread-safe.
 */
public final class FileLayout {
    private final TorrentInfo info;
    private final long[] starts;
    private final long total;

    FileLayout(TorrentInfo info) {
        this.info = info;
        List<FileEntry> files = info.files();
        this.starts = new long[files.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = files.get(i).offset();
        }
        this.total = info.totalLength();
    }

    /** The file spans that {@code length} bytes at {@code begin} within {@code piece} cover. */
    public List<FileSpan> spans(int piece, int begin, int length) {
        int size = info.pieceSize(piece);
        if (begin < 0 || length < 0 || begin + length > size || begin + length < 0) {
            throw new IndexOutOfBoundsException("range [" + begin + ", +" + length + ") outside piece " + piece + " of " + size + " bytes");
        }
        return spans((long) piece * info.pieceLength() + begin, length);
    }

    /** The file spans that {@code length} bytes at {@code offset} in the byte stream cover. */
    public List<FileSpan> spans(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > total) {
            throw new IndexOutOfBoundsException("range [" + offset + ", +" + length + ") outside " + total + " bytes");
        }
        List<FileSpan> out = new ArrayList<>(2);
        if (length == 0) {
            return out;
        }
        int file = fileAt(offset);
        long pos = offset;
        long end = offset + length;
        List<FileEntry> files = info.files();
        while (pos < end) {
            FileEntry f = files.get(file);
            long fileEnd = f.end();
            if (fileEnd > pos) {
                int n = (int) (Math.min(end, fileEnd) - pos);
                out.add(new FileSpan(file, pos - f.offset(), n, (int) (pos - offset)));
                pos += n;
            }
            file++;
        }
        return out;
    }

    /** Index of the first non-empty file containing byte {@code offset} of the stream. */
    private int fileAt(long offset) {
        int lo = 0;
        int hi = starts.length - 1;
        // the last file whose start <= offset
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        // Zero-length files share their start with the next file; step back to the first file
        // at this start so the loop above skips the empty ones in order.
        while (lo > 0 && starts[lo - 1] == starts[lo]) {
            lo--;
        }
        return lo;
    }

    /**
     * Whether the {@code length} bytes at {@code begin} within {@code piece} lie wholly in BEP 47 pad
     * files: zeros known in advance, which need not be asked of peers (BEP 47) nor read from disk.
     */
    public boolean isPadding(int piece, int begin, int length) {
        List<FileSpan> spans = spans(piece, begin, length);
        if (spans.isEmpty()) {
            return false;
        }
        for (FileSpan s : spans) {
            if (!info.files().get(s.fileIndex()).isPad()) {
                return false;
            }
        }
        return true;
    }

    /** The pieces that overlap file {@code fileIndex}, as [first, last]; empty files give first > last. */
    public int[] pieceRange(int fileIndex) {
        FileEntry f = info.files().get(fileIndex);
        if (f.length() == 0) {
            return new int[] {1, 0};
        }
        return new int[] {(int) (f.offset() / info.pieceLength()), (int) ((f.end() - 1) / info.pieceLength())};
    }
}
