package dev.spate.daemon;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's row for the daemon: the engine's exported packages only, plus the JDK (with its HTTP
 * server) and Jackson; never the command.
 */
class DaemonArchitectureTest {
    @Test
    void theDaemonUsesOnlyTheEnginesExportedPackagesTheJdkAndJackson() {
        JavaClasses daemon = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.spate.daemon");
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("dev.spate.daemon..", "dev.spate.engine",
                        "dev.spate.metainfo", "dev.spate.bencode", "dev.spate.core", "java..", "javax..",
                        "com.sun.net.httpserver..", "tools.jackson..")
                .check(daemon);
    }
}
