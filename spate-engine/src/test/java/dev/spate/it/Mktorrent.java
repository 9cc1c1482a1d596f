package dev.spate.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Creates .torrent files with {@code mktorrent} 1.1 (v1 only, no creation date for reproducibility). */
public final class Mktorrent {

    /**
     * mktorrent insists on at least one announce URL; for torrents whose peers are given by hand, this one
     * (loopback, a port nothing listens on) is used: an announce there fails at once and harms nothing.
     */
    public static final String DEAD_TRACKER = "http://127.0.0.1:1/announce";

    private Mktorrent() {
    }

    /**
     * Creates {@code out} from {@code content} (file or folder) with pieces of 2^{@code pieceLengthExp} bytes
     * (15 to 28) and the given announce URLs, each its own tier ({@link #DEAD_TRACKER} if none).
     */
    public static Path create(Path content, Path out, int pieceLengthExp, List<String> trackers) {
        List<String> cmd = new ArrayList<>(List.of("mktorrent", "--no-date", "--threads=1",
                "--piece-length=" + pieceLengthExp, "--output=" + out.toAbsolutePath()));
        for (String t : trackers.isEmpty() ? List.of(DEAD_TRACKER) : trackers) {
            cmd.add("--announce=" + t);
        }
        cmd.add(content.toAbsolutePath().toString());
        ExternalProcess.runChecked(Duration.ofSeconds(60), cmd);
        return out;
    }
}
