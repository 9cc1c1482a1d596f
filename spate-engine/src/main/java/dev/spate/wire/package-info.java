/**
 * The peer wire protocol as data: bytes in, records out, no sockets of its own.
 *
 * <p>{@link dev.spate.wire.Handshake} is the 68-byte opening of BEP 3 with the reserved bits of
 * BEP 6 and BEP 10; {@link dev.spate.wire.Message} is a sealed interface with one record per
 * message of BEP 3, BEP 5 (port), BEP 6 (fast extension) and BEP 10 (extended);
 * {@link dev.spate.wire.MessageDecoder} turns one length-prefixed frame into a record, checking it
 * strictly against the torrent's {@link dev.spate.wire.TorrentGeometry} and what the handshakes
 * negotiated; {@link dev.spate.wire.FrameReader} reads frames from a blocking channel, refusing an
 * oversized frame before reading its body; {@link dev.spate.wire.MessageEncoder} writes records
 * back, a piece's header apart from its block so the block can go out in a gathering write.
 * Anything a peer sends that breaks a rule is a {@link dev.spate.wire.WireException} naming the
 * rule; the session above decides to close the connection.
 *
 * <p>Extensions (BEP 10): {@link dev.spate.wire.ExtendedHandshake} is extended message 0,
 * {@link dev.spate.wire.ExtensionIds} the ids of one connection in each direction;
 * {@link dev.spate.wire.MetadataMessage} is BEP 9's {@code ut_metadata} (request, data, reject, and
 * the serving side's answer), {@link dev.spate.wire.PexMessage} BEP 11's {@code ut_pex}. The
 * metadata of a magnet link is fetched by {@link dev.spate.wire.MetadataFetch}, a state machine
 * the torrent drives with its peers' answers and its clock: which piece to ask of which peer,
 * timeouts, the SHA-1 check against the info-hash, and penalties for peers that lie.
 *
 * <p>What this package does not check, because it needs a session's state: that a bitfield, have
 * all or have none comes only first (BEP 3, BEP 6), that a piece was requested, that an extended
 * id is one we announced.
 */
package dev.spate.wire;
