#!/usr/bin/env python3
"""cluster-bench.py — the etcd-ordered cluster beside one node, in the same run
(`make bench`; docs/cluster.md, "Measured").

  scripts/cluster-bench.py [--bin build/coopvm] [--txs N] [--threads T]

Signs N transactions (Housing.rooms by the development key "alice", distinct
timestamps) before any clock starts, then for a single node (the solo producer)
and for a three-node cluster with three etcd members (scripts/cluster.sh), all
on 127.0.0.1 with the example cooperative's genesis:

  - T threads POST the transactions (keep-alive http.client; to the cluster's
    three nodes in turn, so two thirds are forwarded to the producer);
  - a watcher reads every new block as it commits (GET /v1/blocks/latest every
    20 ms, then each new height) and notes when each transaction appeared;
  - committed transactions per second = the transactions that got a 202 /
    (the last one's commit seen - the first POST); submit-to-commit latency
    p50/p99 = commit seen - just before its POST (±20 ms);

then, on the cluster, SIGKILLs the producer while a transaction is submitted
every 100 ms and measures the time from the kill to the next block. Everything
it starts is stopped and its directory removed. Python 3's standard library.
"""

import argparse
import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GENESIS = os.path.join(HERE, "..", "examples", "cooperative", "genesis.json")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url, path, timeout=5):
    host = url.split("//")[1]
    c = http.client.HTTPConnection(host, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def latest(url):
    try:
        st, body = get(url, "/v1/blocks/latest", 2)
        return json.loads(body)["header"]["height"] if st == 200 else 0
    except (OSError, ValueError):
        return 0


def sign(bin_, n, d):
    key = os.path.join(d, "alice.json")
    with open(key, "w") as f:
        subprocess.run([bin_, "keygen", "--name", "alice", "--json"], stdout=f, check=True)
    ts = time.time_ns()
    txs = []
    for i in range(n):
        out = subprocess.run([bin_, "tx", "build", "--chain", "42", "--key", key, "--service", "Housing",
                              "--method", "rooms", "--arg", "3", "--timestamp", str(ts + i)],
                             capture_output=True, check=True).stdout
        txs.append(out)
    return txs


def load(urls, txs, threads):
    """POSTs every transaction, watches the blocks; returns (tx/s, p50 ms, p99 ms, accepted)."""
    submitted = {}  # hash -> time just before its POST
    seen = {}  # hash -> time its block was seen
    lock = threading.Lock()
    done = threading.Event()
    start_h = min(latest(u) for u in urls)

    def watch():
        h = start_h
        while not done.is_set() or len(seen) < len(submitted):
            top = latest(urls[0])
            while h < top:
                h += 1
                st, body = get(urls[0], "/v1/blocks/%d" % h)
                now = time.monotonic()
                if st == 200:
                    for t in json.loads(body).get("transactions", []):
                        with lock:
                            seen.setdefault(t, now)
            if done.is_set() and time.monotonic() > deadline[0]:
                return
            time.sleep(0.02)

    def post(k):
        conns = {}
        for i in range(k, len(txs), threads):
            url = urls[i % len(urls)]
            host = url.split("//")[1]
            for _ in range(50):
                c = conns.get(host) or http.client.HTTPConnection(host, timeout=10)
                conns[host] = c
                t0 = time.monotonic()
                try:
                    c.request("POST", "/v1/transactions", txs[i], {"Content-Type": "application/json"})
                    r = c.getresponse()
                    body = r.read()
                except (OSError, http.client.HTTPException):
                    c.close()
                    conns.pop(host, None)
                    time.sleep(0.1)
                    continue
                if r.status == 202:
                    with lock:
                        submitted[json.loads(body)["tx_hash"]] = t0
                    break
                if r.status != 503:
                    break
                time.sleep(0.1)

    deadline = [time.monotonic() + 600]
    w = threading.Thread(target=watch)
    w.start()
    first = time.monotonic()
    ps = [threading.Thread(target=post, args=(k,)) for k in range(threads)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    deadline[0] = time.monotonic() + 60
    done.set()
    w.join()
    lat = sorted((seen[h] - t0) * 1000 for h, t0 in submitted.items() if h in seen)
    if not lat:
        return 0.0, 0.0, 0.0, 0
    last = max(seen[h] for h in submitted if h in seen)
    rate = len(lat) / (last - first)
    return rate, lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))], len(submitted)


