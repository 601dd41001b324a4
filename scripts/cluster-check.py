#!/usr/bin/env python3
"""cluster-check.py — checks a cluster's run against its client's log, not by eye
(scripts/cluster-test.sh runs it; docs/cluster.md).

  scripts/cluster-check.py --log CLIENT.log --node URL [--node URL]...
      [--etcd URL] [--chain N] [--stop CMD] [--bin COOPVM --data DIR [--data DIR]...]

The client's log has one line per answer: MS<TAB>TX_HASH<TAB>NODE_URL<TAB>STATUS
(STATUS the HTTP status, or ERR when no answer came). Checked:

  - every node is at the same height, with the same block hash at every height,
    and each node's chain is linked (prev_hash of H is the hash of H - 1);
  - every transaction that got a 202 is in exactly one block (its hash in the
    blocks' "transactions", counted over every height) and every node answers
    GET /v1/transactions/{hash} with COMMITTED at that height;
  - with --etcd: every block key etcd still holds (/coopvm/<chain>/blocks/) was
    written once (version 1, a create_revision no other key has) and names the
    block hash the nodes committed at its height;
  - with --data: after CMD (--stop) has run, `COOPVM verify --data DIR` passes
    for each directory.

Python 3's standard library only. Ends with "N passed, N failed"; exit status 0
when none failed, 1 otherwise, 2 usage.
"""

import argparse
import base64
import collections
import json
import subprocess
import sys
import urllib.error
import urllib.request

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok    " + what)
    else:
        failed += 1
        print("FAIL  " + what)
    return ok


def get_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def read_log(path):
    answers = []  # (ms, hash, node, status)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4:
                raise SystemExit("cluster-check: %s:%d: not MS<TAB>HASH<TAB>NODE<TAB>STATUS" % (path, n))
            answers.append((parts[0], parts[1], parts[2], parts[3]))
    return answers


def fetch_chain(url):
    """Every block of the node at URL, by height (1..latest)."""
    latest = get_json(url + "/v1/blocks/latest")["header"]["height"]
    return [get_json("%s/v1/blocks/%d" % (url, h)) for h in range(1, latest + 1)]


