/**
 * Bencoding (BEP 3): a strict decoder, a lenient one for .torrent files, and a canonical encoder
 * over a sealed value model.
 *
 * <p>Strict decoding accepts only the canonical form: no leading zeros, no {@code -0}, dictionary
 * keys sorted by raw bytes and unique, nothing after the value, integers within 64 bits, nesting
 * within a limit. Lenient decoding ({@link dev.spate.bencode.Bencode#decodeLenient}) also takes
 * keys out of order or repeated, leading zeros and {@code -0}, as libtorrent does for .torrent
 * files. Every decoded value records its {@link dev.spate.bencode.Span} in the input, so a
 * torrent's info-hash can be computed over the bytes exactly as they were read.
 */
package dev.spate.bencode;
