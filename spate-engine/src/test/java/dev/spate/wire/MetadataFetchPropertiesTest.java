package dev.spate.wire;

import static dev.spate.wire.MetadataFetchTest.GARBAGE;
import static dev.spate.wire.MetadataFetchTest.HONEST;
import static dev.spate.wire.MetadataFetchTest.METADATA;
import static dev.spate.wire.MetadataFetchTest.REJECTING;
import static dev.spate.wire.MetadataFetchTest.SILENT;
import static dev.spate.wire.MetadataFetchTest.SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Whatever liars join, in whatever order, the honest peer's metadata arrives and the honest peer is never penalized. */
class MetadataFetchPropertiesTest {
    enum Liar {
        GARBAGE, WRONG_TOTAL, HUGE, REJECTING, SILENT, OTHER_SIZE, NO_SIZE_GARBAGE, CORRUPT_ONE_PIECE
    }

    static final byte[] OTHER = MetadataFetchTest.random(2 * 16384 + 5, 4);

    @Property(tries = 200)
    void theHonestMetadataAlwaysArrives(@ForAll("liars") List<Liar> liars, @ForAll @IntRange(max = 8) int honestAt,
            @ForAll @IntRange(min = 1, max = 4) int requestsPerPeer) {
        MetadataFetch.Config config = new MetadataFetch.Config(MetadataMessage.DEFAULT_MAX_SIZE, Duration.ofSeconds(20),
                Duration.ofMinutes(1), Duration.ofMinutes(30), requestsPerPeer);
        MetadataFetchTest.Swarm swarm = new MetadataFetchTest.Swarm(config);
        int at = Math.min(honestAt, liars.size());
        for (int i = 0; i <= liars.size(); i++) {
            if (i == at) {
                swarm.add("honest", HONEST);
            }
            if (i < liars.size()) {
                add(swarm, "liar" + i, liars.get(i));
            }
        }
        assertThat(swarm.run(10_000)).as("verified within 1000 simulated seconds").isTrue();
        assertThat(swarm.result).isEqualTo(METADATA);
        assertThat(swarm.penalized()).doesNotContain("honest");
    }

    @Provide
    Arbitrary<List<Liar>> liars() {
        return Arbitraries.of(Liar.class).list().ofMaxSize(7);
    }

    private static void add(MetadataFetchTest.Swarm swarm, String name, Liar liar) {
        switch (liar) {
            case GARBAGE -> swarm.add(name, GARBAGE);
            case WRONG_TOTAL -> swarm.add(name, OptionalLong.of(SIZE), serving(OTHER));
            case HUGE -> swarm.add(name, OptionalLong.of(4L << 30), HONEST);
            case REJECTING -> swarm.add(name, REJECTING);
            case SILENT -> swarm.add(name, SILENT);
            case OTHER_SIZE -> swarm.add(name, OptionalLong.of(OTHER.length), serving(OTHER));
            case NO_SIZE_GARBAGE -> swarm.add(name, OptionalLong.empty(), GARBAGE);
            case CORRUPT_ONE_PIECE -> {
                byte[] almost = METADATA.clone();
                almost[almost.length - 1] ^= 0x40;
                swarm.add(name, serving(almost));
            }
        }
    }

    private static Function<MetadataMessage.Request, Optional<MetadataMessage>> serving(byte[] metadata) {
        return MetadataFetchTest.serving(metadata);
    }
}
