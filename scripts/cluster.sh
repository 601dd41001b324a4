#!/bin/bash
# cluster.sh — a local coopvm cluster to try: three etcd members (Debian's
# etcd-server) and three `coopvm node`s ordered by them, all on 127.0.0.1
# (docs/cluster.md).
#
#   scripts/cluster.sh [start] [--dir DIR] [--bin build/coopvm] [--port P]
#       [--genesis FILE.json] [--block-interval D] [--lease-ttl S] [--detach]
#   scripts/cluster.sh stop [--dir DIR]
#   scripts/cluster.sh start-node I [--dir DIR]    (I = 1, 2, 3: restart one)
#   scripts/cluster.sh start-etcd I [--dir DIR]    (restart one etcd member)
#
# start: makes DIR (default ./coopvm-cluster; it must not hold a running
# cluster), starts the members e1..e3 (client ports P+1..P+3, peer ports
# P+11..P+13; P defaults to 23700, data in DIR/etcdI) and the nodes n1..n3
# (API on P+21..P+23, data in DIR/nodeI, log in DIR/nodeI.log) with the
# example cooperative's genesis, waits for each to answer, and prints their
# URLs. Without --detach it then waits: Ctrl-C (or SIGTERM) stops everything.
# With --detach it returns; `scripts/cluster.sh stop --dir DIR` stops it.
# stop: SIGTERM to the nodes (each finishes its block, gives up its lease,
# closes its store), then to the members; SIGKILL to whatever has not exited
# after 15 s. Only processes whose pid file is in DIR and whose command line
# names DIR are signalled.
#
# Exit status: 0 done, 1 something did not start or stop (its log is
# named), 2 usage.
set -eu

cmd=start
case "${1:-}" in
start | stop) cmd=$1; shift ;;
start-node | start-etcd)
    [ $# -ge 2 ] || { echo "cluster.sh: $1 needs I (1, 2 or 3)" >&2; exit 2; }
    cmd=$1 which=$2; shift 2
    case "$which" in 1 | 2 | 3) ;; *) echo "cluster.sh: $cmd: I is 1, 2 or 3, not '$which'" >&2; exit 2 ;; esac
    ;;
esac

dir=./coopvm-cluster
bin=build/coopvm
port=23700
genesis=$(dirname "$0")/../examples/cooperative/genesis.json
interval=500ms
ttl=2
detach=0
usage() {
    sed -n '/^#   scripts/,/^#   scripts.*start-etcd/p' "$0" | sed 's/^# *//' >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
    --bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
    --port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
    --genesis) [ $# -ge 2 ] || usage; genesis=$2; shift 2 ;;
    --block-interval) [ $# -ge 2 ] || usage; interval=$2; shift 2 ;;
    --lease-ttl) [ $# -ge 2 ] || usage; ttl=$2; shift 2 ;;
    --detach) detach=1; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
case "$port" in '' | *[!0-9]*) echo "cluster.sh: --port must be a number, not '$port'" >&2; exit 2 ;; esac
[ "$port" -ge 1024 ] && [ "$port" -le 65000 ] || { echo "cluster.sh: --port $port: 1024..65000" >&2; exit 2; }

# The settings of a started cluster are kept in DIR/cluster.env, so that
# stop and start-node/start-etcd use the same ones.
if [ "$cmd" != start ]; then
    [ -f "$dir/cluster.env" ] || { echo "cluster.sh: no cluster in $dir (no $dir/cluster.env)" >&2; exit 1; }
    # shellcheck disable=SC1091
    . "$dir/cluster.env"
fi
adir=$(cd "$(dirname "$dir")" 2>/dev/null && pwd)/$(basename "$dir") || adir=$dir

client_url() { echo "http://127.0.0.1:$((port + $1))"; }
peer_url() { echo "http://127.0.0.1:$((port + 10 + $1))"; }
node_url() { echo "http://127.0.0.1:$((port + 20 + $1))"; }
etcd_urls() { echo "$(client_url 1),$(client_url 2),$(client_url 3)"; }

# the pid in DIR/NAME.pid if that process is alive and is ours (its command
# line names DIR), else nothing
live_pid() {
    local f="$adir/$1.pid" pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$adir/" && echo "$pid"
    return 0
}

# something listens on 127.0.0.1:PORT
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_url() { # URL PATH WHAT LOG: up to 60 s (a loaded CI machine)
    for _ in $(seq 1 300); do
        curl -fsS -m 1 "$1$2" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "cluster.sh: $3 did not answer at $1$2 within 60 s; its log: $4" >&2
    tail -n 20 "$4" >&2 || true
    return 1
}

