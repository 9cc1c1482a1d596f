package dev.spate.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether standard output is a terminal, so progress can be redrawn in place. */
final class Terminal {
    private static final boolean INTERACTIVE = detect();

    private Terminal() {
    }

    static boolean interactive() {
        return INTERACTIVE;
    }

    private static boolean detect() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // From Java 22 System.console() is non-null even when redirected; Console.isTerminal()
        // tells the truth there. We compile for 21, so ask for it by name.
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: a console exists only for a terminal
        }
    }
}