def failover(bin_, urls, d, txs):
    """SIGKILLs the producer under a trickle of transactions; ms to the next block."""
    key = base64.b64encode(b"/coopvm/42/leader").decode()
    st, body = None, None
    env = dict(line.split("=", 1) for line in open(os.path.join(d, "cluster.env")).read().split())
    c = http.client.HTTPConnection("127.0.0.1", int(env["port"]) + 1, timeout=5)
    c.request("POST", "/v3/kv/range", json.dumps({"key": key}))
    kvs = json.loads(c.getresponse().read()).get("kvs", [])
    if not kvs:
        return None
    leader = int(json.loads(base64.b64decode(kvs[0]["value"]))["node"][1:])
    others = [u for i, u in enumerate(urls, 1) if i != leader]
    h0 = max(latest(u) for u in others)
    pid = int(open(os.path.join(d, "node%d.pid" % leader)).read())
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    i = 0
    while time.monotonic() - t0 < 20:
        if i < len(txs):
            try:
                host = others[i % 2].split("//")[1]
                cc = http.client.HTTPConnection(host, timeout=2)
                cc.request("POST", "/v1/transactions", txs[i], {"Content-Type": "application/json"})
                cc.getresponse().read()
                cc.close()
            except (OSError, http.client.HTTPException):
                pass
            i += 1
        if max(latest(u) for u in others) > h0:
            return (time.monotonic() - t0) * 1000
        time.sleep(0.1)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "coopvm"))
    ap.add_argument("--txs", type=int, default=600)
    ap.add_argument("--threads", type=int, default=8)
    a = ap.parse_args()
    if not shutil.which("etcd"):
        print("cluster bench: etcd not found (scripts/deps.sh etcd): skipped")
        return 0
    helptext = subprocess.run([a.bin, "node", "--help"], capture_output=True, text=True)
    if "--etcd" not in helptext.stdout + helptext.stderr:
        print("cluster bench: %s node has no --etcd: skipped" % a.bin)
        return 0
    d = tempfile.mkdtemp(prefix="coopvm-cluster-bench-")
    node = None
    try:
        txs = sign(a.bin, a.txs + 100, d)
        work, trickle = txs[:a.txs], txs[a.txs:]
        port = free_port()
        node = subprocess.Popen([a.bin, "node", "--data", os.path.join(d, "solo"), "--genesis", GENESIS,
                                 "--listen", "127.0.0.1:%d" % port], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        solo = "http://127.0.0.1:%d" % port
        for _ in range(100):
            if latest(solo) >= 2:
                break
            time.sleep(0.1)
        s_rate, s50, s99, s_n = load([solo], work, a.threads)
        node.send_signal(signal.SIGTERM)
        node.wait(timeout=30)
        node = None

        cdir = os.path.join(d, "cluster")
        cport = 20000 + (os.getpid() % 120) * 100  # below the ephemeral range
        subprocess.run([os.path.join(HERE, "cluster.sh"), "--bin", a.bin, "--dir", cdir, "--port", str(cport),
                        "--detach"], check=True, stdout=subprocess.DEVNULL)
        urls = ["http://127.0.0.1:%d" % (cport + 20 + i) for i in (1, 2, 3)]
        for _ in range(100):
            if min(latest(u) for u in urls) >= 2:
                break
            time.sleep(0.1)
        c_rate, c50, c99, c_n = load(urls, work, a.threads)
        fo = failover(a.bin, urls, cdir, trickle)

        print("cluster (%d transactions, %d threads; the example cooperative's Housing.rooms):" % (a.txs, a.threads))
        print("  one node:          %7.0f committed tx/s   p50 %5.0f ms  p99 %5.0f ms  (%d accepted)"
              % (s_rate, s50, s99, s_n))
        print("  3 nodes + 3 etcd:  %7.0f committed tx/s   p50 %5.0f ms  p99 %5.0f ms  (%d accepted)"
              % (c_rate, c50, c99, c_n))
        print("  cluster / one node: %.2fx" % (c_rate / s_rate if s_rate else 0.0))
        print("  producer SIGKILLed -> next block: %s" % ("%.0f ms" % fo if fo is not None else "none within 20 s"))
    finally:
        if node is not None:
            node.kill()
            node.wait()
        if os.path.exists(os.path.join(d, "cluster", "cluster.env")):
            subprocess.run([os.path.join(HERE, "cluster.sh"), "stop", "--dir", os.path.join(d, "cluster")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
