package dev.spate.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import dev.spate.engine.SessionConfig;
import dev.spate.engine.TorrentHandle;
import dev.spate.engine.TorrentState;
import dev.spate.metainfo.MetainfoParser;
import dev.spate.metainfo.TorrentCreator;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser: Debian's Chromium, headless, driven through Debian's chromedriver
 * (given by path, so nothing is downloaded), against a daemon in this JVM whose torrents come from
 * a Spate seed found through a loopback tracker. The browser is kept off every network but
 * loopback: its background services are switched off, and any request not to loopback goes to a
 * proxy address where nothing listens.
 *
 * <p>Screenshots of the list and of the detail view are written to {@code target/webui/}, and
 * also to the directory {@code -Dspate.screenshots=DIR} names (the README's come from there).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WebUiIT {
    static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    LoopbackTracker tracker;
    Session seed;
    Session daemon;
    Torrents torrents;
    RpcServer rpc;
    WebDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        tracker = new LoopbackTracker();
        seed = Session.open(config(tmp.resolve("seed-state")).uploadRateLimit(4_000_000).build());
        daemon = Session.open(config(tmp.resolve("daemon-state")).build());
        torrents = new Torrents(daemon, Files.createDirectories(tmp.resolve("downloads")));
        rpc = RpcServer.start(torrents, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Optional.empty());
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                "--no-pings", "--dns-prefetch-disable", "--metrics-recording-only",
                "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
                // Loopback goes direct (Chromium never proxies it); anything else to a closed port.
                "--proxy-server=http://127.0.0.1:9", "--user-data-dir=" + tmp.resolve("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // The list is drawn again at each poll: an element found may go stale before it is read.
        wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        for (AutoCloseable c : new AutoCloseable[] {rpc, daemon, seed, tracker}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others still close
            }
        }
    }

    static SessionConfig.Builder config(Path state) {
        return SessionConfig.builder().bindAddress(InetAddress.getLoopbackAddress()).listenPort(0).stateDirectory(state)
                .localDiscovery(false).dht(false);
    }

    /** A torrent of {@code files} (name, length) of random bytes, seeded; its .torrent bytes. */
    byte[] seeded(String name, Object... files) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("seed").resolve(name));
        Random random = new Random(name.hashCode());
        for (int i = 0; i < files.length; i += 2) {
            byte[] b = new byte[(Integer) files[i + 1]];
            random.nextBytes(b);
            Files.write(root.resolve((String) files[i]), b);
        }
        byte[] torrent = TorrentCreator.builder(root).tracker(tracker.url()).pieceLength(65536).build().create();
        TorrentHandle h = seed.add(MetainfoParser.parse(torrent), tmp.resolve("seed"));
        await("the seed has " + name, () -> h.status().state() == TorrentState.SEEDING);
        return torrent;
    }

    static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    String page() {
        return "http://127.0.0.1:" + rpc.address().getPort() + "/";
    }

    WebElement row(int id) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#torrents tbody tr[data-id='" + id + "']")));
    }

    String text(int id, String column) {
        return row(id).findElement(By.cssSelector("td." + column)).getText();
    }

    /** Ticks the row's box (a click on a box the poll just drew again is tried again). */
    void select(int id) {
        wait.until(d -> {
            WebElement box = row(id).findElement(By.cssSelector("input[type=checkbox]"));
            box.click();
            return true;
        });
    }

    /** Clicks what {@code find} finds, again when the poll replaced it under the click. */
    void click(java.util.function.Function<WebDriver, WebElement> find) {
        wait.until(d -> {
            find.apply(d).click();
            return true;
        });
    }

    void act(String action) {
        browser.findElement(By.cssSelector(".toolbar [data-action='" + action + "']")).click();
    }

    void screenshot(String name) throws Exception {
        Path png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path dir = Files.createDirectories(Path.of("target/webui"));
        Files.copy(png, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        String also = System.getProperty("spate.screenshots");
        if (also != null && !also.isBlank()) {
            Files.copy(png, Files.createDirectories(Path.of(also)).resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void aPersonAddsByMagnetAndByUploadDeselectsAFilePausesResumesAndRemovesWithData() throws Exception {
        byte[] album = seeded("Album", "one.flac", 700_001, "two.flac", 500_003);
        byte[] film = seeded("Film", "film.mkv", 1_400_007, "extras.bin", 300_011);
        String albumHash = dev.spate.core.InfoHash.of(MetainfoParser.parse(album).infoHash()).hex().toLowerCase(Locale.ROOT);
        Path filmTorrent = tmp.resolve("Film.torrent");
        Files.write(filmTorrent, film);

        browser.get(page());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));

        // By magnet link: the metadata comes from the seed, then the data, to 100%.
        String magnet = "magnet:?xt=urn:btih:" + albumHash + "&dn=Album&tr="
                + URLEncoder.encode(tracker.url(), StandardCharsets.UTF_8);
        browser.findElement(By.id("add-link")).sendKeys(magnet);
        browser.findElement(By.id("add-button")).click();
        wait.until(d -> text(1, "progress").equals("100%"));
        wait.until(d -> text(1, "state").equals("Seeding"));
        assertThat(text(1, "name")).isEqualTo("Album");
        assertThat(Files.readAllBytes(tmp.resolve("downloads/Album/one.flac")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("seed/Album/one.flac")));

        // By upload, paused, so a file can be deselected before anything is fetched.
        browser.findElement(By.id("add-paused")).click();
        browser.findElement(By.id("add-file")).sendKeys(filmTorrent.toString());
        browser.findElement(By.id("add-button")).click();
        wait.until(d -> text(2, "state").equals("Stopped"));
        click(d -> row(2).findElement(By.cssSelector("td.name button")));
        click(d -> d.findElements(By.cssSelector("#files tbody tr")).stream()
                .filter(r -> r.getText().contains("extras.bin")).findFirst().orElseThrow()
                .findElement(By.cssSelector("input.wanted")));
        await("extras.bin unwanted", () -> !torrents.get(2).orElseThrow().wanted().get(fileIndex(2, "extras.bin")));
        select(2);
        act("start");
        wait.until(d -> text(2, "progress").equals("100%"));
        assertThat(Files.readAllBytes(tmp.resolve("downloads/Film/film.mkv")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("seed/Film/film.mkv")));
        assertThat(tmp.resolve("downloads/Film/extras.bin")).as("deselected: never created").doesNotExist();
        wait.until(d -> !d.findElements(By.cssSelector("#files tbody tr")).isEmpty());
        screenshot("webui-detail.png");

        // Keyboard: Escape closes the detail view; Enter on a name opens it.
        browser.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("detail")));
        screenshot("webui-list.png");
        wait.until(d -> {
            row(1).findElement(By.cssSelector("td.name button")).sendKeys(Keys.ENTER);
            return true;
        });
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("detail")));
        wait.until(d -> d.findElement(By.id("detail-title")).getText().equals("Album"));
        // Its other tabs: the tracker it announced to, and every piece verified.
        click(d -> d.findElement(By.id("tab-trackers")));
        wait.until(d -> d.findElement(By.cssSelector("#trackers tbody")).getText().contains(tracker.url()));
        click(d -> d.findElement(By.id("tab-pieces")));
        wait.until(d -> d.findElement(By.id("piece-summary")).getText().matches("([1-9]\\d*) of \\1 pieces verified"));
        click(d -> d.findElement(By.id("tab-files")));
        browser.findElement(By.id("detail-close")).sendKeys(Keys.ENTER);

        // The session's download limit, set in the limits dialog, is the daemon's.
        click(d -> d.findElement(By.id("open-limits")));
        WebElement down = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("limit-down")));
        down.clear();
        down.sendKeys("750");
        if (!browser.findElement(By.id("limit-down-on")).isSelected()) {
            browser.findElement(By.id("limit-down-on")).click();
        }
        browser.findElement(By.id("limits-save")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("limits")));
        String settings = sessionGet();
        assertThat(settings).contains("\"speed-limit-down\":750").contains("\"speed-limit-down-enabled\":true");

        // Pause and resume the album.
        select(2); // the film was ticked to start it: untick it
        select(1);
        act("stop");
        // Stopped by hand: "Stopped"; Transmission's "Finished" is a seeding limit reached.
        wait.until(d -> text(1, "state").equals("Stopped"));
        assertThat(torrents.get(1).orElseThrow().status().state()).isEqualTo(TorrentState.PAUSED);
        act("start");
        wait.until(d -> text(1, "state").equals("Seeding"));

        // Remove the film with its data.
        select(1); // untick the album
        select(2);
        act("remove-data");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElements(By.cssSelector("#torrents tbody tr[data-id='2']")).isEmpty());
        await("the film's data deleted", () -> !Files.exists(tmp.resolve("downloads/Film")));
        assertThat(torrents.list()).extracting(Torrents.Torrent::id).containsExactly(1);
        assertThat(tmp.resolve("downloads/Album/one.flac")).exists();
    }

    /** session-get's answer, through the RPC as any client asks it. */
    String sessionGet() throws Exception {
        String body = "{\"method\":\"session-get\"}";
        String id = Http.send(rpc.address(), "POST", RpcServer.PATH, body).header(RpcServer.SESSION_ID_HEADER);
        return Http.send(rpc.address(), "POST", RpcServer.PATH, body, RpcServer.SESSION_ID_HEADER + ": " + id).body();
    }

    int fileIndex(int id, String name) {
        return torrents.get(id).orElseThrow().status().files().stream().filter(f -> f.path().endsWith(name))
                .findFirst().orElseThrow().index();
    }

    @Test
    void whatTheDaemonRefusesIsShownWhereItWasAskedAndThePageFitsAPhone() throws Exception {
        browser.get(page());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));
        browser.findElement(By.id("add-link")).sendKeys("magnet:?xt=urn:btih:not-a-hash");
        browser.findElement(By.id("add-button")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("add-error")));
        assertThat(error.getText()).containsIgnoringCase("magnet");
        assertThat(error.getAttribute("role")).isEqualTo("alert");
        assertThat(torrents.list()).isEmpty();

        act("stop");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("action-error"))).getText())
                .contains("Select one or more torrents");

        byte[] album = seeded("Album", "one.flac", 200_001);
        browser.findElement(By.id("add-link")).clear(); // the refused link stays there to be put right
        Files.write(tmp.resolve("a.torrent"), album);
        browser.findElement(By.id("add-file")).sendKeys(tmp.resolve("a.torrent").toString());
        browser.findElement(By.id("add-button")).click();
        wait.until(d -> text(1, "progress").equals("100%"));
        browser.findElement(By.id("add-file")).sendKeys(tmp.resolve("a.torrent").toString());
        browser.findElement(By.id("add-button")).click();
        wait.until(d -> d.findElement(By.id("add-error")).getText().contains("already added"));

        browser.manage().window().setSize(new Dimension(390, 844));
        try {
            wait.until(d -> (Boolean) ((JavascriptExecutor) d).executeScript(
                    "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"));
        } catch (org.openqa.selenium.TimeoutException e) {
            Object wide = ((JavascriptExecutor) browser).executeScript("""
                    return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
                        > document.documentElement.clientWidth).map(e => e.tagName + '#' + e.id + '.' + e.className
                        + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12).join(', ')""");
            throw new AssertionError("wider than a phone: " + wide, e);
        }
        assertThat(row(1).findElement(By.cssSelector("td.name")).isDisplayed()).isTrue();
        assertThat(row(1).findElement(By.cssSelector("td.ratio")).isDisplayed()).as("a narrow screen drops the ratio").isFalse();
    }

    @Test
    void thePageKeepsToItselfAndUnknownPathsAre404() throws Exception {
        Http.Response index = Http.send(rpc.address(), "GET", "/", null);
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(index.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(index.body()).contains("<script type=\"module\" src=\"/web/app.js\">");
        assertThat(Http.send(rpc.address(), "GET", "/web/app.js", null).header("Content-Type")).startsWith("text/javascript");
        assertThat(Http.send(rpc.address(), "GET", "/web/nothing.js", null).status()).isEqualTo(404);
        assertThat(Http.send(rpc.address(), "GET", "/etc/passwd", null).status()).isEqualTo(404);
        assertThat(Http.send(rpc.address(), "GET", "/", null, "Host: rebound.example").status()).isEqualTo(421);
        assertThat(List.of(index.body().split("\n"))).noneMatch(l -> l.contains("<script>"));
    }
}
