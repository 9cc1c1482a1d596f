#!/usr/bin/python3
"""Captures real MSE/PE (Message Stream Encryption) handshakes of libtorrent (python3-libtorrent 2.0) for Spate's tests.

Run: /usr/bin/python3 capture.py OUTDIR   (talks only to 127.0.0.1; takes a few seconds)

Our side of every handshake is deterministic: a fixed 160-bit private exponent, no PadA/PadB,
no PadC/PadD, a BitTorrent handshake with a fixed peer id. libtorrent's side is random (its key,
its pads), so each run records other bytes; the JSON beside each recording says where each step
begins and what it decrypts to. Written to OUTDIR:
  lt-mse.torrent                      the torrent (3 pieces and a bit of 16 KiB) libtorrent seeds
  lt-initiator-sent.bin               (a) every byte libtorrent sent when it dialled us (we are B)
  lt-initiator-server-sent.bin            what our B sent it (Yb, step 4, our handshake)
  lt-initiator.json                       exponent, keys, offsets, decrypted values
  lt-responder-sent-rc4.bin           (b) every byte libtorrent (pe_forced, pe_rc4) sent when we dialled it
  lt-responder-client-sent-rc4.bin        what our A sent it (Ya, step 3 with crypto_provide 0x02)
  lt-responder-rc4.json
  lt-responder-sent-both.bin          (c) the same against libtorrent's default settings (pe_enabled,
  lt-responder-client-sent-both.bin       both levels), our crypto_provide 0x03
  lt-responder-both.json
"""
import hashlib
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

import libtorrent as lt

# The MSE prime (768 bits) and generator.
P = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF"
        "9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16)
G = 2
# Our fixed private exponents (160 bits each).
X_B = 0xb7734551137b58f78925b6e5091e82b3c9f1730e  # ours when libtorrent dials us
X_A = 0x9d0be7cf84ce7d2b0479c81812713ba733165fb5  # ours when we dial libtorrent
PEER_ID_B = b"-SP0001-msecap00000B"
PEER_ID_A = b"-SP0001-msecap00000A"
RESERVED = bytes([0, 0, 0, 0, 0, 0x10, 0, 0])  # only the BEP 10 bit
VC = bytes(8)
PLAINTEXT, RC4 = 0x01, 0x02
MESSAGE_NAMES = {0: "choke", 1: "unchoke", 2: "interested", 3: "not interested", 4: "have", 5: "bitfield",
                 6: "request", 7: "piece", 8: "cancel", 9: "port", 13: "suggest", 14: "have all",
                 15: "have none", 16: "reject", 17: "allowed fast", 20: "extended"}


def to96(n):
    return n.to_bytes(96, "big")


def sha1(*parts):
    return hashlib.sha1(b"".join(parts)).digest()


class Rc4:
    """RC4 (KSA, then PRGA) with the first 1024 key stream bytes dropped, as MSE uses it."""

    def __init__(self, key):
        s = list(range(256))
        j = 0
        for i in range(256):
            j = (j + s[i] + key[i % len(key)]) & 0xff
            s[i], s[j] = s[j], s[i]
        self.s, self.i, self.j = s, 0, 0
        self.crypt(bytes(1024))

    def crypt(self, data):
        s, i, j = self.s, self.i, self.j
        out = bytearray(len(data))
        for n, b in enumerate(data):
            i = (i + 1) & 0xff
            j = (j + s[i]) & 0xff
            s[i], s[j] = s[j], s[i]
            out[n] = b ^ s[(s[i] + s[j]) & 0xff]
        self.i, self.j = i, j
        return bytes(out)


