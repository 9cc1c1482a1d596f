package dev.spate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The programs of the README's "Using the library" section: every fenced {@code ```java} block
 * between that level-2 heading and the next one, each a whole compilation unit whose public class
 * names it. Other sections (edited by others, with fragments rather than programs) are not read.
 */
public final class ReadmeSnippets {
    /** The heading the section starts at, as written in README.md. */
    public static final String SECTION = "## Using the library";
    private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)[ \\t]*\\R(.*?)^```[ \\t]*$", Pattern.DOTALL);
    private static final Pattern PUBLIC_CLASS = Pattern.compile("(?m)^public (?:final )?class (\\w+)");

    /** One program: its class name and its source. */
    public record Snippet(String className, String source) {
    }

    private ReadmeSnippets() {
    }

    /** README.md at the repository root, from the module directory tests run in. */
    public static Path readme() {
        Path readme = Path.of("..", "README.md").toAbsolutePath().normalize();
        if (!Files.isRegularFile(readme)) {
            throw new IllegalStateException("no README.md at " + readme);
        }
        return readme;
    }

    /** The text of the section, its heading excluded, up to the next level-2 heading. */
    public static String section(String markdown) {
        int start = -1;
        for (Matcher m = Pattern.compile("(?m)^" + Pattern.quote(SECTION) + "[ \\t]*$").matcher(markdown); m.find(); ) {
            if (start >= 0) {
                throw new IllegalArgumentException("two '" + SECTION + "' headings");
            }
            start = m.end();
        }
        if (start < 0) {
            throw new IllegalArgumentException("no '" + SECTION + "' heading");
        }
        // The next level-2 heading outside a fence ends it.
        int end = markdown.length();
        boolean inFence = false;
        int lineStart = start;
        while (lineStart < markdown.length()) {
            int lineEnd = markdown.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = markdown.length();
            }
            String line = markdown.substring(lineStart, lineEnd);
            if (line.startsWith("```")) {
                inFence = !inFence;
            } else if (!inFence && line.startsWith("## ")) {
                end = lineStart;
                break;
            }
            lineStart = lineEnd + 1;
        }
        return markdown.substring(start, end);
    }

    /** Every fenced block of {@code language} in {@code text}, in order. */
    public static List<String> blocks(String text, String language) {
        List<String> out = new ArrayList<>();
        for (Matcher m = FENCE.matcher(text); m.find(); ) {
            if (m.group(1).equals(language)) {
                out.add(m.group(2));
            }
        }
        return out;
    }

    /** The Java programs of the section, in the order they appear. */
    public static List<Snippet> programs(String markdown) {
        List<Snippet> out = new ArrayList<>();
        for (String source : blocks(section(markdown), "java")) {
            Matcher m = PUBLIC_CLASS.matcher(source);
            if (!m.find()) {
                throw new IllegalArgumentException("a java block in '" + SECTION + "' without a public class:\n" + source);
            }
            out.add(new Snippet(m.group(1), source));
        }
        return out;
    }

    /** The programs of README.md itself. */
    public static List<Snippet> programs() throws IOException {
        return programs(Files.readString(readme()));
    }

    /**
     * Compiles {@code snippets} into {@code out} against {@code classPath} (the engine's classes) with
     * the JDK's javac, every lint warning an error, and returns what javac printed: empty when all
     * is well. (A javac process: the test classes are patched into the engine's module, which does
     * not read java.compiler.)
     */
    public static List<String> compile(List<Snippet> snippets, Path classPath, Path out)
            throws IOException, InterruptedException {
        Path sources = out.resolveSibling(out.getFileName() + "-sources");
        Files.createDirectories(sources);
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "--release", "21", "-Xlint:all", "-Werror", "-classpath", classPath.toString(), "-d", out.toString()));
        for (Snippet s : snippets) {
            command.add(Files.writeString(sources.resolve(s.className() + ".java"), s.source()).toString());
        }
        Process javac = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String output = new String(javac.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!javac.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
            javac.destroyForcibly();
            return List.of("javac did not finish within 2 minutes");
        }
        List<String> messages = new ArrayList<>(output.lines().filter(l -> !l.isBlank()).toList());
        if (javac.exitValue() != 0 && messages.isEmpty()) {
            messages.add("javac exited " + javac.exitValue());
        }
        return messages;
    }
}
