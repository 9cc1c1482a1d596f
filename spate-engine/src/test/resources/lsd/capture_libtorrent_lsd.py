#!/usr/bin/python3
"""Captures the LSD (BEP 14) announces python3-libtorrent sends, as raw datagram bytes.

Run it as root inside a throw-away network namespace, never on a real network (see README.md here):
it starts a libtorrent session with LSD on, seeding a small torrent it makes, listening on the given
IPv4 and IPv6 addresses, and a receiver joined to both LSD groups on the given interfaces; it writes
the first announce heard on each group to OUT_DIR/libtorrent-<version>-announce-ipv4.bin and -ipv6.bin
and prints the info-hash and each datagram.

usage: capture_libtorrent_lsd.py OUT_DIR V4_ADDR:PORT V4_IFACE [V6_ADDR]:PORT V6_IFACE
"""
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

import libtorrent as lt


def receiver(family, group, iface):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    index = socket.if_nametoindex(iface)
    if family == socket.AF_INET:
        s.bind(("0.0.0.0", 6771))
        mreqn = socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", index)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
    else:
        s.bind(("::", 6771))
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    s.setblocking(False)
    return s


def main():
    out_dir, v4_listen, v4_iface, v6_listen, v6_iface = sys.argv[1:6]
    sockets = {"ipv4": receiver(socket.AF_INET, "239.192.152.143", v4_iface),
               "ipv6": receiver(socket.AF_INET6, "ff15::efc0:988f", v6_iface)}
    data_dir = tempfile.mkdtemp(prefix="lsd-capture-")
    with open(os.path.join(data_dir, "f.bin"), "wb") as f:
        f.write(b"x" * 100000)
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(data_dir, "f.bin"))
    ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
    lt.set_piece_hashes(ct, data_dir)
    ti = lt.torrent_info(lt.bencode(ct.generate()))
    print("INFOHASH", ti.info_hashes().v1, flush=True)
    ses = lt.session({"listen_interfaces": v4_listen + "," + v6_listen,
                      "enable_dht": False, "enable_lsd": True, "enable_upnp": False, "enable_natpmp": False})
    params = lt.add_torrent_params()
    params.ti = ti
    params.save_path = data_dir
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    ses.add_torrent(params)
    got = {}
    deadline = time.monotonic() + 20
    while len(got) < len(sockets) and time.monotonic() < deadline:
        ses.pop_alerts()
        for name, s in sockets.items():
            try:
                data, src = s.recvfrom(2048)
            except BlockingIOError:
                continue
            if name not in got:
                got[name] = data
                path = os.path.join(out_dir, "libtorrent-%s-announce-%s.bin" % (lt.__version__, name))
                with open(path, "wb") as f:
                    f.write(data)
                print(name, "from", src, repr(data), "->", path, flush=True)
        time.sleep(0.05)
    del ses
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if len(got) == len(sockets) else 1


if __name__ == "__main__":
    sys.exit(main())
