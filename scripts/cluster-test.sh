#!/bin/bash
# cluster-test.sh — the fault test of the etcd-ordered cluster (docs/cluster.md).
#
#   scripts/cluster-test.sh [--bin build/coopvm] [--dir DIR] [--soak [ROUNDS]]
#
# Starts three etcd members and three nodes on 127.0.0.1 (scripts/cluster.sh,
# free ports), and a client that submits pre-signed transactions (built with
# `coopvm keygen --name` and `coopvm tx build --key`, sent with curl) to the
# three nodes in turn, logging every answer (time, hash, node, status), while
# the test, once per round:
#   1. kills the producer with SIGKILL: another node must produce within 10 s
#      (measured: the kill to the next block, printed);
#   2. kills one etcd member (SIGKILL; the first of every node's --etcd list):
#      blocks must keep coming; the member is restarted afterwards;
#   3. restarts the killed node: it must catch up with the others;
#   4. pauses the producer (SIGSTOP) for 2 lease TTLs + 1 s, so that it loses
#      its lease and another node is elected, then resumes it (SIGCONT): it
#      must go on following, and the checker finds no height written twice.
# Then the client resubmits whatever got a 202 and is not committed yet (a
# transaction admitted by a producer that was killed waits in that node's
# mempool until it is back: docs/cluster.md), the nodes are let settle, and
# scripts/cluster-check.py checks the client's log against every node's
# chain and etcd's block keys, stops the cluster and runs `coopvm verify`
# on each node's directory. One round takes about two minutes;
# --soak runs ROUNDS (default 5) with a faster client.
#
# Ends with "N passed, N failed" (the steps' checks and the checker's).
# Exit status: 0 all passed, 1 a check failed, 2 usage, 77 no etcd (skipped).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/coopvm
dir=""
rounds=1
gap=0.05
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) [ $# -ge 2 ] || exit 2; bin=$2; shift 2 ;;
    --dir) [ $# -ge 2 ] || exit 2; dir=$2; shift 2 ;;
    --soak)
        rounds=5 gap=0.01; shift
        case "${1:-}" in [1-9]*) rounds=$1; shift ;; esac
        ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster-test.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
if ! command -v etcd >/dev/null 2>&1; then
    echo "cluster-test.sh: etcd not found (scripts/deps.sh etcd installs etcd-server): skipped"
    exit 77
