package dev.spate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spate.engine.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library programs compile against the engine as it is, and the dependency it tells
 * users to add names the pom's version. ReadmeSnippetsIT runs them.
 */
class ReadmeSnippetsTest {
    @TempDir
    Path tmp;

    @Test
    void theSectionHasAProgramForEachCommonTask() throws Exception {
        assertThat(ReadmeSnippets.programs()).extracting(ReadmeSnippets.Snippet::className)
                .containsExactly("CreateTorrent", "Seed", "Download", "Control", "Events", "Stream");
    }

    @Test
    void everyProgramCompilesAgainstTheEngineWithoutAWarning() throws Exception {
        Path engine = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());

        List<String> messages = ReadmeSnippets.compile(ReadmeSnippets.programs(), engine, tmp.resolve("classes"));

        assertThat(messages).isEmpty();
        assertThat(tmp.resolve("classes/Download.class")).isRegularFile();
    }

    @Test
    void theDependencyToAddIsTheEngineAtThePomsVersion() throws Exception {
        String section = ReadmeSnippets.section(Files.readString(ReadmeSnippets.readme()));
        List<String> xml = ReadmeSnippets.blocks(section, "xml");
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher parent = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
        assertThat(parent.find()).isTrue();

        assertThat(xml).hasSize(1);
        assertThat(xml.get(0)).contains("<groupId>dev.spate</groupId>").contains("<artifactId>spate-engine</artifactId>")
                .contains("<version>" + parent.group(1) + "</version>");
        assertThat(section).contains("dev.spate:spate-engine:" + parent.group(1));
    }

    @Test
    void onlyTheJavaBlocksOfTheMarkedSectionAreTaken() {
        String markdown = """
                # Title
                ```java
                public class Elsewhere {}
                ```
                ## Using the library
                Text, then a shell block and two programs.
                ```sh
                ./mvnw install
                ```
                ```java
                import java.util.List;

                public class First {
                    // ## not a heading inside a fence
                }
                ```
                ### A task
                ```java
                public final class Second {}
                ```
                ## Layout
                ```java
                public class After {}
                ```
                """;

        assertThat(ReadmeSnippets.programs(markdown)).extracting(ReadmeSnippets.Snippet::className)
                .containsExactly("First", "Second");
        assertThatThrownBy(() -> ReadmeSnippets.programs("## Library\n```java\nclass X {}\n```\n"))
                .hasMessageContaining("no '## Using the library' heading");
        assertThatThrownBy(() -> ReadmeSnippets.programs("## Using the library\n```java\nvoid main() {}\n```\n"))
                .hasMessageContaining("without a public class");
    }
}
