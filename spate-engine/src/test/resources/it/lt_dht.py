#!/usr/bin/python3
"""A libtorrent DHT node on a loopback address, for Spate's DHT interop test.

Prints LISTENING <port> (the UDP port of its DHT), then runs until killed or the timeout passes
(stdin is not watched: the test's process runner gives it /dev/null). No bootstrap nodes, no
LSD/UPnP/NAT-PMP: it talks only to whoever queries it.
"""
import argparse
import time

import libtorrent as lt

ap = argparse.ArgumentParser()
ap.add_argument("--listen", default="127.0.0.1")
ap.add_argument("--timeout", type=int, default=120)
args = ap.parse_args()

s = lt.session({
    "listen_interfaces": args.listen + ":0",
    "enable_dht": True,
    "enable_lsd": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "dht_bootstrap_nodes": "",
    # Loopback peers: libtorrent would otherwise keep one node per /24 and ignore "dark" addresses.
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    # Its DHT log goes to stdout: the test shows the tail when something fails.
    "alert_mask": lt.alert.category_t.dht_log_notification | lt.alert.category_t.dht_notification
    | lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
})
deadline = time.time() + args.timeout
while (s.listen_port() == 0 or not s.is_dht_running()) and time.time() < deadline:
    for a in s.pop_alerts():
        print(type(a).__name__, a.message(), flush=True)
    time.sleep(0.05)
time.sleep(0.5)  # the DHT's socket is opened just after it reports running
print("LISTENING %d" % s.listen_port(), flush=True)

while time.time() < deadline:
    for a in s.pop_alerts():
        print(type(a).__name__, a.message(), flush=True)
    time.sleep(0.05)
