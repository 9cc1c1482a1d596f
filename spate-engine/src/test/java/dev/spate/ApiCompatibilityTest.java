package dev.spate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.engine.Session;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine's API (its module's exported packages: see module-info.java) against the committed
 * baseline {@code spate-engine/api/spate-engine.api}: nothing there may go or change incompatibly
 * unless the baseline is updated on purpose (see {@code spate-engine/api/README.md}). Additions pass
 * until the baseline is next updated; with {@code -Dspate.api.exact=true} (the release profile) the
 * baseline must be the API exactly, so that a release records what it publishes.
 */
class ApiCompatibilityTest {
    /** Surefire runs in the module directory. */
    static final Path BASELINE = Path.of("api", "spate-engine.api");
    static final String UPDATE = "./mvnw -B -o -pl spate-engine test -Dtest=ApiCompatibilityTest -Dspate.api.update=true";
    static final String HEADER = """
            # The API of dev.spate:spate-engine that later versions must keep: the public types of the
            # module's exported packages and their public and protected members, as ApiCompatibilityTest
            # reads them from the compiled classes. Generated; to accept a change on purpose, run
            #   %s
            # and commit this file with the change (see README.md here). No release yet: this is the API of
            # 0.1.0-SNAPSHOT as first recorded.
            """.formatted(UPDATE);

    @Test
    void nothingInTheBaselineIsGoneOrChangedIncompatibly() throws Exception {
        ApiSignature current = current();
        if (Boolean.getBoolean("spate.api.update")) {
            current.write(BASELINE, HEADER);
        }
        ApiSignature baseline = ApiSignature.parse(Files.readString(BASELINE));

        List<String> problems = current.incompatibilities(baseline);

        assertThat(problems).as("incompatible changes to the engine's API since %s; if they are meant, update the"
                + " baseline with\n  %s\nand say so in the commit", BASELINE, UPDATE).isEmpty();
        if (Boolean.getBoolean("spate.api.exact")) {
            assertThat(current.format()).as("the API being released is the baseline (update it: %s)", UPDATE)
                    .isEqualTo(baseline.format());
        }
    }

    @Test
    void theSignatureReadsTheExportedPackagesOnly() throws Exception {
        ApiSignature api = current();

        assertThat(api.types()).containsKeys("dev.spate.engine.Session", "dev.spate.engine.Event$PieceVerified",
                "dev.spate.metainfo.MetainfoParser", "dev.spate.bencode.BValue", "dev.spate.core.InfoHash");
        assertThat(api.types().keySet()).allMatch(t -> t.startsWith("dev.spate.engine.") || t.startsWith("dev.spate.metainfo.")
                || t.startsWith("dev.spate.bencode.") || t.startsWith("dev.spate.core."));
        assertThat(api.types()).doesNotContainKeys("dev.spate.engine.Torrent", "dev.spate.engine.Handle");
        assertThat(api.members().get("dev.spate.engine.Session"))
                .contains("public static dev.spate.engine.Session open(dev.spate.engine.SessionConfig) throws java.io.IOException")
                .noneMatch(m -> m.contains("fatal("));
        assertThat(api.types().get("dev.spate.engine.Event")).startsWith("public sealed interface permits ")
                .contains("dev.spate.engine.Event$TorrentComplete");
        assertThat(api.types().get("dev.spate.engine.TorrentState")).startsWith("public enum {").contains("SEEDING");
        assertThat(ApiSignature.parse(api.format())).isEqualTo(api);
    }

    @Test
    void aMemberGoneOrChangedIsIncompatible() {
        ApiSignature before = ApiSignature.parse("""
                a.B: public final class
                    public int size()
                    public void close()
                """);
        ApiSignature after = ApiSignature.parse("""
                a.B: public final class
                    public long size()
                """);

        assertThat(after.incompatibilities(before)).containsExactly("a.B: gone or changed: public int size()",
                "a.B: gone or changed: public void close()");
    }

    @Test
    void aTypeGoneOrItsHeaderChangedIsIncompatible() {
        ApiSignature before = ApiSignature.parse("""
                a.E: public enum {ONE, TWO}
                a.S: public sealed interface permits a.S$X
                a.T: public class
                """);
        ApiSignature after = ApiSignature.parse("""
                a.E: public enum {ONE, TWO, THREE}
                a.S: public sealed interface permits a.S$X, a.S$Y
                """);

        assertThat(after.incompatibilities(before)).containsExactly(
                "a.E: was 'public enum {ONE, TWO}', is 'public enum {ONE, TWO, THREE}'",
                "a.S: was 'public sealed interface permits a.S$X', is 'public sealed interface permits a.S$X, a.S$Y'",
                "a.T: the type is gone");
    }

    @Test
    void anAbstractMethodAddedBreaksImplementationsOnlyWhereOthersCanImplement() {
        ApiSignature before = ApiSignature.parse("""
                a.Listener: public interface
                a.Handle: public sealed interface permits (none public)
                a.Base: public abstract class
                """);
        ApiSignature after = ApiSignature.parse("""
                a.Listener: public interface
                    public abstract void onEvent(a.Event)
                    public default void onClose()
                a.Handle: public sealed interface permits (none public)
                    public abstract void pause()
                a.Base: public abstract class
                    protected abstract int weight()
                a.New: public interface
                    public abstract void run()
                """);

        assertThat(after.incompatibilities(before)).containsExactlyInAnyOrder(
                "a.Listener: abstract method added (implementations elsewhere stop compiling): public abstract void onEvent(a.Event)",
                "a.Base: abstract method added (implementations elsewhere stop compiling): protected abstract int weight()");
    }

    @Test
    void additionsAreCompatible() {
        ApiSignature before = ApiSignature.parse("""
                a.B: public final class
                    public int size()
                """);
        ApiSignature after = ApiSignature.parse("""
                a.B: public final class
                    public int size()
                    public static a.B of(int)
                a.C: public record(int x)
                """);

        assertThat(after.incompatibilities(before)).isEmpty();
    }

    private static ApiSignature current() throws IOException, URISyntaxException {
        Path classes = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("the engine's classes as a directory (tests run on the class path)").isDirectory();
        return ApiSignature.of(classes, Session.class.getClassLoader());
    }
}
