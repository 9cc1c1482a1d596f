package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** The version {@code spate --version} prints is the one in the pom, read here from the pom itself. */
class VersionTest {
    @Test
    void versionPrintsThePomsVersion() {
        Cli.Result r = Cli.run("--version");

        assertThat(r.exitCode()).isZero();
        assertThat(pomVersion()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(r.out()).isEqualTo("spate " + pomVersion() + "\n");
    }

    @Test
    void theCommandsPomInheritsTheVersionOfTheParent() throws Exception {
        Element cli = pom(Path.of("pom.xml"));
        Element parent = (Element) cli.getElementsByTagName("parent").item(0);

        assertThat(child(parent, "version")).isEqualTo(pomVersion());
    }

    /** The version of the parent pom, one directory up from spate-cli (where Maven runs the tests). */
    static String pomVersion() {
        try {
            return child(pom(Path.of("..", "pom.xml")), "version");
        } catch (Exception e) {
            throw new AssertionError("cannot read the parent pom's version", e);
        }
    }

    private static Element pom(Path file) throws Exception {
        assertThat(file).isRegularFile();
        try (var in = Files.newInputStream(file)) {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getDocumentElement();
        }
    }

    /** The text of {@code parent}'s own child element {@code name} (not a grandchild's). */
    private static String child(Element parent, String name) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        throw new AssertionError(parent.getTagName() + " has no <" + name + ">");
    }
}
