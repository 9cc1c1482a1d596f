package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The config file: its precedence under flags, its keys checked against the options, its mistakes named. */
class ConfigTest {
    @TempDir
    Path tmp;

    Path write(String name, String toml) throws IOException {
        return Files.writeString(tmp.resolve(name), toml);
    }

    /** Parses {@code args} with {@code toml} as the config file, and returns the download command as parsed. */
    DownloadCommand download(String toml, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setDefaultValueProvider(new ConfigDefaults(cl, Optional.of(ConfigFile.parse(tmp.resolve("c.toml"), toml))));
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return (DownloadCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void aFlagWinsOverTheFileAndTheFileOverTheBuiltInDefault() {
        String toml = "port = 7000\ndownload-limit = \"5M\"\n";
        assertThat(download(toml, "download", "x.torrent").network.port).isEqualTo(7000);
        assertThat(download(toml, "download", "x.torrent", "--port", "1").network.port).isEqualTo(1);
        assertThat(download(toml, "download", "x.torrent").network.downloadLimit).isEqualTo("5M");
        assertThat(download("", "download", "x.torrent").network.port).as("neither: the command's own default").isNull();
    }

    @Test
    void aCommandsTableWinsOverTheTopLevelAndAppliesToThatCommandAlone() throws Exception {
        String toml = "port = 7000\n[download]\nport = 7001\noutput = \"~/Downloads\"\npeers = true\n";
        DownloadCommand d = download(toml, "download", "x.torrent");
        assertThat(d.network.port).isEqualTo(7001);
        assertThat(d.peerTable).isTrue();
        assertThat(d.output).as("~ is the home directory").isEqualTo(Path.of(System.getProperty("user.home"), "Downloads"));
        Path file = write("c.toml", toml);
        Cli.Result shown = Cli.runIn(Map.of("SPATE_CONFIG", file.toString()), "config");
        assertThat(shown.exitCode()).isZero();
        assertThat(shown.out()).contains("# config file: " + file + " ($SPATE_CONFIG)")
                .contains("[download]\noutput = \"" + System.getProperty("user.home") + "/Downloads\"  # " + file + " [download]")
                .contains("port = 7001  # " + file + " [download]")
                .contains("[seed]").contains("port = 7000  # " + file + "\n");
    }

    @Test
    void anUnknownKeyATableThatIsNoCommandAWrongTypeAndAListAreRefusedByName() {
        Path c = tmp.resolve("c.toml");
        assertThatThrownBy(() -> download("prot = 1\n", "download", "x")).hasMessageStartingWith(c + ": unknown setting prot (settings: ");
        assertThatThrownBy(() -> download("[downlaod]\nport = 1\n", "download", "x"))
                .hasMessageStartingWith(c + ": [downlaod] is not a command with settings");
        assertThatThrownBy(() -> download("[seed]\noutput = \"x\"\n", "download", "x"))
                .hasMessageStartingWith(c + ": unknown setting output in [seed]");
        assertThatThrownBy(() -> download("port = \"many\"\n", "download", "x"))
                .hasMessage(c + ": port = \"many\": expected a whole number");
        assertThatThrownBy(() -> download("[download]\npeers = 1\n", "download", "x"))
                .hasMessage(c + ": peers in [download] = 1: expected true or false");
        assertThatThrownBy(() -> download("[download]\npeer = \"127.0.0.1:1\"\n", "download", "x"))
                .hasMessageContaining("peer in [download]").hasMessageEndingWith("give them on the command line");
    }

    @Test
    void aSyntaxErrorNamesTheFileAndTheLineAndTheCommandFailsWithOneLine() throws Exception {
        Path file = write("broken.toml", "port = 7000\nbind = \n");
        Cli.Result r = Cli.runIn(Map.of(), "--config", file.toString(), "download", "x.torrent");
        assertThat(r.exitCode()).isEqualTo(Main.FAILURE);
        assertThat(r.errLines()).singleElement().asString().startsWith("spate: config file " + file + ": line 2: ")
                .endsWith("(--no-config reads none)");
    }

    @Test
    void whichFileIsReadConfigBeforeTheVariableBeforeTheDefaultPlaceAndNoConfigReadsNone() throws Exception {
        Path xdg = Files.createDirectories(tmp.resolve("xdg/spate"));
        Files.writeString(xdg.resolve("config.toml"), "port = 1\n");
        Path viaEnv = write("env.toml", "port = 2\n");
        Path viaFlag = write("flag.toml", "port = 3\n");
        Map<String, String> onlyXdg = Map.of("XDG_CONFIG_HOME", tmp.resolve("xdg").toString());
        Map<String, String> both = Map.of("XDG_CONFIG_HOME", tmp.resolve("xdg").toString(), "SPATE_CONFIG", viaEnv.toString());
        assertThat(Cli.runIn(onlyXdg, "config").out()).contains("port = 1  #");
        assertThat(Cli.runIn(both, "config").out()).contains("port = 2  #");
        assertThat(Cli.runIn(both, "config", "--config", viaFlag.toString()).out()).contains("port = 3  #");
        assertThat(Cli.runIn(both, "--no-config", "config").out()).contains("# config file: none (--no-config)")
                .doesNotContain("port = ");
        assertThat(Cli.runIn(Map.of("XDG_CONFIG_HOME", tmp.resolve("empty").toString()), "config").out())
                .as("no file at the default place is fine").contains("(not found: none read)");
        Cli.Result missing = Cli.runIn(Map.of("SPATE_CONFIG", tmp.resolve("gone.toml").toString()), "config");
        assertThat(missing.exitCode()).isEqualTo(Main.FAILURE);
        assertThat(missing.err()).contains(tmp.resolve("gone.toml") + ": no such file");
    }

    @Command(name = "demo")
    static final class Demo implements Runnable {
        @Option(names = "--no-lsd")
        boolean noLsd;

        @Override
        public void run() {
        }
    }

    @Command(name = "root", subcommands = Demo.class)
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aFlagThatSwitchesSomethingOffIsASettingNamedForWhatItSwitches() {
        for (boolean on : new boolean[] {true, false}) {
            CommandLine cl = new CommandLine(new Root());
            cl.setDefaultValueProvider(new ConfigDefaults(cl,
                    Optional.of(ConfigFile.parse(tmp.resolve("c.toml"), "lsd = " + on + "\n"))));
            Demo demo = (Demo) cl.parseArgs("demo").subcommand().commandSpec().userObject();
            assertThat(demo.noLsd).as("lsd = %s", on).isEqualTo(!on);
        }
    }

    @Test
    void aFileFarLargerThanAnyConfigIsRefused() throws IOException {
        Path big = tmp.resolve("big.toml");
        Files.write(big, new byte[(int) ConfigFile.MAX_BYTES + 1]);
        assertThatThrownBy(() -> ConfigFile.read(big, true)).hasMessageContaining("larger than");
    }
}
