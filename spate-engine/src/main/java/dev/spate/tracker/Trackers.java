package dev.spate.tracker;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Makes the right {@link Tracker} for an announce URL. */
public final class Trackers {
    private Trackers() {
    }

    /**
     * An {@link HttpTracker} for http and https, a {@link UdpTracker} for udp (BEP 15).
     *
     * @throws TrackerException for a malformed URL or another scheme (wss, for example)
     */
    public static Tracker forUrl(String url, TrackerConfig config) throws TrackerException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new TrackerException("malformed tracker URL " + url + ": " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            throw new TrackerException("tracker URL " + url + " has no host");
        }
        return switch (scheme) {
            case "http", "https" -> new HttpTracker(uri, config);
            case "udp" -> new UdpTracker(uri, config);
            default -> throw new TrackerException("unsupported tracker scheme '" + scheme + "' in " + url);
        };
    }
}
