package dev.spate.metainfo;

import dev.spate.bencode.BDictionary;
import dev.spate.bencode.BList;
import dev.spate.bencode.BString;
import dev.spate.bencode.BValue;
import dev.spate.bencode.Bencode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates a v1 .torrent file (BEP 3) from a file or a directory, hashing on several threads.
 *
 * <pre>{@code
 * byte[] torrent = TorrentCreator.builder(Path.of("photos"))
 *         .tracker("udp://tracker.example:6969/announce")
 *         .build()
 *         .create();
 * }</pre>
 *
 * <p><b>What goes in.</b> A regular file gives a single-file torrent named after it. A directory
 * gives a multi-file torrent named after the directory, holding every regular file below it,
 * hidden ones included (what is shared is decided by what is in the directory, not by naming
 * conventions of one platform). Symbolic links are skipped, neither followed nor stored: following
 * one could reach outside the directory or loop, and BEP 3 has no way to store one. Other special
 * files (devices, sockets, pipes) are skipped too. Files are ordered by their path components
 * compared one by one in Unicode code point order (the order of their UTF-8 bytes), so the same
 * directory gives the same torrent on every platform. A directory without files, or whose files
 * are all empty, is an error.
 *
 * <p><b>Piece length.</b> Unless set, {@link #automaticPieceLength(long)} picks it.
 *
 * <p>A creator can be used any number of times; each {@link #create()} reads the files afresh.
 */
public final class TorrentCreator {
    /** The {@code created by} value written unless another is given. */
    public static final String DEFAULT_CREATED_BY = "Spate 0.1.0";
    /** Smallest piece length chosen or accepted: one 16 KiB block, the unit peers request. */
    public static final int MIN_PIECE_LENGTH = 16 << 10;
    /** Largest piece length the automatic rule chooses. */
    public static final int MAX_AUTOMATIC_PIECE_LENGTH = 16 << 20;
    /** The automatic rule aims for at most this many pieces. */
    public static final int TARGET_MAX_PIECES = 2000;

    /**
     * Told how hashing advances. Called at least once per piece, from the hashing threads but never
     * by two at once, with {@code bytesHashed} rising to {@code totalBytes}. It should return
     * quickly; an exception thrown here aborts {@link #create()}.
     */
    @FunctionalInterface
    public interface CreateProgress {
        /** {@code bytesHashed} of {@code totalBytes} have been hashed. */
        void hashed(long bytesHashed, long totalBytes);
    }

    private final Path source;
    private final int pieceLength; // 0: automatic
    private final List<List<String>> tiers;
    private final List<String> webSeeds;
    private final boolean isPrivate;
    private final String comment;
    private final String createdBy;
    private final Instant creationDate;
    private final CreateProgress progress;
    private final int threads;

    private TorrentCreator(Builder b) {
        this.source = b.source;
        this.pieceLength = b.pieceLength;
        this.tiers = b.tiers.stream().map(List::copyOf).toList();
        this.webSeeds = List.copyOf(b.webSeeds);
        this.isPrivate = b.isPrivate;
        this.comment = b.comment;
        this.createdBy = b.createdBy;
        this.creationDate = b.creationDate;
        this.progress = b.progress;
        this.threads = b.threads;
    }

    /** A builder for a torrent of {@code source}, a regular file or a directory. */
    public static Builder builder(Path source) {
        return new Builder(source);
    }

    /**
     * The piece length chosen for {@code totalBytes} of data: the smallest power of two from
     * 16 KiB to 16 MiB that makes at most {@value #TARGET_MAX_PIECES} pieces, or 16 MiB when
     * even that makes more. Fewer pieces keep the .torrent file and the per-piece bookkeeping
     * small; not fewer than necessary, so a corrupt piece costs little to fetch again.
     */
    public static int automaticPieceLength(long totalBytes) {
        int length = MIN_PIECE_LENGTH;
        while (length < MAX_AUTOMATIC_PIECE_LENGTH && (totalBytes + length - 1) / length > TARGET_MAX_PIECES) {
            length <<= 1;
        }
        return length;
    }

    /**
     * Reads and hashes the source and returns the bytes of the .torrent file.
     *
     * @throws IOException if the source cannot be read, holds no data, has a file name that cannot
     *     be stored safely, or changes size while being hashed
     */
    public byte[] create() throws IOException {
        List<SourceFile> files = listFiles();
        long total = 0;
        for (SourceFile f : files) {
            total = Math.addExact(total, f.length);
        }
        if (total == 0) {
            throw new IOException("nothing to share in " + source + ": every file is empty");
        }
        int length = pieceLength != 0 ? pieceLength : automaticPieceLength(total);
        byte[] pieces = new Hasher(files, total, length).hashAll();
        return Bencode.encode(metainfo(files, length, pieces));
    }

    /** {@link #create()}, parsed: the torrent as the rest of the engine sees it. */
    public Metainfo createMetainfo() throws IOException {
        try {
            return MetainfoParser.parse(create());
        } catch (MetainfoException e) {
            throw new IllegalStateException("created a torrent the parser rejects: " + e.getMessage(), e);
        }
    }

    private BDictionary metainfo(List<SourceFile> files, int length, byte[] pieces) {
        BDictionary.Builder info = BDictionary.builder()
                .put("name", name())
                .put("piece length", length)
                .put("pieces", pieces);
        if (files.size() == 1 && files.get(0).path.isEmpty()) {
            info.put("length", files.get(0).length);
        } else {
            List<BValue> entries = new ArrayList<>(files.size());
            for (SourceFile f : files) {
                entries.add(BDictionary.builder()
                        .put("length", f.length)
                        .put("path", BList.of(f.path.stream().map(BString::of).toList()))
                        .build());
            }
            info.put("files", BList.of(entries));
        }
        if (isPrivate) {
            info.put("private", 1); // BEP 27
        }
        BDictionary.Builder top = BDictionary.builder().put("info", info.build());
        if (!tiers.isEmpty()) {
            top.put("announce", tiers.get(0).get(0));
            // BEP 12: a second tracker needs the list; with one, 'announce' alone says it all.
            if (tiers.size() > 1 || tiers.get(0).size() > 1) {
                top.put("announce-list", BList.of(tiers.stream()
                        .map(t -> (BValue) BList.of(t.stream().map(BString::of).toList())).toList()));
            }
        }
        if (webSeeds.size() == 1) {
            top.put("url-list", webSeeds.get(0)); // BEP 19 allows a single string
        } else if (!webSeeds.isEmpty()) {
            top.put("url-list", BList.of(webSeeds.stream().map(BString::of).toList()));
        }
        if (comment != null) {
            top.put("comment", comment);
        }
        if (createdBy != null) {
            top.put("created by", createdBy);
        }
        if (creationDate != null) {
            top.put("creation date", creationDate.getEpochSecond());
        }
        return top.build();
    }

    private String name() {
        Path fileName = source.toAbsolutePath().normalize().getFileName();
        return fileName == null ? "" : fileName.toString();
    }

    // ---- listing ----

    /** A file to share: where it is, its path in the torrent (empty for a single-file torrent), its length. */
    private record SourceFile(Path file, List<String> path, long length) {
    }

    private List<SourceFile> listFiles() throws IOException {
        String name = name();
        String problem = MetainfoParser.componentProblem(name);
        if (problem != null) {
            throw new IOException("cannot name a torrent after " + source + ": " + problem);
        }
        BasicFileAttributes attrs = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isRegularFile()) {
            return List.of(new SourceFile(source, List.of(), attrs.size()));
        }
        if (!attrs.isDirectory()) {
            throw new IOException(source + " is neither a regular file nor a directory");
        }
        List<SourceFile> files = new ArrayList<>();
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                if (a.isRegularFile()) {
                    List<String> path = new ArrayList<>();
                    for (Path p : source.relativize(file)) {
                        String component = p.toString();
                        String bad = MetainfoParser.componentProblem(component);
                        if (bad != null) {
                            throw new IOException("cannot store " + file + " in a torrent: " + bad);
                        }
                        path.add(component);
                    }
                    files.add(new SourceFile(file, List.copyOf(path), a.size()));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (files.isEmpty()) {
            throw new IOException("nothing to share in " + source + ": the directory holds no regular files");
        }
        files.sort(Comparator.comparing(SourceFile::path, TorrentCreator::comparePaths));
        return files;
    }

    /** Component by component, each by its UTF-8 bytes unsigned, which is code point order. */
    static int comparePaths(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Arrays.compareUnsigned(a.get(i).getBytes(StandardCharsets.UTF_8), b.get(i).getBytes(StandardCharsets.UTF_8));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    // ---- hashing ----

    /**
     * Hashes every piece. Worker threads take the next unhashed piece from a shared counter, so a
     * slow file never leaves the other threads idle, and read it with positional reads, which
     * need no shared file position and so no locking. Each worker writes its digests into
     * disjoint 20-byte slots of one array; the executor's completion makes them visible here.
     */
    private final class Hasher {
        private final List<SourceFile> files;
        private final long[] starts;
        private final long total;
        private final int length;
        private final int pieceCount;
        private final byte[] pieces;
        private final AtomicInteger nextPiece = new AtomicInteger();
        private final AtomicBoolean failed = new AtomicBoolean();
        private final Object progressLock = new Object();
        private long hashed; // guarded by progressLock

        Hasher(List<SourceFile> files, long total, int length) throws IOException {
            this.files = files;
            this.total = total;
            this.length = length;
            long count = (total + length - 1) / length;
            if (count * 20 > Integer.MAX_VALUE - 64) {
                throw new IOException(total + " bytes in pieces of " + length + " is too many pieces; choose a larger piece length");
            }
            this.pieceCount = (int) count;
            this.pieces = new byte[pieceCount * 20];
            this.starts = new long[files.size()];
            long offset = 0;
            for (int i = 0; i < starts.length; i++) {
                starts[i] = offset;
                offset += files.get(i).length;
            }
        }

        byte[] hashAll() throws IOException {
            int n = Math.min(threads, pieceCount);
            ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
                Thread t = new Thread(r, "spate-torrent-hasher");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Void>> futures = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    futures.add(pool.submit(this::work));
                }
                for (Future<Void> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                failed.set(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while hashing " + source);
            } catch (ExecutionException e) {
                failed.set(true);
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IOException(cause);
            } finally {
                pool.shutdownNow();
            }
            return pieces;
        }

        private Void work() throws IOException {
            MessageDigest sha1 = sha1();
            ByteBuffer buffer = ByteBuffer.allocate(length);
            Reader reader = new Reader();
            try {
                int piece;
                while (!failed.get() && (piece = nextPiece.getAndIncrement()) < pieceCount) {
                    long offset = (long) piece * length;
                    int size = (int) Math.min(length, total - offset);
                    buffer.clear().limit(size);
                    reader.read(offset, buffer);
                    buffer.flip();
                    sha1.update(buffer);
                    sha1.digest(pieces, piece * 20, 20);
                    report(size);
                }
            } catch (java.security.DigestException e) {
                throw new IllegalStateException("a 20-byte slot holds a SHA-1 digest", e);
            } catch (IOException | RuntimeException e) {
                failed.set(true);
                throw e;
            } finally {
                reader.close();
            }
            return null;
        }

        private void report(int size) {
            if (progress == null) {
                return;
            }
            // Serialised so the callback sees a rising count and need not be thread-safe itself.
            synchronized (progressLock) {
                hashed += size;
                progress.hashed(hashed, total);
            }
        }

        /** One worker's view of the files: keeps the last file open, since pieces mostly stay in one. */
        private final class Reader {
            private int openIndex = -1;
            private FileChannel open;

            void read(long offset, ByteBuffer into) throws IOException {
                int file = fileAt(offset);
                long pos = offset;
                while (into.hasRemaining()) {
                    SourceFile f = files.get(file);
                    long inFile = pos - starts[file];
                    if (inFile >= f.length) {
                        file++; // past this file's end, or an empty file: the data continues in the next
                        continue;
                    }
                    FileChannel ch = channel(file);
                    int want = (int) Math.min(into.remaining(), f.length - inFile);
                    int oldLimit = into.limit();
                    into.limit(into.position() + want);
                    long filePos = inFile;
                    while (into.hasRemaining()) {
                        int r = ch.read(into, filePos);
                        filePos += Math.max(r, 0);
                        if (r < 0) {
                            throw new EOFException(f.file + " is shorter than the " + f.length + " bytes it had when listed; was it changed while hashing?");
                        }
                    }
                    into.limit(oldLimit);
                    pos += want;
                    file++;
                }
            }

            private FileChannel channel(int file) throws IOException {
                if (file != openIndex) {
                    close();
                    open = FileChannel.open(files.get(file).file, StandardOpenOption.READ);
                    openIndex = file;
                }
                return open;
            }

            void close() throws IOException {
                if (open != null) {
                    open.close();
                    open = null;
                    openIndex = -1;
                }
            }
        }

        /** Index of the last file starting at or before {@code offset}; empty files are skipped by the reader. */
        private int fileAt(long offset) {
            int i = Arrays.binarySearch(starts, offset);
            if (i < 0) {
                return -i - 2;
            }
            while (i > 0 && starts[i - 1] == offset) {
                i--;
            }
            return i;
        }
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    /**
     * Collects the settings of a {@link TorrentCreator}, checking each as it is given so a mistake
     * is reported where it is made.
     */
    public static final class Builder {
        private final Path source;
        private int pieceLength;
        private final List<List<String>> tiers = new ArrayList<>();
        private final List<String> webSeeds = new ArrayList<>();
        private boolean isPrivate;
        private String comment;
        private String createdBy = DEFAULT_CREATED_BY;
        private Instant creationDate = Instant.now();
        private CreateProgress progress;
        private int threads = Runtime.getRuntime().availableProcessors();

        private Builder(Path source) {
            this.source = Objects.requireNonNull(source, "source");
        }

        /**
         * Sets the piece length instead of choosing it automatically: a power of two from
         * {@value TorrentCreator#MIN_PIECE_LENGTH} to {@link TorrentInfo#MAX_PIECE_LENGTH}.
         */
        public Builder pieceLength(int bytes) {
            if (bytes < MIN_PIECE_LENGTH || bytes > TorrentInfo.MAX_PIECE_LENGTH || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("piece length " + bytes + " is not a power of two from "
                        + MIN_PIECE_LENGTH + " to " + TorrentInfo.MAX_PIECE_LENGTH);
            }
            this.pieceLength = bytes;
            return this;
        }

        /** Adds a tier of trackers (BEP 12): a client tries them in turn before the next tier. */
        public Builder trackerTier(List<String> urls) {
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("empty tracker tier");
            }
            List<String> tier = new ArrayList<>(urls.size());
            for (String url : urls) {
                tier.add(checkUrl(url, "tracker"));
            }
            tiers.add(List.copyOf(tier));
            return this;
        }

        /** Adds a tracker in a tier of its own, after those added before. */
        public Builder tracker(String url) {
            return trackerTier(List.of(url));
        }

        /** Adds a web seed (BEP 19): an HTTP URL serving the files. */
        public Builder webSeed(String url) {
            webSeeds.add(checkUrl(url, "web seed"));
            return this;
        }

        /** Marks the torrent private (BEP 27): clients find peers only through its trackers. */
        public Builder privateFlag(boolean isPrivate) {
            this.isPrivate = isPrivate;
            return this;
        }

        /** A free-text comment, or null for none. */
        public Builder comment(String comment) {
            this.comment = comment;
            return this;
        }

        /** The program that made the torrent, or null for none; {@value TorrentCreator#DEFAULT_CREATED_BY} unless set. */
        public Builder createdBy(String createdBy) {
            this.createdBy = createdBy;
            return this;
        }

        /**
         * The creation date written, to the second, or null to write none (which makes the output
         * depend only on the data and settings). The time the builder was made unless set.
         */
        public Builder creationDate(Instant date) {
            this.creationDate = date;
            return this;
        }

        /** Receives hashing progress; null for none. */
        public Builder progress(CreateProgress progress) {
            this.progress = progress;
            return this;
        }

        /** Threads that hash at once; the number of processors unless set. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** The creator with these settings. */
        public TorrentCreator build() {
            return new TorrentCreator(this);
        }

        private static String checkUrl(String url, String what) {
            Objects.requireNonNull(url, what + " URL");
            if (url.isBlank()) {
                throw new IllegalArgumentException("blank " + what + " URL");
            }
            return url.strip();
        }
    }
}
