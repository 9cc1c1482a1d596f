package dev.spate.daemon;

import dev.spate.engine.FileStatus;
import dev.spate.engine.PeerEncryption;
import dev.spate.engine.PeerStats;
import dev.spate.engine.PieceSet;
import dev.spate.engine.TorrentStatus;
import dev.spate.engine.TrackerState;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The torrent-get fields of the queue, the seeding limits, the counters kept over restarts, and the
 * tables Transmission's web client and Sonarr read (trackers, peers, pieces, ...); a part of
 * {@link TransmissionRpc}'s fields kept apart. Only fields the daemon has honest figures for are
 * answered: {@code peersFrom} (where peers came from) is not, as the engine does not say.
 *
 * <p>Stateless; any thread.
 */
final class TorrentFields {
    private TorrentFields() {
    }

    /**
     * Puts field {@code name} of {@code t} into {@code o} when it is one of these.
     *
     * @param peers the torrent's peers, taken only when a field needs them
     * @return whether it was
     */
    static boolean put(ObjectNode o, String name, Torrents.Torrent t, Supplier<List<PeerStats>> peers) {
        TorrentStatus s = t.status();
        TorrentBook b = t.book();
        TorrentStore.Counters c = b.counters();
        switch (name) {
            case "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited", "honorsSessionLimits",
                 "bandwidthPriority", "labels", "seedRatioLimit", "seedRatioMode", "seedIdleLimit", "seedIdleMode",
                 "peer-limit", "sequentialDownload" -> {
                ObjectNode all = JsonValues.MAPPER.createObjectNode();
                b.settings().toJson(all);
                o.set(name, all.get(name));
            }
            case "maxConnectedPeers" -> o.put(name, b.settings().peerLimit());
            case "queuePosition" -> o.put(name, b.queuePosition());
            case "isStalled" -> o.put(name, b.stalled());
            case "isFinished" -> o.put(name, b.finished());
            case "uploadedEver" -> o.put(name, c.uploadedEver());
            case "downloadedEver" -> o.put(name, c.downloadedEver());
            // Transmission's tr_getRatio of uploaded over downloaded, or over the verified bytes when
            // nothing was downloaded: -1 (TR_RATIO_NA) for nothing either way, -2 (TR_RATIO_INF) for x/0.
            case "uploadRatio" -> {
                long base = c.downloadedEver() > 0 ? c.downloadedEver() : s.bytesVerified();
                o.put(name, base > 0 ? (double) c.uploadedEver() / base : c.uploadedEver() > 0 ? -2.0 : -1.0);
            }
            case "secondsDownloading" -> o.put(name, c.secondsDownloading());
            case "secondsSeeding" -> o.put(name, c.secondsSeeding());
            case "activityDate" -> o.put(name, c.activityDate());
            case "doneDate" -> o.put(name, c.doneDate());
            case "editDate" -> o.put(name, c.editDate());
            case "startDate" -> o.put(name, b.startDate());
            case "fileCount", "file-count" -> o.put(name, s.files().size());
            case "primary-mime-type" -> o.put(name, primaryMimeType(s));
            case "group" -> o.put(name, ""); // no bandwidth groups: Transmission's "" (none)
            case "pieces" -> o.put(name, pieces(s.verifiedPieces()));
            case "webseeds" -> {
                ArrayNode a = o.putArray(name);
                s.webSeeds().forEach(w -> a.add(w.url()));
            }
            case "trackers" -> {
                ArrayNode a = o.putArray(name);
                int id = 0;
                for (TrackerState tr : s.trackers()) {
                    a.addObject().put("announce", tr.url()).put("id", id++).put("scrape", "")
                            .put("sitename", host(tr.url())).put("tier", tr.tier());
                }
            }
            case "trackerList" -> {
                StringBuilder sb = new StringBuilder();
                int tier = -1;
                for (TrackerState tr : s.trackers()) {
                    if (tier >= 0) {
                        sb.append(tr.tier() != tier ? "\n\n" : "\n");
                    }
                    sb.append(tr.url());
                    tier = tr.tier();
                }
                o.put(name, sb.toString());
            }
            case "trackerStats" -> {
                ArrayNode a = o.putArray(name);
                int id = 0;
                for (TrackerState tr : s.trackers()) {
                    boolean working = tr.status().equals("working");
                    boolean contacted = !tr.status().equals("not contacted");
                    a.addObject().put("announce", tr.url()).put("host", host(tr.url())).put("id", id++)
                            .put("tier", tr.tier()).put("sitename", host(tr.url())).put("scrape", "")
                            .put("hasAnnounced", contacted).put("lastAnnounceSucceeded", working)
                            .put("lastAnnounceResult", tr.message().orElse(working ? "Success" : ""))
                            .put("lastAnnouncePeerCount", tr.peers())
                            .put("nextAnnounceTime", tr.nextAnnounceSeconds() < 0 ? 0
                                    : java.time.Instant.now().getEpochSecond() + tr.nextAnnounceSeconds())
                            // Transmission's tr_tracker_state: 0 inactive, 1 waiting.
                            .put("announceState", tr.nextAnnounceSeconds() < 0 ? 0 : 1)
                            .put("isBackup", false);
                }
            }
            case "peers" -> {
                ArrayNode a = o.putArray(name);
                int count = s.pieceCount();
                for (PeerStats p : peers.get()) {
                    boolean encrypted = p.encryption() == PeerEncryption.RC4;
                    a.addObject().put("address", p.address().getAddress().getHostAddress())
                            .put("port", p.address().getPort()).put("clientName", p.client())
                            .put("clientIsChoked", p.choked()).put("clientIsInterested", p.interesting())
                            .put("peerIsChoked", p.chokingUs()).put("peerIsInterested", p.interestedInUs())
                            .put("isDownloadingFrom", !p.chokingUs() && p.interesting())
                            .put("isUploadingTo", !p.choked() && p.interestedInUs())
                            .put("isIncoming", !p.outgoing()).put("isEncrypted", encrypted)
                            .put("isUTP", false)
                            .put("progress", count == 0 ? 0.0 : (double) p.piecesItHas() / count)
                            .put("rateToClient", p.downloadRate()).put("rateToPeer", p.uploadRate())
                            .put("flagStr", flags(p, encrypted));
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Transmission's bitfield of the pieces verified: the first piece the high bit of the first byte, in base64. */
    static String pieces(PieceSet verified) {
        byte[] bits = new byte[(verified.size() + 7) / 8];
        for (int i = verified.nextIn(0); i >= 0 && i < verified.size(); i = verified.nextIn(i + 1)) {
            bits[i >>> 3] |= (byte) (0x80 >>> (i & 7));
        }
        return Base64.getEncoder().encodeToString(bits);
    }

    /** The largest file's type from its name, as Transmission guesses it; "application/octet-stream" when unknown. */
    static String primaryMimeType(TorrentStatus s) {
        FileStatus largest = null;
        for (FileStatus f : s.files()) {
            if (largest == null || f.length() > largest.length()) {
                largest = f;
            }
        }
        String type = largest == null ? null : java.net.URLConnection.guessContentTypeFromName(largest.path());
        return type != null ? type : "application/octet-stream";
    }

    private static String host(String url) {
        try {
            String h = URI.create(url).getHost();
            return h != null ? h : "";
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** Transmission's flag letters: D downloading, d we want but it chokes us, U uploading, u it wants but we choke, E encrypted, I incoming. */
    private static String flags(PeerStats p, boolean encrypted) {
        StringBuilder f = new StringBuilder();
        if (p.interesting()) {
            f.append(p.chokingUs() ? 'd' : 'D');
        }
        if (p.interestedInUs()) {
            f.append(p.choked() ? 'u' : 'U');
        }
        if (encrypted) {
            f.append('E');
        }
        if (!p.outgoing()) {
            f.append('I');
        }
        return f.toString();
    }
}
