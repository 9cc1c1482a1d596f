package dev.spate.engine;

import java.util.Optional;

/**
 * What one tracker says of a torrent's swarm (BEP 48 scrape), or why it said nothing.
 *
 * @param url the tracker
 * @param seeders peers with the whole torrent
 * @param completed downloads the tracker has seen finish
 * @param leechers peers still downloading
 * @param error why the scrape failed, if it did (the counts are then -1)
 */
public record ScrapeReport(String url, int seeders, int completed, int leechers, Optional<String> error) {
}
