/**
 * Values shared by the protocol packages: info-hashes, peer ids, bitfields, and an injectable
 * clock. Values and pure functions only; a type enters here only when two sibling packages need it.
 */
package dev.spate.core;
