#!/usr/bin/python3
"""Captures real BEP 9/10/11 extension messages from libtorrent (python3-libtorrent 2.0) for Spate's tests.

Run: /usr/bin/python3 capture.py OUTDIR   (talks only to 127.0.0.1; takes about a minute for the PEX message)

It makes a torrent of 400 small files (so that its info dictionary is over 16 KiB: two metadata
pieces), seeds it with libtorrent on 127.0.0.1, and connects to it with two raw sockets that speak
the BEP 3 handshake with the BEP 10 bit. On the first socket it sends an extended handshake
announcing ut_metadata as id 3 and ut_pex as id 1, then asks for metadata pieces 0, 1 and 2 (2
does not exist). The second socket stays connected so that libtorrent's ut_pex message has a peer
to add. Written to OUTDIR, each an extended message's payload (the bytes after the extended id):
  lt-extended-handshake.bin   libtorrent's extended handshake (extended id 0)
  lt-metadata-data-0.bin      its answer to piece 0 (a data message)
  lt-metadata-data-1.bin      its answer to piece 1 (the short last piece)
  lt-metadata-reject-2.bin    its answer to piece 2 (beyond the metadata: a reject)
  lt-pex.bin                  its first ut_pex message (if one came within 90 s)
  lt-metadata.torrent         the torrent, whose info dictionary the data messages carry
"""
import hashlib
import shutil
import os
import socket
import struct
import sys
import tempfile
import time

import libtorrent as lt

OUR_UT_METADATA = 3
OUR_UT_PEX = 1


def make_torrent(root):
    data = os.path.join(root, "many-files")
    os.makedirs(data)
    for i in range(400):
        with open(os.path.join(data, "file-with-a-rather-long-name-%04d.txt" % i), "wb") as f:
            f.write((("%d " % i) * 300).encode()[:1000 + i])
    fs = lt.file_storage()
    lt.add_files(fs, data)
    ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
    ct.set_creator("spate capture.py")
    lt.set_piece_hashes(ct, root)
    return lt.bencode(ct.generate())


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_message(sock):
    (length,) = struct.unpack(">I", recv_exact(sock, 4))
    return recv_exact(sock, length) if length else b""


def extended(ext_id, payload):
    return struct.pack(">IBB", 2 + len(payload), 20, ext_id) + payload


def connect(port, info_hash, peer_id, listen_port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    reserved = bytearray(8)
    reserved[5] |= 0x10  # BEP 10
    s.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + info_hash + peer_id)
    theirs = recv_exact(s, 68)
    assert theirs[28:48] == info_hash, "libtorrent answered for another torrent"
    hs = lt.bencode({"m": {"ut_metadata": OUR_UT_METADATA, "ut_pex": OUR_UT_PEX}, "p": listen_port,
                     "v": "spate capture"})
    s.sendall(extended(0, hs))
    return s


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="spate-capture-")
    torrent = make_torrent(root)
    with open(os.path.join(out, "lt-metadata.torrent"), "wb") as f:
        f.write(torrent)
    ti = lt.torrent_info(lt.bdecode(torrent))
    info_hash = bytes.fromhex(str(ti.info_hashes().v1))
    ses = lt.session({"listen_interfaces": "127.0.0.1:0", "outgoing_interfaces": "127.0.0.1",
                      "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                      "enable_incoming_utp": False, "enable_outgoing_utp": False,
                      "allow_multiple_connections_per_ip": True})
    h = ses.add_torrent({"ti": ti, "save_path": root})
    deadline = time.time() + 30
    while not h.status().is_seeding:
        if time.time() > deadline:
            sys.exit("libtorrent did not start seeding")
        time.sleep(0.1)
    port = ses.listen_port()
    first = connect(port, info_hash, b"-SP0001-capture00001", 6881)
    got = {}
    requested = False
    second = None
    deadline = time.time() + 90
    first.settimeout(1)
    while time.time() < deadline and not ("pex" in got and "data-1" in got and "reject-2" in got):
        try:
            msg = read_message(first)
        except socket.timeout:
            continue
        if not msg or msg[0] != 20:
            continue
        ext_id, payload = msg[1], msg[2:]
        if ext_id == 0:
            got["handshake"] = payload
            if not requested:
                requested = True
                lt_ids = lt.bdecode(payload)[b"m"]
                their_metadata = lt_ids[b"ut_metadata"]
                for piece in (0, 1, 2):
                    first.sendall(extended(their_metadata, lt.bencode({"msg_type": 0, "piece": piece})))
                second = connect(port, info_hash, b"-SP0001-capture00002", 6882)
        elif ext_id == OUR_UT_METADATA:
            d = lt.bdecode(payload[:payload.index(b"ee") + 2]) if payload.startswith(b"d") else None
            kind = {0: "request", 1: "data", 2: "reject"}.get(d[b"msg_type"]) if d else "unknown"
            got["%s-%d" % (kind, d[b"piece"])] = payload
        elif ext_id == OUR_UT_PEX:
            got.setdefault("pex", payload)
    names = {"handshake": "lt-extended-handshake.bin", "data-0": "lt-metadata-data-0.bin",
             "data-1": "lt-metadata-data-1.bin", "reject-2": "lt-metadata-reject-2.bin", "pex": "lt-pex.bin"}
    for key, name in names.items():
        if key in got:
            with open(os.path.join(out, name), "wb") as f:
                f.write(got[key])
            print("wrote", name, len(got[key]), "bytes")
        else:
            print("missing", name)
    print("info-hash", info_hash.hex(), "metadata", len(ti.info_section()), "bytes, sha1",
          hashlib.sha1(bytes(ti.info_section())).hexdigest())
    first.close()
    if second:
        second.close()
    del ses
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
