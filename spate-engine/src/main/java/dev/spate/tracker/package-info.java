/**
 * Tracker clients: HTTP announce and scrape (BEP 3, 7, 23, 48), UDP announce and scrape (BEP 15),
 * and multitracker tiers (BEP 12). Each call blocks its (virtual) thread with bounded timeouts and
 * returns an immutable result record or throws a {@link dev.spate.tracker.TrackerException} whose
 * message says what went wrong. No scheduling threads of its own: {@link
 * dev.spate.tracker.AnnounceSchedule} is a pure class the engine asks when to announce next.
 * Imports only {@code core}, {@code bencode} and the JDK.
 */
package dev.spate.tracker;
