package dev.spate.engine;

import dev.spate.core.InfoHash;
import dev.spate.metainfo.Metainfo;
import dev.spate.tracker.ScrapeResult;
import dev.spate.tracker.Tracker;
import dev.spate.tracker.TrackerConfig;
import dev.spate.tracker.TrackerException;
import dev.spate.tracker.Trackers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Asks a torrent's trackers how big its swarm is (BEP 48 over HTTP, BEP 15 over UDP). */
public final class Scrapes {
    private Scrapes() {
    }

    /**
     * Scrapes every tracker of {@code metainfo} at once, each within {@code timeout}, and reports
     * each one's answer or error, in the torrent's tracker order. Blocks until all are done.
     */
    public static List<ScrapeReport> scrape(Metainfo metainfo, Duration timeout) throws InterruptedException {
        InfoHash hash = InfoHash.of(metainfo.infoHash());
        // Not Duration.dividedBy, which divides as a BigDecimal (a costly class to initialise).
        TrackerConfig config = TrackerConfig.defaults().withTimeouts(timeout, timeout)
                .withUdpRetransmission(Duration.ofNanos(timeout.toNanos() / 2), 2);
        List<String> urls = metainfo.trackers();
        List<ScrapeReport> reports = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ScrapeReport>> futures = new ArrayList<>();
            for (String url : urls) {
                futures.add(pool.submit(() -> scrapeOne(url, hash, config)));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    reports.add(futures.get(i).get());
                } catch (java.util.concurrent.ExecutionException e) {
                    reports.add(new ScrapeReport(Announcer.safe(urls.get(i)), -1, -1, -1, Optional.of(Messages.message(e))));
                }
            }
        }
        return reports;
    }

    private static ScrapeReport scrapeOne(String url, InfoHash hash, TrackerConfig config) {
        String shown = Announcer.safe(url);
        try {
            Tracker tracker = Trackers.forUrl(url, config);
            Map<InfoHash, ScrapeResult> answer = tracker.scrape(List.of(hash));
            ScrapeResult r = answer.get(hash);
            if (r == null) {
                return new ScrapeReport(shown, -1, -1, -1, Optional.of("tracker does not know this torrent"));
            }
            return new ScrapeReport(shown, r.seeders(), r.completed(), r.leechers(), Optional.empty());
        } catch (TrackerException e) {
            return new ScrapeReport(shown, -1, -1, -1, Optional.of(e.getMessage()));
        }
    }
}
