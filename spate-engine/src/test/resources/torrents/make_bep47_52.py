#!/usr/bin/python3
"""Makes the BEP 47 / BEP 52 fixtures of this directory with python3-libtorrent (2.0.8 here).

Usage: /usr/bin/python3 make_bep47_52.py OUT_DIR
Writes the payload to OUT_DIR/payload (deterministic: random.Random(47)), the torrents to OUT_DIR, and
prints, for each torrent, what libtorrent's torrent_info reads from it: a CSV row for expected.csv
(v1 info-hash, name, files with pad files, total length, pieces, piece length) or for
expected-v2.csv (v2 info-hash, name, files without pad files, bytes without pad files, piece length),
then each file as "FILE <size> <flags> <path> [-> <symlink target>]".
"""
import os
import random
import sys

import libtorrent as lt

out = os.path.abspath(sys.argv[1])
payload = os.path.join(out, "payload")
rnd = random.Random(47)


def write(path, size, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(size)))
    os.chmod(path, mode)


# tree/: uneven sizes, an empty file, an executable script and a symbolic link to a file of the tree.
tree = os.path.join(payload, "tree")
write(os.path.join(tree, "alpha.bin"), 60_001)
write(os.path.join(tree, "empty.txt"), 0)
write(os.path.join(tree, "run.sh"), 100, 0o755)
write(os.path.join(tree, "sub", "beta.bin"), 20_000)
write(os.path.join(tree, "sub", "gamma.bin"), 1)
write(os.path.join(tree, "sub", "deeper", "delta.bin"), 33_000)
os.symlink("alpha.bin", os.path.join(tree, "link-to-alpha"))
single = os.path.join(payload, "single.bin")
write(single, 100_003)

C = lt.create_torrent


def make(name, source, flags):
    fs = lt.file_storage()
    lt.add_files(fs, source, flags=C.symlinks if flags & C.symlinks else 0)
    ct = lt.create_torrent(fs, 16384, flags=flags)
    ct.set_creator("spate fixtures make_bep47_52.py")
    lt.set_piece_hashes(ct, os.path.dirname(source))
    data = lt.bencode(ct.generate())
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    ti = lt.torrent_info(data)
    fst = ti.files()
    hashes = ti.info_hashes()
    if hashes.has_v1():
        print("%s,%s,%s,%d,%d,%d,%d" % (name, hashes.v1, ti.name(), fst.num_files(), fst.total_size(),
                                       ti.num_pieces(), ti.piece_length()))
    else:
        data_files = [i for i in range(fst.num_files()) if not fst.file_flags(i) & lt.file_storage.flag_pad_file]
        print("%s,%s,%s,%d,%d,%d" % (name, hashes.v2, ti.name(), len(data_files),
                                    sum(fst.file_size(i) for i in data_files), ti.piece_length()))
    for i in range(fst.num_files()):
        fl = fst.file_flags(i)
        flags_text = "".join(c for c, bit in (("p", lt.file_storage.flag_pad_file), ("x", lt.file_storage.flag_executable),
                                             ("h", lt.file_storage.flag_hidden), ("l", lt.file_storage.flag_symlink)) if fl & bit)
        link = " -> " + fst.symlink(i) if fl & lt.file_storage.flag_symlink else ""
        print("  FILE %d %s %s%s" % (fst.file_size(i), flags_text or "-", fst.file_path(i), link))


# libtorrent 2.0 pads multi-file torrents unless v1_only is asked for; canonical_files pads a v1 one too.
make("libtorrent-v1-pads.torrent", tree, C.v1_only | C.canonical_files | C.symlinks)
make("libtorrent-hybrid-attrs.torrent", tree, C.symlinks)          # the default: hybrid, padded
make("libtorrent-hybrid-single.torrent", single, 0)
make("libtorrent-v2.torrent", tree, C.v2_only | C.symlinks)
make("libtorrent-v2-single.torrent", single, C.v2_only)
