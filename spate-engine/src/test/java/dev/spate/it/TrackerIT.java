package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.core.InfoHash;
import dev.spate.core.PeerId;
import dev.spate.tracker.AnnounceRequest;
import dev.spate.tracker.AnnounceResponse;
import dev.spate.tracker.ScrapeResult;
import dev.spate.tracker.Tracker;
import dev.spate.tracker.TrackerConfig;
import dev.spate.tracker.Trackers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Our HTTP and UDP tracker clients against a real opentracker on 127.0.0.1. */
class TrackerIT {
    static final TrackerConfig CONFIG = TrackerConfig.defaults()
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5))
            .withUdpRetransmission(Duration.ofSeconds(1), 3);

    static InfoHash randomHash() {
        byte[] b = new byte[20];
        new SecureRandom().nextBytes(b);
        return InfoHash.of(b);
    }

    /** A seeder announces, then a leecher: the leecher gets the seeder back, and scrape counts both. */
    static void twoPeersFindEachOther(Opentracker opentracker, String url) throws Exception {
        InfoHash hash = randomHash();
        opentracker.allow(hash.hex());
        Tracker tracker = Trackers.forUrl(url, CONFIG);

        AnnounceResponse first = tracker.announce(AnnounceRequest.of(hash, PeerId.random(), 40001, 0, 0, 0,
                AnnounceRequest.Event.STARTED, 1));
        // opentracker may hand a peer back its own address, so the first answer is not checked for emptiness.
        assertThat(first.peers()).doesNotContain(new InetSocketAddress("127.0.0.1", 40002));
        assertThat(first.interval()).isPositive();

        AnnounceResponse second = tracker.announce(AnnounceRequest.of(hash, PeerId.random(), 40002, 0, 0, 1000,
                AnnounceRequest.Event.STARTED, 2));
        assertThat(second.peers()).contains(new InetSocketAddress("127.0.0.1", 40001));
        assertThat(second.seeders()).hasValue(1);
        assertThat(second.leechers()).hasValue(1);

        Map<InfoHash, ScrapeResult> scrape = tracker.scrape(List.of(hash));
        assertThat(scrape).containsKey(hash);
        assertThat(scrape.get(hash).seeders()).isEqualTo(1);
        assertThat(scrape.get(hash).leechers()).isEqualTo(1);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void overHttpTheSecondPeerIsToldOfTheFirstAndScrapeCountsThem(@TempDir Path work) throws Exception {
        try (Opentracker opentracker = Opentracker.start(work)) {
            twoPeersFindEachOther(opentracker, opentracker.httpAnnounce());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void overUdpTheSecondPeerIsToldOfTheFirstAndScrapeCountsThem(@TempDir Path work) throws Exception {
        try (Opentracker opentracker = Opentracker.start(work)) {
            twoPeersFindEachOther(opentracker, opentracker.udpAnnounce());
        }
    }
}
