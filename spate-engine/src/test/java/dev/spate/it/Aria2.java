package dev.spate.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code aria2c} downloading one .torrent into a folder, peers from trackers only (DHT, LPD and PEX off; aria2
 * has no option to dial a given peer), every socket bound to one interface address (127.0.0.1 by default),
 * no seeding after completion ({@code --seed-time=0}): it exits 0 when the download is complete and
 * verified, non-zero otherwise.
 */
public final class Aria2 implements AutoCloseable {

    /** Options. Defaults: 127.0.0.1, listen ports 46881-46999, give up after 60 s without progress. */
    public static final class Options {
        private NetNamespace namespace;
        private String bindAddress = "127.0.0.1";
        private String listenPorts = "46881-46999";
        private int stopTimeoutSeconds = 60;
        private final List<String> extra = new ArrayList<>();

        public Options in(NetNamespace ns) {
            this.namespace = ns;
            return this;
        }

        /** The address every aria2 socket binds to ({@code --interface}). */
        public Options bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /** {@code --listen-port}, e.g. "6881-6999" or "7000". */
        public Options listenPorts(String ports) {
            this.listenPorts = ports;
            return this;
        }

        /** {@code --bt-stop-timeout}: abort (non-zero exit) after this long with a zero download speed. */
        public Options stopTimeoutSeconds(int seconds) {
            this.stopTimeoutSeconds = seconds;
            return this;
        }

        /** Further aria2c arguments, e.g. "--bt-tracker=URL". */
        public Options arg(String arg) {
            extra.add(arg);
            return this;
        }
    }

    private final ExternalProcess process;

    private Aria2(ExternalProcess process) {
        this.process = process;
    }

    public static Aria2 download(Path torrent, Path dir, Options o) {
        List<String> cmd = new ArrayList<>(List.of("aria2c",
                "--no-conf=true",
                "--dir=" + dir.toAbsolutePath(),
                "--enable-dht=false",
                "--enable-dht6=false",
                "--bt-enable-lpd=false",
                "--enable-peer-exchange=false",
                "--disable-ipv6=true",
                "--interface=" + o.bindAddress,
                "--listen-port=" + o.listenPorts,
                "--seed-time=0",
                "--bt-stop-timeout=" + o.stopTimeoutSeconds,
                "--bt-tracker-connect-timeout=5",
                "--bt-tracker-timeout=10",
                "--bt-save-metadata=false",
                "--file-allocation=none",
                "--allow-overwrite=true",
                "--auto-file-renaming=false",
                "--summary-interval=1",
                "--console-log-level=notice",
                "--enable-color=false",
                "--show-console-readout=false"));
        cmd.addAll(o.extra);
        cmd.add(torrent.toAbsolutePath().toString());
        if (o.namespace != null) {
            cmd = o.namespace.exec(cmd);
        }
        return new Aria2(ExternalProcess.start("aria2c", cmd, null));
    }

    /** Waits for aria2c to exit; fails unless it exited 0 (download complete). */
    public void awaitSuccess(Duration timeout) {
        int code = process.waitForExit(timeout);
        if (code != 0) {
            throw process.failure("exited " + code);
        }
    }

    public ExternalProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
