/**
 * Integration-test fixtures that run real reference BitTorrent clients (test code only; run by failsafe as
 * {@code *IT} classes). Every fixture is {@link java.lang.AutoCloseable}, bounded in time, logs to
 * {@code target/it-logs/}, and talks only to 127.0.0.1 or to a {@link dev.spate.it.NetNamespace} it made.
 *
 * <p>Client behaviour the fixtures rely on (checked on Debian 12 packages):
 * <ul>
 *   <li>python3-libtorrent 2.0.8 is built for the system Python: run {@code /usr/bin/python3}, not the
 *       first {@code python3} on the PATH (a pyenv shim here). {@code create_torrent} makes v1+v2 hybrids
 *       unless given {@code create_torrent.v1_only}; lt_peer.py creates v1-only torrents by default.</li>
 *   <li>Transmission 3.00 does not dial peers in 127.0.0.0/8 that it learns from a tracker ("Got N peers
 *       from tracker", then no connection); it does accept incoming connections from 127.0.0.1 and serves
 *       them. transmission-remote cannot add a peer by address. Tests that need it to dial out run it in a
 *       namespace with 198.18.0.x addresses. A Transmission seed sends its first block only at its next
 *       rechoke, up to about 10 s after the handshake. A seed with no peers shows state "Idle".</li>
 *   <li>Debian's opentracker is built in whitelist mode: unknown info-hashes get "Requested download is not
 *       authorized" over HTTP and no answer over UDP; see {@link dev.spate.it.Opentracker#allow}. The
 *       {@code -i} before {@code -p}/{@code -P} picks the address they bind. Run as root it chroots to
 *       {@code -d} and becomes nobody.</li>
 *   <li>mktorrent 1.1 requires an announce URL ({@link dev.spate.it.Mktorrent#DEAD_TRACKER} otherwise).</li>
 *   <li>aria2c cannot be given a peer: it finds peers through trackers only.</li>
 *   <li>rtorrent 0.9.8 (libtorrent 0.13.8) runs headless with {@code -n -o import=FILE} and
 *       {@code system.daemon.set = true}: no terminal needed, no fork (the pid started is the daemon), stdout
 *       only "Ignoring rtorrent.rc."; its own log goes to {@code log.open_file} (level "debug" is needed for
 *       tracker and handshake lines; "info" shows only thread start and stop). {@code -h} lists a few flags,
 *       everything else is a {@code key.set = value} command, also over XML-RPC: SCGI on a Unix socket
 *       ({@code network.scgi.open_local}, reached from the host JVM even when rtorrent runs in a namespace).
 *       {@code schedule2 = NAME, SECONDS, 0, ((system.shutdown.normal))} bounds its life. It has no UPnP, LSD
 *       or uTP; {@code dht.mode.set = disable}, {@code protocol.pex.set = no}.</li>
 *   <li>rtorrent dials peers in 127.0.0.0/8 that a tracker gives (unlike Transmission) and accepts incoming
 *       ones. opentracker's answers include the announcing peer itself, which rtorrent dials and drops ("is
 *       self"); and rtorrent keys its peers by IP address without the port: with itself and a seed both on
 *       127.0.0.1, when it dialled itself first it never tried the seed (once in three runs). Tests with
 *       other peers give it an address of its own in a {@link dev.spate.it.NetNamespace}; opentracker lists
 *       it at its bind address. It listens as soon as it starts, before any torrent is loaded. Once the last
 *       piece arrives it hashes the whole torrent again ({@code pieces.hash.on_completion}, default yes):
 *       done is {@code d.complete} 1 with {@code d.hashing} 0. {@code p.port} of a peer that dialled rtorrent
 *       is the source port of that connection, not the peer's listening port.</li>
 *   <li>rtorrent keeps to the tracker's interval (opentracker: about 1800 s with a random part; 1954 s seen):
 *       after an answer with no usable peer it logs "Start requesting" but did not announce again in 200 s.
 *       A tracker that refuses connections is retried after 5, 10, 20, 40 s. opentracker scrapes a torrent
 *       nobody announced as {@code d5:filesdee}.</li>
 *   <li>libtorrent and aria2 create the zero-length files of a multi-file torrent (Transmission as a leech:
 *       not checked).</li>
 *   <li>nginx 1.22.1 ({@link dev.spate.it.Nginx}) runs as one root process with
 *       {@code daemon off; master_process off} (no www-data worker, so it reads root's temp dirs); {@code -e}
 *       moves the error log it opens before reading the config, so nothing touches {@code /var/log/nginx}.
 *       Debian's package does not start a service on install here ({@code policy-rc.d} denies it). It answers
 *       {@code Range: bytes=a-b} with 206 and {@code Content-Range: bytes a-b/LENGTH}, also for a range that
 *       is the whole file; a range that runs past the end is cut to the end (the Content-Range shows the
 *       real length); one that starts past the end is 416 with {@code bytes }{@code *}{@code /LENGTH}. It
 *       decodes percent-escapes in the path (UTF-8 names, {@code %26}, {@code %2B} served), and its
 *       {@code $request_uri} logs the path as sent.</li>
 * </ul>
 */
package dev.spate.it;
