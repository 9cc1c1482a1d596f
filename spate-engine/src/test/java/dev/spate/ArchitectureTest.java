package dev.spate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rule of DESIGN.md: each package imports only the lower layers its row lists, and
 * nothing else of the engine. A new package must be added here, which makes its place in the
 * layering a decision rather than an accident.
 */
class ArchitectureTest {
    /** Package (below dev.spate) to the packages it may import, besides itself and the JDK. */
    static final Map<String, Set<String>> ALLOWED = new TreeMap<>(Map.ofEntries(
            Map.entry("core", Set.of()),
            Map.entry("bencode", Set.of()),
            Map.entry("metainfo", Set.of("bencode", "core")),
            Map.entry("wire", Set.of("bencode", "core")),
            Map.entry("tracker", Set.of("bencode", "core")),
            Map.entry("dht", Set.of("bencode", "core")),
            Map.entry("mse", Set.of("core")),
            Map.entry("lsd", Set.of("core")),
            Map.entry("utp", Set.of("core")),
            Map.entry("webseed", Set.of("metainfo", "core")),
            Map.entry("picker", Set.of("core")),
            Map.entry("choke", Set.of("core")),
            Map.entry("storage", Set.of("metainfo", "core")),
            Map.entry("peer", Set.of("wire", "mse", "core")),
            Map.entry("engine", Set.of("core", "bencode", "metainfo", "wire", "tracker", "dht", "mse", "lsd", "utp",
                    "webseed", "picker", "choke", "storage", "peer"))));

    static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.spate");
    }

    @Test
    void everyPackageImportsOnlyTheLayersItsRowAllows() {
        for (Map.Entry<String, Set<String>> row : ALLOWED.entrySet()) {
            List<String> allowed = new ArrayList<>();
            allowed.add("java..");
            if (row.getKey().equals("storage")) {
                // The JDK's own option for direct IO (module jdk.unsupported); no other package needs it.
                allowed.add("com.sun.nio.file..");
            }
            if (row.getKey().equals("mse")) {
                // The JDK's DH and RC4 (module java.base, package javax.crypto).
                allowed.add("javax.crypto..");
            }
            allowed.add("dev.spate." + row.getKey() + "..");
            row.getValue().forEach(p -> allowed.add("dev.spate." + p + ".."));
            classes().that().resideInAPackage("dev.spate." + row.getKey() + "..")
                    .should().onlyDependOnClassesThat().resideInAnyPackage(allowed.toArray(String[]::new))
                    .allowEmptyShould(true)
                    .check(engine);
        }
    }

    @Test
    void everyEnginePackageHasARowInTheLayerTable() {
        Set<String> packages = engine.stream()
                .map(c -> c.getPackageName())
                .filter(p -> p.startsWith("dev.spate."))
                .map(p -> p.substring("dev.spate.".length()).split("\\.")[0])
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        org.assertj.core.api.Assertions.assertThat(ALLOWED.keySet()).containsAll(packages);
    }

    @Test
    void timeComesFromTheInjectedClockOnly() {
        // One clock for the engine (dev.spate.core.Clock), so that every timer can be tested
        // without sleeping; only Clock.system() itself reads the system's.
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
                .that().resideInAPackage("dev.spate..")
                .and().doNotHaveFullyQualifiedName("dev.spate.core.Clock")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .check(engine);
    }

    @Test
    void theLayerTableHasNoCycles() {
        for (String start : ALLOWED.keySet()) {
            org.assertj.core.api.Assertions.assertThat(reaches(start, start, new java.util.HashSet<>()))
                    .as("package %s reaches itself through its allowed imports", start)
                    .isFalse();
        }
    }

    private static boolean reaches(String from, String target, Set<String> seen) {
        for (String next : ALLOWED.getOrDefault(from, Set.of())) {
            if (next.equals(target) || seen.add(next) && reaches(next, target, seen)) {
                return true;
            }
        }
        return false;
    }
}
