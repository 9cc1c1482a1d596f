/**
 * Bencoding (BEP 3): a strict decoder and a canonical encoder over a sealed value model.
 *
 * <p>Decoding accepts only the canonical form: no leading zeros, no {@code -0}, dictionary keys
 * sorted by raw bytes and unique, nothing after the value, integers within 64 bits, nesting within
 * a limit. Every decoded value records its {@link dev.spate.bencode.Span} in the input, so a
 * torrent's info-hash can be computed over the bytes exactly as they were read.
 */
package dev.spate.bencode;
