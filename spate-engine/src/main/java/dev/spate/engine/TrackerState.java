package dev.spate.engine;

import java.util.Optional;

/**
 * One tracker of a torrent, as last heard from.
 *
 * @param url the announce URL (its query string, which may hold a passkey, is never shown)
 * @param tier its BEP 12 tier, 0 first
 * @param status "working", "error" or "not contacted"
 * @param peers peers it gave in its last answer
 * @param message the error or warning it last gave, if any
 * @param nextAnnounceSeconds seconds until it is asked again, or -1 if not scheduled
 */
public record TrackerState(String url, int tier, String status, int peers, Optional<String> message,
                           long nextAnnounceSeconds) {
}
