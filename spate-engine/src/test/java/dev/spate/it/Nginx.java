package dev.spate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An {@code nginx} (Debian's package) serving a document root on 127.0.0.1 at a free port, for web
 * seed tests: a real server's answers to range requests (206 with {@code Content-Range}, 416, 404).
 *
 * <p>It runs in the foreground as one process ({@code daemon off; master_process off}): no worker
 * that would drop to www-data and fail to read a root-owned temp dir, nothing left behind when the
 * one process is killed. Everything it writes stays in {@code workDir} (config, pid file, temp
 * paths) or in {@code target/it-logs} (its error log, given with {@code -e} so it never opens
 * {@code /var/log/nginx}, and an access log of one line per request:
 * {@code URI RANGE STATUS BYTES}).
 *
 * <p>Besides the document root ({@link #docRoot()}) it has three fixed locations:
 * <ul>
 *   <li>{@code /slow/...}: the same files, sent at {@value #SLOW_BYTES_PER_SECOND} bytes a second
 *       ({@code limit_rate}), for deadlines;</li>
 *   <li>{@code /paced/...}: the same files, each answer sent at {@value #PACED_BYTES_PER_SECOND}
 *       bytes a second, for a web seed that does not outrun a peer;</li>
 *   <li>{@code /busy/...}: every request answered 503 with {@code Retry-After:
 *       }{@value #BUSY_RETRY_AFTER_SECONDS};</li>
 *   <li>{@code /loop/...}: every request redirected (302) to itself, a redirect loop.</li>
 * </ul>
 */
public final class Nginx implements AutoCloseable {
    /** The rate of {@code /slow/}. */
    public static final int SLOW_BYTES_PER_SECOND = 1024;
    /** The rate of each answer from {@code /paced/}. */
    public static final int PACED_BYTES_PER_SECOND = 256 * 1024;
    /** The {@code Retry-After} of {@code /busy/}, in seconds. */
    public static final int BUSY_RETRY_AFTER_SECONDS = 120;

    private final ExternalProcess process;
    private final Path docRoot;
    private final Path accessLog;
    private final int port;

    private Nginx(ExternalProcess process, Path docRoot, Path accessLog, int port) {
        this.process = process;
        this.docRoot = docRoot;
        this.accessLog = accessLog;
        this.port = port;
    }

    /** Starts nginx with its files under {@code workDir}; waits (10 s at most) until it accepts connections. */
    public static Nginx start(Path workDir) {
        Path root = workDir.toAbsolutePath();
        Path docRoot = root.resolve("www");
        Path errorLog = ExternalProcess.newLogFile("nginx-error");
        Path accessLog = ExternalProcess.newLogFile("nginx-access");
        int port = freePort();
        try {
            Files.createDirectories(docRoot);
            Files.createDirectories(root.resolve("tmp"));
            Files.writeString(root.resolve("nginx.conf"), config(root, docRoot, errorLog, accessLog, port),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExternalProcess p = ExternalProcess.start("nginx", List.of("nginx", "-e", errorLog.toString(),
                "-p", root + "/", "-c", root.resolve("nginx.conf").toString()), root);
        try {
            p.waitForPort("127.0.0.1", port, Duration.ofSeconds(10));
            return new Nginx(p, docRoot, accessLog, port);
        } catch (RuntimeException | AssertionError e) {
            p.close();
            throw new AssertionError(e.getMessage() + "\nnginx error log:\n" + read(errorLog), e);
        }
    }

    private static String config(Path root, Path docRoot, Path errorLog, Path accessLog, int port) {
        String tmp = root.resolve("tmp").toString();
        return """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %2$s info;
                events { worker_connections 64; }
                http {
                    log_format range '$request_uri "$http_range" $status $body_bytes_sent';
                    access_log %3$s range;
                    client_body_temp_path %4$s/body;
                    proxy_temp_path %4$s/proxy;
                    fastcgi_temp_path %4$s/fastcgi;
                    uwsgi_temp_path %4$s/uwsgi;
                    scgi_temp_path %4$s/scgi;
                    types { }
                    default_type application/octet-stream;
                    server {
                        listen 127.0.0.1:%5$d;
                        root %6$s;
                        location /slow/ { alias %6$s/; limit_rate %7$d; }
                        location /paced/ { alias %6$s/; limit_rate %9$d; }
                        location /busy/ { add_header Retry-After %8$d always; return 503; }
                        location /loop/ { return 302 $uri; }
                    }
                }
                """.formatted(root, errorLog, accessLog, tmp, port, docRoot, SLOW_BYTES_PER_SECOND,
                BUSY_RETRY_AFTER_SECONDS, PACED_BYTES_PER_SECOND);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "<cannot read " + file + ": " + e + ">";
        }
    }

    /** The directory served at {@code /} (and at {@code /slow/}). */
    public Path docRoot() {
        return docRoot;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path} (which starts with '/'). */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** The access log's lines so far: {@code URI "RANGE" STATUS BYTES} each, in order. */
    public List<String> accessLog() {
        return read(accessLog).lines().toList();
    }

    public ExternalProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.close();
    }
}