start_etcd() {
    local i=$1
    [ -z "$(live_pid "etcd$i")" ] || { echo "cluster.sh: etcd member e$i is running" >&2; return 1; }
    local initial="e1=$(peer_url 1),e2=$(peer_url 2),e3=$(peer_url 3)"
    # the --initial-* flags are read only when DIR/etcdI is new: a restart
    # rejoins with the member's own data
    etcd --name "e$i" --data-dir "$adir/etcd$i" \
        --listen-client-urls "$(client_url "$i")" --advertise-client-urls "$(client_url "$i")" \
        --listen-peer-urls "$(peer_url "$i")" --initial-advertise-peer-urls "$(peer_url "$i")" \
        --initial-cluster "$initial" --initial-cluster-token "coopvm-$port" \
        --initial-cluster-state new \
        </dev/null >>"$adir/etcd$i.log" 2>&1 &
    echo $! >"$adir/etcd$i.pid"
}

start_node() {
    local i=$1
    [ -z "$(live_pid "node$i")" ] || { echo "cluster.sh: node n$i is running" >&2; return 1; }
    "$bin" node --data "$adir/node$i" --genesis "$genesis" --etcd "$(etcd_urls)" --node-id "n$i" \
        --listen "127.0.0.1:$((port + 20 + i))" --block-interval "$interval" --lease-ttl "$ttl" \
        </dev/null >>"$adir/node$i.log" 2>&1 &
    echo $! >"$adir/node$i.pid"
}

stop_pids() { # NAME...: SIGTERM, then SIGKILL after 15 s
    local n pids="" pid
    for n in "$@"; do
        pid=$(live_pid "$n")
        [ -n "$pid" ] || continue
        kill -CONT "$pid" 2>/dev/null || true # a paused one cannot exit
        kill -TERM "$pid" 2>/dev/null || true
        pids="$pids $pid"
    done
    for _ in $(seq 1 75); do
        local alive=""
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
        pids=$alive
        [ -n "$pids" ] || return 0
        sleep 0.2
    done
    echo "cluster.sh: still running after 15 s, killed:$pids" >&2
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    return 1
}

stop_all() {
    local rc=0
    stop_pids node1 node2 node3 || rc=1
    stop_pids etcd1 etcd2 etcd3 || rc=1
    rm -f "$adir"/*.pid
    return $rc
}

case "$cmd" in
stop)
    stop_all && echo "cluster in $dir stopped"
    exit
    ;;
start-node)
    start_node "$which"
    wait_url "$(node_url "$which")" /v1/status "node n$which" "$adir/node$which.log"
    echo "n$which $(node_url "$which")"
    exit 0
    ;;
start-etcd)
    start_etcd "$which"
    wait_url "$(client_url "$which")" /health "etcd member e$which" "$adir/etcd$which.log"
    echo "e$which $(client_url "$which")"
    exit 0
    ;;
esac

command -v etcd >/dev/null 2>&1 || { echo "cluster.sh: etcd not found: scripts/deps.sh etcd installs etcd-server" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || { echo "cluster.sh: curl not found (apt-get install curl)" >&2; exit 1; }
[ -x "$bin" ] || { echo "cluster.sh: $bin not found: run make first (or give --bin)" >&2; exit 1; }
"$bin" node --help 2>&1 | grep -q -- '--etcd' ||
    { echo "cluster.sh: $bin node has no --etcd (a build without the etcd-ordered producer)" >&2; exit 1; }
[ -f "$genesis" ] || { echo "cluster.sh: genesis $genesis not found" >&2; exit 1; }
for p in 1 2 3 11 12 13 21 22 23; do
    if port_busy $((port + p)); then
        echo "cluster.sh: 127.0.0.1:$((port + p)) is in use: give another --port" >&2
        exit 1
    fi
done
mkdir -p "$dir"
adir=$(cd "$dir" && pwd)
for n in etcd1 etcd2 etcd3 node1 node2 node3; do
    [ -z "$(live_pid $n)" ] || { echo "cluster.sh: $dir holds a running cluster ($n): scripts/cluster.sh stop --dir $dir" >&2; exit 1; }
done
genesis=$(cd "$(dirname "$genesis")" && pwd)/$(basename "$genesis")
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
printf 'port=%s\nbin=%s\ngenesis=%s\ninterval=%s\nttl=%s\n' "$port" "$bin" "$genesis" "$interval" "$ttl" >"$adir/cluster.env"

trap 'echo; echo "cluster.sh: stopping"; stop_all; exit 1' INT TERM
for i in 1 2 3; do start_etcd $i; done
for i in 1 2 3; do
    wait_url "$(client_url $i)" /health "etcd member e$i" "$adir/etcd$i.log" || { stop_all; exit 1; }
done
for i in 1 2 3; do start_node $i; done
for i in 1 2 3; do
    wait_url "$(node_url $i)" /v1/status "node n$i" "$adir/node$i.log" || { stop_all; exit 1; }
done
echo "etcd: $(etcd_urls)"
for i in 1 2 3; do echo "n$i $(node_url $i)  (data $adir/node$i, log $adir/node$i.log)"; done
if [ "$detach" = 1 ]; then
    echo "stop it with: scripts/cluster.sh stop --dir $dir"
    exit 0
fi
echo "the explorer: $(node_url 1)/ — Ctrl-C stops the cluster"
# a background job of a script ignores SIGINT: Ctrl-C reaches this shell,
# whose trap stops everything; wait returns early on a signal
while :; do
    sleep 1 &
    wait $! || true
done
