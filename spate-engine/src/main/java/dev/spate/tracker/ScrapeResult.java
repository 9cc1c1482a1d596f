package dev.spate.tracker;

/**
 * What a scrape says about one torrent (BEP 48 {@code complete}, {@code downloaded}, {@code
 * incomplete}; BEP 15 seeders, completed, leechers).
 */
public record ScrapeResult(int seeders, int completed, int leechers) {
}
