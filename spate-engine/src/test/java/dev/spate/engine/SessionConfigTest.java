package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class SessionConfigTest {
    @TempDir
    Path tmp;

    /** One bad value of one setting, and the builder's setter given it. */
    record Case(String component, Object bad, Consumer<SessionConfig.Builder> setter) {
    }

    /** One more than a config takes. */
    private static final List<java.net.InetSocketAddress> TOO_MANY_ROUTERS = java.util.stream.IntStream
            .rangeClosed(1, SessionConfig.MAX_DHT_BOOTSTRAP + 1)
            .mapToObj(i -> java.net.InetSocketAddress.createUnresolved("node" + i + ".example", 6881)).toList();
    private static final List<java.net.InetSocketAddress> PORT_ZERO_ROUTER =
            List.of(java.net.InetSocketAddress.createUnresolved("node.example", 0));

    private static final List<Case> BAD = List.of(
            new Case("bindAddress", null, b -> b.bindAddress(null)),
            new Case("listenPort", -1, b -> b.listenPort(-1)),
            new Case("listenPort", 65536, b -> b.listenPort(65536)),
            new Case("maxPeersPerTorrent", 0, b -> b.maxPeersPerTorrent(0)),
            new Case("maxConnections", -3, b -> b.maxConnections(-3)),
            new Case("diskQueueBytes", (1L << 20) - 1, b -> b.diskQueueBytes((1L << 20) - 1)),
            new Case("connectTimeout", null, b -> b.connectTimeout(null)),
            new Case("connectTimeout", Duration.ZERO, b -> b.connectTimeout(Duration.ZERO)),
            new Case("requestTimeout", Duration.ofSeconds(-1), b -> b.requestTimeout(Duration.ofSeconds(-1))),
            new Case("idleTimeout", null, b -> b.idleTimeout(null)),
            new Case("idleTimeout", Duration.ZERO, b -> b.idleTimeout(Duration.ZERO)),
            new Case("uploadSlots", 0, b -> b.uploadSlots(0)),
            new Case("trackerTimeout", null, b -> b.trackerTimeout(null)),
            new Case("trackerTimeout", Duration.ofMillis(-5), b -> b.trackerTimeout(Duration.ofMillis(-5))),
            new Case("udpTrackerAttempts", 0, b -> b.udpTrackerAttempts(0)),
            new Case("udpTrackerAttempts", 10, b -> b.udpTrackerAttempts(10)),
            new Case("downloadRateLimit", -1L, b -> b.downloadRateLimit(-1)),
            new Case("uploadRateLimit", -2L, b -> b.uploadRateLimit(-2)),
            new Case("stateDirectory", null, b -> b.stateDirectory(null)),
            new Case("maxMetadataSize", 16_383L, b -> b.maxMetadataSize(16_383)),
            new Case("maxMetadataSize", (32L << 20) + 1, b -> b.maxMetadataSize((32L << 20) + 1)),
            new Case("dhtBootstrap", null, b -> b.dhtBootstrap(null)),
            new Case("dhtBootstrap", TOO_MANY_ROUTERS, b -> b.dhtBootstrap(TOO_MANY_ROUTERS)),
            new Case("dhtBootstrap", PORT_ZERO_ROUTER, b -> b.dhtBootstrap(PORT_ZERO_ROUTER)),
            new Case("encryption", null, b -> b.encryption(null)));

    private SessionConfig valid() {
        return SessionConfig.builder().localDiscovery(false).dht(false).stateDirectory(tmp.resolve("state")).build();
    }

    /** {@code new SessionConfig(...)} with the components of {@code base}, one of them replaced. */
    private static SessionConfig construct(SessionConfig base, String component, Object value) throws Throwable {
        RecordComponent[] components = SessionConfig.class.getRecordComponents();
        Object[] args = new Object[components.length];
        boolean found = false;
        for (int i = 0; i < components.length; i++) {
            if (components[i].getName().equals(component)) {
                args[i] = value;
                found = true;
            } else {
                args[i] = components[i].getAccessor().invoke(base);
            }
        }
        assertThat(found).as("a component called %s", component).isTrue();
        Constructor<SessionConfig> canonical = SessionConfig.class.getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        try {
            return canonical.newInstance(args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void theConstructorRejectsEveryBadValueWithTheSameMessageAsTheBuilder() {
        SessionConfig base = valid();
        for (Case c : BAD) {
            Throwable fromBuilder = catchThrowable(() -> c.setter().accept(SessionConfig.builder().localDiscovery(false).dht(false)));
            Throwable fromConstructor = catchThrowable(() -> construct(base, c.component(), c.bad()));

            assertThat(fromBuilder).as("the builder given %s = %s", c.component(), c.bad())
                    .isInstanceOfAny(IllegalArgumentException.class, NullPointerException.class)
                    .message().startsWith(c.component());
            assertThat(fromConstructor).as("the constructor given %s = %s", c.component(), c.bad())
                    .isInstanceOf(fromBuilder.getClass())
                    .hasMessage(fromBuilder.getMessage());
        }
    }

    @Test
    void encryptionIsPreferredByDefault() {
        assertThat(valid().encryption()).isEqualTo(EncryptionPolicy.PREFER);
    }

    @Test
    void localServiceDiscoveryIsOnForUsersAndTheBuilderSwitchesItOff() {
        // Only a config that opens no session: tests switch LSD off (LocalDiscoveryTestIsolationTest).
        assertThat(SessionConfig.builder().stateDirectory(tmp).build().localDiscovery()).isTrue();
        assertThat(SessionConfig.builder().localDiscovery(false).dht(false).stateDirectory(tmp).build().localDiscovery()).isFalse();
    }

    @Test
    void theMessagesSayWhatIsWrongWithTheValue() {
        assertThatThrownBy(() -> SessionConfig.builder().localDiscovery(false).dht(false).listenPort(70000))
                .hasMessage("listenPort 70000 outside 0-65535");
        assertThatThrownBy(() -> construct(valid(), "idleTimeout", Duration.ZERO))
                .hasMessage("idleTimeout PT0S is not positive");
        assertThatThrownBy(() -> construct(valid(), "diskQueueBytes", 5L))
                .hasMessage("diskQueueBytes 5 is less than 1 MiB");
    }

    @Test
    void everyGoodValueTheBuilderTakesTheConstructorTakesToo() throws Throwable {
        SessionConfig built = SessionConfig.builder().localDiscovery(false).dht(false).listenPort(0).maxPeersPerTorrent(1).maxConnections(1)
                .diskQueueBytes(1 << 20).connectTimeout(Duration.ofNanos(1)).uploadSlots(1).udpTrackerAttempts(9)
                .downloadRateLimit(0).uploadRateLimit(0).stateDirectory(tmp).build();

        assertThat(construct(built, "listenPort", 65535).listenPort()).isEqualTo(65535);
        assertThat(construct(built, "stateDirectory", tmp)).isEqualTo(built);
    }

    @Test
    void aRelativeStateDirectoryIsMadeAbsoluteAndNormalizedHoweverTheConfigIsMade() throws Throwable {
        Path expected = Path.of("state").toAbsolutePath();

        assertThat(SessionConfig.builder().localDiscovery(false).dht(false).stateDirectory(Path.of("x/../state")).build().stateDirectory())
                .isEqualTo(expected);
        assertThat(construct(valid(), "stateDirectory", Path.of("./state")).stateDirectory()).isEqualTo(expected);
    }

    @Test
    void theStateDirectoryIsUnderAnAbsoluteXdgStateHome() {
        assertThat(SessionConfig.defaultStateDirectory(Map.of("XDG_STATE_HOME", "/srv/state", "HOME", "/home/ann"),
                "/home/jvm")).isEqualTo(Path.of("/srv/state/spate"));
    }

    @Test
    void aRelativeOrEmptyXdgStateHomeIsIgnoredForTheHomeDirectory() {
        assertThat(SessionConfig.defaultStateDirectory(Map.of("XDG_STATE_HOME", "state", "HOME", "/home/ann"),
                "/home/jvm")).isEqualTo(Path.of("/home/ann/.local/state/spate"));
        assertThat(SessionConfig.defaultStateDirectory(Map.of("XDG_STATE_HOME", "", "HOME", "/home/ann"),
                "/home/jvm")).isEqualTo(Path.of("/home/ann/.local/state/spate"));
    }

    @Test
    void withoutAnAbsoluteHomeTheJvmsUserHomeIsUsed() {
        assertThat(SessionConfig.defaultStateDirectory(Map.of(), "/home/jvm"))
                .isEqualTo(Path.of("/home/jvm/.local/state/spate"));
        assertThat(SessionConfig.defaultStateDirectory(Map.of("HOME", "ann"), "/home/jvm"))
                .isEqualTo(Path.of("/home/jvm/.local/state/spate"));
    }

    @Test
    void withNoUsableHomeTheMessageSaysHowToGiveADirectory() {
        assertThatThrownBy(() -> SessionConfig.defaultStateDirectory(Map.of(), "?"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no state directory: XDG_STATE_HOME and HOME are unset or relative and user.home is '?';"
                        + " set one with stateDirectory(...)");
    }

    @Test
    void theMetadataLimitIs32MibByDefaultAndMayBeLowered() {
        assertThat(valid().maxMetadataSize()).isEqualTo(32L << 20);
        assertThat(SessionConfig.builder().localDiscovery(false).dht(false).stateDirectory(tmp).maxMetadataSize(1 << 20).build()
                .maxMetadataSize()).isEqualTo(1 << 20);
    }
}