fi
made=0
[ -n "$dir" ] || { dir=$(mktemp -d "${TMPDIR:-/tmp}/coopvm-cluster-test-XXXXXX"); made=1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
ttl=2
cluster() { "$here/cluster.sh" "$@" --dir "$dir/cluster"; }

passed=0 failed=0
step() { # OK WHAT
    if [ "$1" = 0 ]; then
        passed=$((passed + 1)); echo "ok    $2"
    else
        failed=$((failed + 1)); echo "FAIL  $2"
    fi
}
now_ms() { date +%s%3N; }

# a free base port: nine ports at P+1..P+23 none of which answers, below
# Linux's ephemeral range (32768 up), where curl's own connections would
# take them
port=""
for _ in $(seq 1 50); do
    p=$((20000 + (RANDOM % 120) * 100))
    busy=0
    for o in 1 2 3 11 12 13 21 22 23; do
        (exec 3<>"/dev/tcp/127.0.0.1/$((p + o))") 2>/dev/null && busy=1
    done
    [ $busy = 0 ] && { port=$p; break; }
done
[ -n "$port" ] || { echo "cluster-test.sh: no free ports" >&2; exit 1; }
node_url() { echo "http://127.0.0.1:$((port + 20 + $1))"; }
etcd_url() { echo "http://127.0.0.1:$((port + $1))"; }

client_pid=""
cleanup() {
    [ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null || true
    cluster stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "cluster-test: $rounds round(s) in $dir, ports $((port + 1))..$((port + 23))"
cluster start --bin "$bin" --port "$port" --lease-ttl "$ttl" --detach

# --- the transactions, signed before the run --------------------------------
ntx=$((rounds * 900))
mkdir -p "$dir/tx"
"$bin" keygen --name alice --json >"$dir/alice.json"
"$bin" tx build --chain 42 --key "$dir/alice.json" --service Housing --method rooms --arg 3 \
    --timestamp 1700000000000000000 -o "$dir/template.json"
base_ts=$(($(date +%s) * 1000000000))
python3 - "$dir" "$ntx" "$base_ts" <<'EOF'
# the timestamps differ, so do the hashes; each is signed by tx sign below
import json, sys
d, n, ts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = json.load(open(d + "/template.json"))
t.pop("signature", None)
for i in range(n):
    t["timestamp"] = ts + i
    json.dump(t, open("%s/tx/%05d.unsigned.json" % (d, i), "w"))
EOF
for f in "$dir"/tx/*.unsigned.json; do
    "$bin" tx sign "$f" --key "$dir/alice.json" -o "${f%.unsigned.json}.json"
    rm -f "$f"
done
echo "signed $ntx transactions"

# --- the client ---------------------------------------------------------------
log=$dir/client.log
: >"$log"
send() { # FILE NODE_INDEX: posts, logs, prints the status
    local h code
    h=$(basename "$1" .json)
    h=$(cat "$dir/tx/$h.hash")
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H 'Content-Type: application/json' \
        --data-binary @"$1" "$(node_url "$2")/v1/transactions" 2>/dev/null) || true
    [ -n "$code" ] && [ "$code" != 000 ] || code=ERR
    printf '%s\t%s\t%s\t%s\n' "$(now_ms)" "$h" "$(node_url "$2")" "$code" >>"$log"
    echo "$code"
}
for f in "$dir"/tx/*.json; do "$bin" tx hash "$f" >"${f%.json}.hash"; done
client() {
    local i=0 f n code tries
    for f in "$dir"/tx/*.json; do
        [ -e "$dir/stop-client" ] && return 0
        n=$((i % 3 + 1)) tries=0
        # a 503 (no producer) or no answer: the next node, a moment later
        while :; do
            code=$(send "$f" "$n")
            case "$code" in 202 | 409 | 400 | 422) break ;; esac
            tries=$((tries + 1))
            [ $tries -lt 50 ] || break
            n=$((n % 3 + 1))
            sleep 0.2
        done
        i=$((i + 1))
        sleep "$gap"
    done
}
client &
client_pid=$!

height() { curl -fsS -m 2 "$(node_url "$1")/v1/blocks/latest" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["height"])' 2>/dev/null || echo 0; }
leader() { # the node index etcd names as producer (0: none)
    local k
    k=$(printf '/coopvm/42/leader' | base64 -w0)
    for e in 1 2 3; do
        curl -fsS -m 2 -X POST -d "{\"key\":\"$k\"}" "$(etcd_url $e)/v3/kv/range" 2>/dev/null |
            python3 -c '
import base64, json, sys
kvs = json.load(sys.stdin).get("kvs", [])
print(json.loads(base64.b64decode(kvs[0]["value"]))["node"][1:] if kvs else 0)' 2>/dev/null && return 0
    done
    echo 0
}
max_height() { local m=0 h i; for i in "$@"; do h=$(height "$i"); [ "$h" -gt "$m" ] && m=$h; done; echo $m; }
wait_leader() { # up to 15 s; prints the index
    local l
    for _ in $(seq 1 75); do
        l=$(leader); [ "$l" != 0 ] && { echo "$l"; return 0; }
        sleep 0.2
    done
    echo 0
}

kills=0 etcd_kills=0 restarts=0 pauses=0 failovers=""
for round in $(seq 1 "$rounds"); do
    echo "--- round $round"
    sleep 4
    # 1. SIGKILL the producer
    p=$(wait_leader)
    step "$([ "$p" != 0 ]; echo $?)" "a producer is elected (n$p)"
    [ "$p" != 0 ] || break
    others=$(echo 1 2 3 | tr ' ' '\n' | grep -vx "$p" | tr '\n' ' ')
    h0=$(max_height $others)
    t0=$(now_ms)
    kill -KILL "$(cat "$dir/cluster/node$p.pid")"
    kills=$((kills + 1))
    t1=""
    while [ $(($(now_ms) - t0)) -lt 15000 ]; do
        # shellcheck disable=SC2086
        if [ "$(max_height $others)" -gt "$h0" ]; then t1=$(now_ms); break; fi
        sleep 0.1
    done
    if [ -n "$t1" ]; then
        failovers="$failovers $((t1 - t0))"
        step "$([ $((t1 - t0)) -le 10000 ]; echo $?)" "killed producer n$p (SIGKILL): n$(leader) produced height $((h0 + 1)) $((t1 - t0)) ms later (lease TTL ${ttl} s + a follower's re-read + a block interval)"
    else
        step 1 "killed producer n$p (SIGKILL): no block within 15 s"
    fi
    # 2. SIGKILL an etcd member: the first URL of every node's list
    kill -KILL "$(cat "$dir/cluster/etcd1.pid")"
    etcd_kills=$((etcd_kills + 1))
    # shellcheck disable=SC2086
    h1=$(max_height $others)
    sleep 5
    # shellcheck disable=SC2086
    h2=$(max_height $others)
    step "$([ "$h2" -gt "$h1" ]; echo $?)" "etcd member e1 killed: blocks go on ($h1 -> $h2 in 5 s)"
    # 3. restart the killed node (and the member): it catches up
    cluster start-etcd 1 >/dev/null
    t0=$(now_ms)
    cluster start-node "$p" >/dev/null
    restarts=$((restarts + 1))
    caught=""
    while [ $(($(now_ms) - t0)) -lt 30000 ]; do
        # shellcheck disable=SC2086
        [ "$(height "$p")" -ge "$(max_height $others)" ] && { caught=$(($(now_ms) - t0)); break; }
        sleep 0.2
    done
    step "$([ -n "$caught" ]; echo $?)" "restarted n$p caught up (height $(height "$p")) ${caught:-never} ms after its start"
    # 4. SIGSTOP the producer past its lease, then SIGCONT
    q=$(wait_leader)
    [ "$q" != 0 ] || { step 1 "a producer to pause"; break; }
    kill -STOP "$(cat "$dir/cluster/node$q.pid")"
    pauses=$((pauses + 1))
    sleep $((2 * ttl + 1))
    r=$(leader)
    step "$([ "$r" != 0 ] && [ "$r" != "$q" ]; echo $?)" "paused producer n$q (SIGSTOP, $((2 * ttl + 1)) s): n$r was elected meanwhile"
    kill -CONT "$(cat "$dir/cluster/node$q.pid")"
    sleep 3
    alive=0
    kill -0 "$(cat "$dir/cluster/node$q.pid")" 2>/dev/null && alive=1
    step "$([ $alive = 1 ]; echo $?)" "resumed n$q (SIGCONT) runs on (height $(height "$q"), the others $(max_height 1 2 3))"
done

# --- the end: every 202 committed, the nodes settled --------------------------
touch "$dir/stop-client"
wait "$client_pid" 2>/dev/null || true
client_pid=""
committed() { # HASH on node 1..3: COMMITTED
    curl -fsS -m 2 "$(node_url "$2")/v1/transactions/$1" 2>/dev/null | grep -q '"COMMITTED"'
}
resubmitted=0
for pass in 1 2 3 4 5; do
    left=0
    for h in $(awk -F'\t' '$4 == 202 {print $2}' "$log" | sort -u); do
        committed "$h" 1 && continue
        left=$((left + 1))
        f=$(grep -lx "$h" "$dir"/tx/*.hash | head -1)
        send "${f%.hash}.json" $((pass % 3 + 1)) >/dev/null
        resubmitted=$((resubmitted + 1))
    done
    [ $left = 0 ] && break
    sleep 3
done
settled=""
for _ in $(seq 1 150); do
    a=$(height 1) b=$(height 2) c=$(height 3)
    [ "$a" = "$b" ] && [ "$b" = "$c" ] && { settled=$a; break; }
    sleep 0.2
done
step "$([ -n "$settled" ]; echo $?)" "the three nodes settle at one height (${settled:-they do not})"

echo "tried: $kills producer kill(s), $etcd_kills etcd member kill(s), $restarts restart(s), $pauses pause(s);" \
    "failover (kill to next block, ms):${failovers:- none}; $resubmitted resubmission(s) at the end"
echo "--- the checker"
crc=0
python3 "$here/cluster-check.py" --log "$log" --node "$(node_url 1)" --node "$(node_url 2)" --node "$(node_url 3)" \
    --etcd "$(etcd_url 2)" --chain 42 --stop "'$here/cluster.sh' stop --dir '$dir/cluster'" \
    --bin "$bin" --data "$dir/cluster/node1" --data "$dir/cluster/node2" --data "$dir/cluster/node3" \
    | tee "$dir/check.out" || crc=1
cp=$(tail -1 "$dir/check.out" | awk '{print $1}') cf=$(tail -1 "$dir/check.out" | awk '{print $3}')
passed=$((passed + ${cp:-0})) failed=$((failed + ${cf:-1}))
[ $crc = 0 ] || [ "${cf:-1}" != 0 ] || failed=$((failed + 1))
[ $failed = 0 ] && [ $made = 1 ] || echo "cluster-test: logs in $dir"
echo "$passed passed, $failed failed"
# a directory of its own is removed when everything passed
[ $failed = 0 ] && [ $made = 1 ] && rm -rf "$dir"
[ $failed = 0 ]
