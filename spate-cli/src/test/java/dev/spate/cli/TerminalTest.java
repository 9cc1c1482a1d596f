package dev.spate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTest {
    @Test
    void columnsWhenSetIsTheWidth() {
        assertThat(Terminal.readWidth("100")).isEqualTo(100);
        assertThat(Terminal.readWidth(" 72 ")).isEqualTo(72);
    }

    @Test
    void aColumnsThatIsNotAPositiveNumberIsAskedOfTheTerminalOrTakenAsEighty() {
        int fromTheTerminal = Terminal.readWidth(null);

        assertThat(fromTheTerminal).isPositive();
        assertThat(Terminal.readWidth("wide")).isEqualTo(fromTheTerminal);
        assertThat(Terminal.readWidth("0")).isEqualTo(fromTheTerminal);
        assertThat(Terminal.readWidth("-5")).isEqualTo(fromTheTerminal);
    }
}
