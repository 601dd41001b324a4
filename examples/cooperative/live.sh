#!/bin/sh
# live.sh — the cooperative's life on a live node (what `make run` runs).
#
# Starts `coopvm node` on a fresh data directory with genesis.json (the four
# accounts and the two contracts of scenario.json), then submits the ten
# blocks of scenario.json through the node's HTTP API with the client
# commands, as any member would: each transaction built and signed by
# `coopvm tx build --node URL --key KEY.json` with the account's development
# key (`coopvm keygen --name NAME --json`), submitted by `coopvm send`,
# followed by `coopvm receipt --wait`. Each block is printed (`coopvm block`)
# as it commits, with one line of outcomes per scenario block:
#
#   life block 2 (heights 4-4): ok ok ok ALREADY_MEMBER
#
# ("ok" for SUCCESS, else the error code, REJECTED when pre-order refused
# it). Then the node keeps serving the API and the explorer page until
# Ctrl-C, or, with --exit, is stopped (SIGTERM: it finishes its block and
# closes the store) and the script ends. The transactions of a scenario
# block are sent in order and the next block's only once they are all
# committed, so each outcome is the scenario's (tests/cli/test_run_node.c
# checks them against tests/cli/test_example.c's table).
#
#   examples/cooperative/live.sh [--bin build/coopvm] [--data ./coopvm-data]
#       [--listen 127.0.0.1:7070] [--block-interval 500ms] [--exit]
#
# The node's own log (its URL, one line per block) goes to DIR.log.
# Exit status: 0 the life was committed (and, with --exit, the node stopped
# cleanly), 1 something failed (the node's log is printed), 2 usage.
set -eu

bin=build/coopvm
data=./coopvm-data
listen=127.0.0.1:7070
interval=500ms
stop=0
here=$(dirname "$0")

usage() {
    sed -n '/^#   examples/,/^#       \[/p' "$0" | sed 's/^# */usage: /; 2s/^usage: /       /' >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
    --data) [ $# -ge 2 ] || usage; data=$2; shift 2 ;;
    --listen) [ $# -ge 2 ] || usage; listen=$2; shift 2 ;;
    --block-interval) [ $# -ge 2 ] || usage; interval=$2; shift 2 ;;
    --exit) stop=1; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "live.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
if [ -e "$data" ]; then
    echo "live.sh: $data exists; the life starts from genesis: remove it first (make run does)" >&2
    exit 1
fi

log=$data.log
keys=$(mktemp -d "${TMPDIR:-/tmp}/coopvm-live-XXXXXX")
node_pid=""

