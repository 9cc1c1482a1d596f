/**
 * The {@code spate} command: {@code info}, {@code create}, {@code download}, {@code seed}. Parses
 * arguments, calls the engine's public API and prints for people (or JSON for programs). Exit
 * codes: 0 success, 1 failure (one line on stderr naming the problem), 2 usage error. Every string a
 * .torrent file, a tracker or a peer wrote is printed through {@code TerminalText},
 * which shows terminal controls as escapes.
 */
package dev.spate.cli;