def make_torrent(root):
    data = os.path.join(root, "mse-capture.bin")
    with open(data, "wb") as f:
        f.write(bytes((i * 7 + i // 251) & 0xff for i in range(3 * 16384 + 1000)))
    fs = lt.file_storage()
    lt.add_files(fs, data)
    ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
    ct.set_creator("spate mse capture.py")
    lt.set_piece_hashes(ct, root)
    t = ct.generate()
    t.pop(b"creation date", None)  # so that every run writes the same file
    return lt.bencode(t)


def session(settings):
    base = {"listen_interfaces": "127.0.0.1:0", "outgoing_interfaces": "127.0.0.1",
            "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
            "enable_incoming_utp": False, "enable_outgoing_utp": False}
    base.update(settings)
    return lt.session(base)


FORCED_RC4 = {"out_enc_policy": int(lt.enc_policy.pe_forced), "in_enc_policy": int(lt.enc_policy.pe_forced),
              "allowed_enc_level": int(lt.enc_level.pe_rc4)}


def seed(ses, ti, root):
    h = ses.add_torrent({"ti": ti, "save_path": root})
    deadline = time.time() + 30
    while not h.status().is_seeding:
        if time.time() > deadline:
            sys.exit("libtorrent did not start seeding")
        time.sleep(0.05)
    return h


class Reader:
    """Everything the peer sent, in order; read_until grows it until a test on it holds."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""
        sock.settimeout(0.1)

    def pump(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_until(self, test, seconds=10, what="bytes"):
        deadline = time.time() + seconds
        while True:
            r = test(self.buf)
            if r is not None and r is not False:
                return r
            if time.time() > deadline:
                sys.exit("timed out waiting for %s (have %d bytes)" % (what, len(self.buf)))
            if not self.pump():
                sys.exit("connection closed waiting for %s (have %d bytes): %s"
                         % (what, len(self.buf), self.buf.hex()))

    def drain(self, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline and self.pump():
            pass


def bt_handshake(info_hash, peer_id):
    return b"\x13BitTorrent protocol" + RESERVED + info_hash + peer_id


def parse_payload(plain, start, info_hash):
    """The BitTorrent stream (handshake, then length-prefixed messages) at stream offset start."""
    assert plain[:20] == b"\x13BitTorrent protocol", "no BitTorrent handshake: %s" % plain[:68].hex()
    assert plain[28:48] == info_hash, "the handshake names another torrent"
    out = {"handshake": {"offset": start, "reserved": plain[20:28].hex(), "info_hash": plain[28:48].hex(),
                         "peer_id": plain[48:68].hex(), "peer_id_text": plain[48:68].decode("latin-1")},
           "messages": []}
    pos = 68
    while pos + 4 <= len(plain):
        (length,) = struct.unpack(">I", plain[pos:pos + 4])
        if pos + 4 + length > len(plain):
            out["incomplete_tail_offset"] = start + pos
            break
        body = plain[pos + 4:pos + 4 + length]
        m = {"offset": start + pos, "length": length}
        if length:
            m["id"] = body[0]
            m["name"] = MESSAGE_NAMES.get(body[0], "unknown")
            if body[0] == 20:
                m["extended_id"] = body[1]
                if body[1] == 0:
                    m["extended_handshake_keys"] = sorted(k.decode() for k in lt.bdecode(body[2:]).keys())
            elif length <= 64:
                m["payload"] = body[1:].hex()
        else:
            m["name"] = "keep-alive"
        out["messages"].append(m)
        pos += 4 + length
    return out


def bt_complete(plain):
    """True when plain holds a whole handshake."""
    return len(plain) >= 68


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    print("wrote", name, len(data), "bytes")


def write_json(out, name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    print("wrote", name)


def capture_initiator(out, ti, root, info_hash):
    """(a) libtorrent dials our server; we play B."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(15)
    ses = session(FORCED_RC4)
    h = seed(ses, ti, root)
    h.connect_peer(("127.0.0.1", server.getsockname()[1]))
    conn, _ = server.accept()
    server.close()
    r = Reader(conn)
    sent = b""

    ya_bytes = r.read_until(lambda b: b[:96] if len(b) >= 96 else None, what="Ya")
    ya = int.from_bytes(ya_bytes, "big")
    yb = pow(G, X_B, P)
    sent += to96(yb)
    conn.sendall(to96(yb))  # no PadB
    s = to96(pow(ya, X_B, P))
    req1 = sha1(b"req1", s)
    # PadA (0..512 random bytes) lies between Ya and HASH('req1', S): find the hash.
    p_req1 = r.read_until(lambda b: (b.find(req1, 96, 96 + 512 + 20) if b.find(req1, 96, 96 + 512 + 20) >= 0
                                     else None), what="HASH('req1', S)")
    p_skey = p_req1 + 20
    p_vc = p_skey + 20
    r.read_until(lambda b: len(b) >= p_vc + 14, what="VC, crypto_provide, len(PadC)")
    expected_skey = bytes(x ^ y for x, y in zip(sha1(b"req2", info_hash), sha1(b"req3", s)))
    assert r.buf[p_skey:p_vc] == expected_skey, "HASH('req2', SKEY) xor HASH('req3', S) does not match"
    dec_a = Rc4(sha1(b"keyA", s, info_hash))
    head = dec_a.crypt(r.buf[p_vc:p_vc + 14])
    assert head[:8] == VC, "VC did not decrypt to zeros"
    provide = struct.unpack(">I", head[8:12])[0]
    len_pad_c = struct.unpack(">H", head[12:14])[0]
    p_pad_c = p_vc + 14
    p_len_ia = p_pad_c + len_pad_c
    r.read_until(lambda b: len(b) >= p_len_ia + 2, what="PadC, len(IA)")
    pad_c = dec_a.crypt(r.buf[p_pad_c:p_len_ia])
    len_ia = struct.unpack(">H", dec_a.crypt(r.buf[p_len_ia:p_len_ia + 2]))[0]
    p_ia = p_len_ia + 2
    r.read_until(lambda b: len(b) >= p_ia + len_ia, what="IA")
    p_payload = p_ia + len_ia
    assert provide & RC4, "libtorrent did not provide RC4"

    # Step 4: select RC4, no PadD; then our handshake, encrypted with the continuing stream.
    enc_b = Rc4(sha1(b"keyB", s, info_hash))
    step4 = enc_b.crypt(VC + struct.pack(">IH", RC4, 0))
    our_hs = enc_b.crypt(bt_handshake(info_hash, PEER_ID_B))
    sent += step4 + our_hs
    conn.sendall(step4 + our_hs)
    # IA and what follows are one RC4 stream: decrypt them together.
    r.read_until(lambda b: len(b) >= p_ia + 68, what="libtorrent's BitTorrent handshake")
    r.drain(1.0)
    conn.close()
    ses.remove_torrent(h)
    del ses
    data = r.buf
    plain = dec_a.crypt(data[p_ia:])
    bt = parse_payload(plain, p_ia, info_hash)

    # Check: decrypting from scratch gives the same (no state carried over from the live run).
    check = Rc4(sha1(b"keyA", s, info_hash)).crypt(data[p_vc:])
    assert check[:8] == VC and check[p_ia - p_vc:] == plain

    write(out, "lt-initiator-sent.bin", data)
    write(out, "lt-initiator-server-sent.bin", sent)
    write_json(out, "lt-initiator.json", {
        "recording": "lt-initiator-sent.bin: every byte libtorrent sent as initiator A, in order",
        "server_sent": "lt-initiator-server-sent.bin: Yb (no PadB), then ENCRYPT(VC, crypto_select, len(PadD)=0) "
                       "and ENCRYPT2(our BitTorrent handshake)",
        "libtorrent_settings": {"out_enc_policy": "pe_forced", "in_enc_policy": "pe_forced",
                                "allowed_enc_level": "pe_rc4"},
        "our_role": "B",
        "our_private_exponent": "%x" % X_B,
        "our_public_key": to96(yb).hex(),
        "libtorrent_public_key": ya_bytes.hex(),
        "shared_secret": s.hex(),
        "info_hash": info_hash.hex(),
        "key_a": sha1(b"keyA", s, info_hash).hex(),
        "key_b": sha1(b"keyB", s, info_hash).hex(),
        "crypto_provide_received": provide,
        "crypto_select_sent": RC4,
        "our_peer_id": PEER_ID_B.hex(),
        "our_reserved": RESERVED.hex(),
        "len_pad_a": p_req1 - 96,
        "len_pad_c": len_pad_c,
        "pad_c": pad_c.hex(),
        "len_ia": len_ia,
        "offsets": {"ya": 0, "pad_a": 96, "hash_req1": p_req1, "hash_req2_xor_req3": p_skey, "encrypted_vc": p_vc,
                    "crypto_provide": p_vc + 8, "len_pad_c": p_vc + 12, "pad_c": p_pad_c, "len_ia": p_len_ia,
                    "ia": p_ia, "after_ia": p_payload, "end": len(data)},
        "ia_and_after_decrypted": plain.hex(),
        "bittorrent": bt,
    })
    return provide, bt


def capture_responder(out, ti, root, info_hash, settings, provide, suffix, settings_text):
    """(b) we dial libtorrent; we play A."""
    ses = session(settings)
    h = seed(ses, ti, root)
    conn = socket.create_connection(("127.0.0.1", ses.listen_port()), timeout=10)
    r = Reader(conn)
    ya = pow(G, X_A, P)
    sent = to96(ya)
    conn.sendall(to96(ya))  # no PadA
    yb_bytes = r.read_until(lambda b: b[:96] if len(b) >= 96 else None, what="Yb")
    s = to96(pow(int.from_bytes(yb_bytes, "big"), X_A, P))
    key_a, key_b = sha1(b"keyA", s, info_hash), sha1(b"keyB", s, info_hash)
    enc_a = Rc4(key_a)
    ia = bt_handshake(info_hash, PEER_ID_A)
    step3 = (sha1(b"req1", s)
             + bytes(x ^ y for x, y in zip(sha1(b"req2", info_hash), sha1(b"req3", s)))
             + enc_a.crypt(VC + struct.pack(">IHH", provide, 0, len(ia)))
             + enc_a.crypt(ia))
    sent += step3
    conn.sendall(step3)
    # PadB (0..512 random bytes) lies between Yb and ENCRYPT(VC): find the encrypted VC.
    enc_vc = Rc4(key_b).crypt(VC)
    p_vc = r.read_until(lambda b: (b.find(enc_vc, 96, 96 + 512 + 8) if b.find(enc_vc, 96, 96 + 512 + 8) >= 0
                                   else None), what="ENCRYPT(VC)")
    r.read_until(lambda b: len(b) >= p_vc + 14, what="crypto_select, len(PadD)")
    dec_b = Rc4(key_b)
    head = dec_b.crypt(r.buf[p_vc:p_vc + 14])
    assert head[:8] == VC
    select = struct.unpack(">I", head[8:12])[0]
    len_pad_d = struct.unpack(">H", head[12:14])[0]
    assert select in (PLAINTEXT, RC4) and select & provide, "crypto_select %#x" % select
    p_pad_d = p_vc + 14
    p_payload = p_pad_d + len_pad_d
    r.read_until(lambda b: len(b) >= p_payload + 68, what="libtorrent's BitTorrent handshake")
    r.drain(1.0)
    conn.close()
    ses.remove_torrent(h)
    del ses
    data = r.buf
    pad_d = dec_b.crypt(data[p_pad_d:p_payload])
    plain = dec_b.crypt(data[p_payload:]) if select == RC4 else data[p_payload:]
    bt = parse_payload(plain, p_payload, info_hash)

    write(out, "lt-responder-sent-%s.bin" % suffix, data)
    write(out, "lt-responder-client-sent-%s.bin" % suffix, sent)
    write_json(out, "lt-responder-%s.json" % suffix, {
        "recording": "lt-responder-sent-%s.bin: every byte libtorrent sent as responder B, in order" % suffix,
        "client_sent": "lt-responder-client-sent-%s.bin: Ya (no PadA), then HASH('req1', S), "
                       "HASH('req2', SKEY) xor HASH('req3', S), ENCRYPT(VC, crypto_provide, len(PadC)=0, "
                       "len(IA)=68), ENCRYPT(IA = our BitTorrent handshake); nothing after" % suffix,
        "libtorrent_settings": settings_text,
        "our_role": "A",
        "our_private_exponent": "%x" % X_A,
        "our_public_key": to96(ya).hex(),
        "libtorrent_public_key": yb_bytes.hex(),
        "shared_secret": s.hex(),
        "info_hash": info_hash.hex(),
        "key_a": key_a.hex(),
        "key_b": key_b.hex(),
        "crypto_provide_sent": provide,
        "crypto_select_received": select,
        "our_peer_id": PEER_ID_A.hex(),
        "our_reserved": RESERVED.hex(),
        "len_pad_b": p_vc - 96,
        "len_pad_d": len_pad_d,
        "pad_d": pad_d.hex(),
        "payload_encrypted": select == RC4,
        "offsets": {"yb": 0, "pad_b": 96, "encrypted_vc": p_vc, "crypto_select": p_vc + 8, "len_pad_d": p_vc + 12,
                    "pad_d": p_pad_d, "payload": p_payload, "end": len(data)},
        "client_offsets": {"ya": 0, "hash_req1": 96, "hash_req2_xor_req3": 116, "encrypted_vc": 136,
                           "crypto_provide": 144, "len_pad_c": 148, "len_ia": 150, "ia": 152, "end": len(sent)},
        "payload_decrypted": plain.hex(),
        "bittorrent": bt,
    })
    return select, bt


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="spate-mse-capture-")
    try:
        torrent = make_torrent(root)
        write(out, "lt-mse.torrent", torrent)
        ti = lt.torrent_info(lt.bdecode(torrent))
        info_hash = bytes.fromhex(str(ti.info_hashes().v1))
        print("info-hash", info_hash.hex(), "pieces", ti.num_pieces())
        provide, bt = capture_initiator(out, ti, root, info_hash)
        print("(a) libtorrent provided %#x, its peer id %s" % (provide, bt["handshake"]["peer_id_text"]))
        select, bt = capture_responder(out, ti, root, info_hash, FORCED_RC4, RC4, "rc4",
                                       {"out_enc_policy": "pe_forced", "in_enc_policy": "pe_forced",
                                        "allowed_enc_level": "pe_rc4"})
        print("(b) we provided 0x02, libtorrent selected %#x, its peer id %s"
              % (select, bt["handshake"]["peer_id_text"]))
        select, bt = capture_responder(out, ti, root, info_hash, {}, PLAINTEXT | RC4, "both",
                                       {"out_enc_policy": "pe_enabled (default)", "in_enc_policy": "pe_enabled (default)",
                                        "allowed_enc_level": "both (default)", "prefer_rc4": "false (default)"})
        print("(c) we provided 0x03, libtorrent selected %#x, its peer id %s"
              % (select, bt["handshake"]["peer_id_text"]))
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