# the node is stopped however the script ends
cleanup() {
    if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
        kill -TERM "$node_pid" 2>/dev/null || true
        wait "$node_pid" 2>/dev/null || true
    fi
    rm -rf "$keys"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE # (output piped into head: the node must not be left running)

fail() {
    echo "live.sh: $*" >&2
    if [ -s "$log" ]; then
        echo "live.sh: the node's log ($log):" >&2
        sed 's/^/  /' "$log" >&2
    fi
    exit 1
}

"$bin" node --data "$data" --genesis "$here/genesis.json" --listen "$listen" \
    --block-interval "$interval" >"$log" 2>&1 &
node_pid=$!

# its URL, from the first line of its log that has one
url=""
tries=0
while [ -z "$url" ]; do
    kill -0 "$node_pid" 2>/dev/null || fail "the node did not start"
    url=$(sed -n 's|.*\(http://[0-9.:]*[0-9]\).*|\1|p' "$log" | head -n 1)
    [ -n "$url" ] && break
    tries=$((tries + 1))
    [ "$tries" -le 300 ] || fail "the node printed no URL in 30 s"
    sleep 0.1
done
echo "node: $url (chain in $data, its log in $log)"

for who in alice bob carol dave; do
    "$bin" keygen --name "$who" --json >"$keys/$who.json"
done

# The life: scenario.json's blocks, one transaction a line —
# BLOCK SIGNER CONTRACT METHOD [ARG]... (each ARG one JSON word, as --arg)
life='1 alice Housing found
1 bob Compute found
2 bob Housing join
2 carol Housing join
2 dave _Cooperatives join {"string":"housing"}
2 carol Housing join
3 alice Housing rooms 3
3 carol Housing rooms 2
3 bob Housing energy 40
3 bob Compute reserve 8
4 bob Housing propose
5 alice Housing vote 1 1
5 carol Housing vote 1 0
6 dave Housing vote 1 1
6 bob Housing vote 1 1
7 carol Housing quorum 75
7 alice Housing quorum 0
7 alice Housing quorum 75
8 carol Housing propose
9 alice Housing vote 2 0
9 bob Housing vote 2 0
10 dave Housing propose'

printed=2 # genesis and the contracts: printed by the node's log, not here
hashes=""

# Waits for every hash sent for block $1, prints the blocks they landed in
# and the block's line of outcomes.
finish_block() {
    outcomes="" first="" last=0
    for h in $hashes; do
        out=$("$bin" receipt --node "$url" --wait 60 "$h") || fail "no receipt for $h"
        status=$(printf '%s\n' "$out" | sed -n '1s/^tx [0-9a-f]*: \([A-Z]*\).*/\1/p')
        case "$status" in
        COMMITTED)
            height=$(printf '%s\n' "$out" | sed -n '1s/.* at height \([0-9]*\),.*/\1/p')
            # "  0x... -> Housing.join(): STATUS [CODE: ...]", its first "): "
            word=$(printf '%s\n' "$out" | sed -n '2s/^[^>]*> [^(]*([^)]*): \([A-Z_]*\)\( \([A-Z_]*\)\)\{0,1\}.*/\1 \3/p')
            case "$word" in
            "SUCCESS "*) word=ok ;;
            *) word=${word#* } ;;
            esac
            ;;
        REJECTED)
            height=$(printf '%s\n' "$out" | sed -n '1s/.* at height \([0-9]*\):.*/\1/p')
            word=REJECTED
            ;;
        *) fail "$h is still $status after 60 s" ;;
        esac
        outcomes="$outcomes${outcomes:+ }$word"
        [ -n "$first" ] || first=$height
        [ "$height" -gt "$last" ] && last=$height
    done
    while [ "$printed" -lt "$last" ]; do
        printed=$((printed + 1))
        "$bin" block --node "$url" --scenario "$here/genesis.json" "$printed" || fail "block $printed"
    done
    echo "life block $1 (heights $first-$last): $outcomes"
    hashes=""
}

tx=$keys/tx.json
current=1
while read -r blk signer contract method args; do
    if [ "$blk" != "$current" ]; then
        finish_block "$current"
        current=$blk
    fi
    # shellcheck disable=SC2086 # each ARG one word
    set -- $args
    argv=""
    for a in "$@"; do
        argv="$argv --arg '$a'"
    done
    eval "\"\$bin\" tx build --node \"\$url\" --key \"\$keys/\$signer.json\" --service \"\$contract\" \
        --method \"\$method\" $argv -o \"\$tx\"" || fail "building $signer's $contract.$method"
    sent=$("$bin" send --node "$url" "$tx") || fail "sending $signer's $contract.$method"
    hashes="$hashes ${sent%% *}"
done <<EOF
$life
EOF
finish_block "$current"

echo "the life is committed: $(grep -c '^block ' "$log") blocks in the node's log"
if [ "$stop" = 1 ]; then
    kill -TERM "$node_pid"
    rc=0
    wait "$node_pid" || rc=$?
    node_pid=""
    [ "$rc" = 0 ] || fail "the node exited with status $rc"
    echo "node stopped"
    exit 0
fi
echo "serving the API and the explorer: open $url/ in a browser; Ctrl-C stops the node"
# (a background job of a script ignores SIGINT: Ctrl-C reaches the script,
# whose exit stops the node with SIGTERM)
trap 'echo; echo "stopping the node"; exit 0' INT
wait "$node_pid"