def main():
    p = argparse.ArgumentParser(description="checks a coopvm cluster run (docs/cluster.md)")
    p.add_argument("--log", required=True)
    p.add_argument("--node", action="append", required=True)
    p.add_argument("--etcd")
    p.add_argument("--chain", type=int, default=42)
    p.add_argument("--stop")
    p.add_argument("--bin")
    p.add_argument("--data", action="append", default=[])
    a = p.parse_args()
    if a.data and not a.bin:
        p.error("--data needs --bin")

    answers = read_log(a.log)
    by_status = collections.Counter((node, status) for _, _, node, status in answers)
    print("the client's answers (%d):" % len(answers))
    for (node, status), n in sorted(by_status.items()):
        print("  %s %s: %d" % (node, status, n))
    accepted = sorted({h for _, h, _, s in answers if s == "202"})
    print("%d distinct transactions got a 202" % len(accepted))

    # --- the chains -------------------------------------------------------
    chains = {}
    for url in a.node:
        try:
            chains[url] = fetch_chain(url)
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            check(False, "%s serves its chain (%s)" % (url, e))
    heights = {url: len(c) for url, c in chains.items()}
    check(len(chains) == len(a.node) and len(set(heights.values())) == 1,
          "every node is at the same height: %s" % ", ".join("%s %d" % kv for kv in heights.items()))
    first = chains[a.node[0]] if a.node[0] in chains else []
    differ = []
    for h in range(1, max(heights.values(), default=0) + 1):
        hashes = {url: c[h - 1]["header"]["hash"] for url, c in chains.items() if len(c) >= h}
        if len(set(hashes.values())) != 1:
            differ.append(h)
    check(not differ, "the same block hash at every height (%d heights, %d nodes)%s"
          % (max(heights.values(), default=0), len(chains),
             "" if not differ else ": they differ at " + ", ".join(map(str, differ[:10]))))
    for url, c in chains.items():
        broken = [b["header"]["height"] for i, b in enumerate(c)
                  if i > 0 and b["header"]["prev_hash"] != c[i - 1]["header"]["hash"]]
        check(not broken, "%s: each block's prev_hash is the hash of the one before%s"
              % (url, "" if not broken else " (not at " + ", ".join(map(str, broken[:10])) + ")"))

    # --- every 202 committed exactly once ---------------------------------
    where = collections.defaultdict(list)  # tx hash -> heights of the blocks holding it
    for b in first:
        for t in b.get("transactions", []):
            where[t].append(b["header"]["height"])
    never = [t for t in accepted if not where.get(t)]
    twice = [t for t in accepted if len(where.get(t, [])) > 1]
    check(not never, "every transaction that got a 202 is committed (%d of %d)%s"
          % (len(accepted) - len(never), len(accepted), "" if not never else ": not " + " ".join(never[:5])))
    check(not twice, "none is committed twice%s" % ("" if not twice else ": " + " ".join(
        "%s at %s" % (t, where[t]) for t in twice[:5])))
    dup_all = [t for t, hs in where.items() if len(hs) > 1]
    check(not dup_all, "no transaction of any block is in two blocks (%d transactions)" % len(where))
    wrong = []
    for url in a.node:
        for t in accepted:
            try:
                r = get_json("%s/v1/transactions/%s" % (url, t))
                ok = r.get("status") == "COMMITTED" and where.get(t) and r.get("height") == where[t][0]
            except (urllib.error.URLError, OSError, ValueError) as e:
                ok, r = False, str(e)
            if not ok:
                wrong.append("%s %s: %s" % (url, t, r if isinstance(r, str) else r.get("status")))
    check(not wrong, "every node answers COMMITTED at that height for each (%d lookups)%s"
          % (len(a.node) * len(accepted), "" if not wrong else ": " + "; ".join(wrong[:5])))

    # --- etcd: no height written twice -----------------------------------
    if a.etcd:
        prefix = "/coopvm/%d/blocks/" % a.chain
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        b64 = lambda s: base64.b64encode(s.encode()).decode()
        try:
            r = get_json(a.etcd + "/v3/kv/range", {"key": b64(prefix), "range_end": b64(end)})
            kvs = r.get("kvs", [])
            revs = collections.Counter(kv["create_revision"] for kv in kvs)
            rewritten = [base64.b64decode(kv["key"]).decode() for kv in kvs
                         if kv.get("version", "1") != "1" or revs[kv["create_revision"]] > 1]
            check(not rewritten, "etcd: each of the %d block keys it keeps was written once%s"
                  % (len(kvs), "" if not rewritten else ": not " + ", ".join(rewritten[:5])))
            mism = []
            for kv in kvs:
                v = json.loads(base64.b64decode(kv["value"]))
                h = int(v["height"])
                if h > len(first) or first[h - 1]["header"]["hash"] != v.get("block_hash"):
                    mism.append(h)
            check(not mism, "etcd: each block key names the hash the nodes committed at its height%s"
                  % ("" if not mism else ": not at " + ", ".join(map(str, mism[:10]))))
        except (urllib.error.URLError, OSError, ValueError, KeyError) as e:
            check(False, "etcd at %s lists the block keys (%s)" % (a.etcd, e))

    # --- the stores, once stopped -----------------------------------------
    if a.stop:
        rc = subprocess.call(a.stop, shell=True)
        check(rc == 0, "the nodes and members stopped cleanly (%s)" % a.stop)
    for d in a.data:
        r = subprocess.run([a.bin, "verify", "--data", d], capture_output=True, text=True)
        out = (r.stdout + r.stderr).strip().splitlines()
        check(r.returncode == 0, "coopvm verify --data %s: %s" % (d, out[-1] if out else "rc %d" % r.returncode))

    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
