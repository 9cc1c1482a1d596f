package dev.spate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fixtures clean up after themselves, also on a thread a timeout has interrupted. */
class FixtureCleanupIT {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closingKillsTheWholeProcessTreeEvenWhenInterrupted() {
        ExternalProcess p = ExternalProcess.start("tree", List.of("bash", "-c",
                "sleep 300 & sleep 300 & echo READY; wait"), tmp);
        p.waitForLine("^READY$", Duration.ofSeconds(10));
        List<ProcessHandle> children = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
        assertThat(children).hasSizeGreaterThanOrEqualTo(2);

        Thread.currentThread().interrupt();
        p.close();
        assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();

        assertThat(p.isAlive()).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closingANamespaceKillsWhatRunsInsideAndDeletesItEvenWhenInterrupted() throws Exception {
        NetNamespace ns = NetNamespace.create(2);
        assertThat(ns.run(List.of("ip", "-4", "addr", "show", "dev", "lo")).output())
                .contains("198.18.0.1/24", "198.18.0.2/24", "127.0.0.1/8");
        // Started without a fixture that would close it: the namespace must end it.
        Path log = Files.createFile(tmp.resolve("sleeper.log"));
        Process inside = new ProcessBuilder(ns.exec(List.of("sleep", "300")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();

        Thread.currentThread().interrupt();
        ns.close();
        assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();

        assertThat(inside.waitFor(5, TimeUnit.SECONDS)).as("process inside ended").isTrue();
        assertThat(ExternalProcess.runChecked(Duration.ofSeconds(5), List.of("ip", "netns", "list")).output())
                .doesNotContain(ns.name());
    }
}
