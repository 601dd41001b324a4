#!/bin/sh
# gen-scenario.sh — writes a `coopvm process` scenario that uses every feature
# of a chain, for `make cross` (scripts/cross.sh), which plays it with the
# native build and with each foreign one and compares the outputs byte for
# byte. The blocks are a function of their number only, so the file is the
# same on every machine.
#
#   tests/cross/gen-scenario.sh BLOCKS DIR [FROM TO] > scenario.json
#
# BLOCKS  the number of scenario blocks of the whole chain (heights 3..BLOCKS+2)
# DIR     the repository root as the scenario should name it (contract paths)
# FROM TO only blocks FROM..TO (1-based) — a chain played in two runs on one
#         --data store; the queries come with the part that ends at BLOCKS, and
#         a part that does not start at 1 lists no contracts: it calls those
#         the store holds.
#
# Each block mixes, by its number i: contract methods of tests/cross/Ledger.asm
# (64-bit arithmetic at its edges, loops, computed and binary state keys,
# events, logs, CallService and CallLibrary), Counter and Housing from the
# examples, the native services directly (_Cooperatives, _Governance,
# _Reputation, _Info), failures (traps, division by zero, overflow, abort, out
# of gas, unknown methods, wrong arguments, missing reputation, permissions,
# governance refusals) and transactions pre-order rejects (tampered signature,
# unknown scheme, another chain or protocol, a timestamp outside the window);
# every 9th block is empty.
set -eu

[ $# -eq 2 ] || [ $# -eq 4 ] || { echo "usage: gen-scenario.sh BLOCKS DIR [FROM TO]" >&2; exit 2; }
blocks=$1 dir=$2 from=${3:-1} to=${4:-$1}

awk -v n="$blocks" -v dir="$dir" -v from="$from" -v to="$to" '
function tx(signer, contract, method, args, extra) {
    s = "{\"signer\": \"" signer "\", \"contract\": \"" contract "\", \"method\": \"" method "\""
    if (args != "") s = s ", \"args\": [" args "]"
    if (extra != "") s = s ", " extra
    return s "}"
}
function add(t) { blk = blk (nb++ ? ",\n   " : "") t }
function str(x) { return "{\"string\": \"" x "\"}" }
BEGIN {
    alice = "0xd21b6d72a95502cbc0128326b938aa55a2325cf1"   # docs/transactions.md
    print "{"
    print " \"accounts\": {"
    print "  \"alice\": {\"reputation\": 200, \"admin\": true},"
    print "  \"bob\":   {\"reputation\": 150},"
    print "  \"carol\": {\"reputation\": 120},"
    print "  \"dave\":  {\"reputation\": 40},"
    print "  \"erin\":  {},"
    print "  \"frank\": {\"reputation\": 6}"
    print " },"
    if (from == 1) {
        print " \"contracts\": {"
        print "  \"Ledger\": \"" dir "/tests/cross/Ledger.asm\","
        print "  \"Counter\": \"" dir "/examples/counter.asm\","
        print "  \"Housing\": \"" dir "/examples/cooperative/Housing.asm\""
        print " },"
    }
    print " \"blocks\": ["
    first = 1
    for (i = from; i <= to; i++) {
        h = i + 2                    # genesis is height 1, the deployments 2
        ts = h * 1000000000
        blk = ""; nb = 0
        if (i == 1) {
            add(tx("alice", "Ledger", "found", ""))
            add(tx("alice", "Housing", "found", ""))
            add(tx("bob", "_Cooperatives", "create",
                   str("lab") ", " str("Compute lab") ", 90, 10, 10, 10, 10, " str("south")))
            add(tx("frank", "Ledger", "found", ""))                 # COOPERATIVE_EXISTS
        } else if (i == 2) {
            add(tx("bob", "Ledger", "join", ""))
            add(tx("carol", "Ledger", "join", ""))
            add(tx("carol", "Ledger", "join", ""))                  # ALREADY_MEMBER
            add(tx("dave", "_Cooperatives", "join", str("garden")))
            add(tx("erin", "_Cooperatives", "join", str("nowhere"))) # COOPERATIVE_NOT_FOUND
            add(tx("bob", "Housing", "join", ""))
        } else if (i % 9 == 0) {
            # an empty block
        } else {
            a = (i * 7919) % 1000 - 500
            add(tx("alice", "Ledger", "add", a))
            add(tx("bob", "Ledger", "mix", (i * i * 31 - 1000) ", " (i % 7 - 3)))   # b = 0: DIVISION_BY_ZERO
            add(tx("carol", "Ledger", "sum", i % 40))
            add(tx("dave", "Ledger", "compare", (i % 5 - 2) ", " (i % 3 - 1)))
            add(tx("alice", "Counter", "increment", i))
            if (i % 2) add(tx("bob", "Ledger", "counter", i))
            else       add(tx("carol", "Ledger", "library", i % 4 ? i : -i))
            add(tx("frank", "_Cooperatives", "allocate", str("garden") ", " (i % 4) ", " i))  # NOT_A_MEMBER
            add(tx("dave", "_Cooperatives", "allocate", str("garden") ", " (i % 4) ", " (i * 3)))
            add(tx("bob", "_Cooperatives", "allocate", str("lab") ", 1, " i))  # RESOURCE_IMPACT_TOO_HIGH
            add(tx("carol", "Ledger", "alloc", i % 6))                        # 0: refused
            if (i % 3 == 0) add(tx("alice", "Ledger", "edges", ""))
            if (i % 4 == 0) add(tx("frank", "Ledger", "env", ""))
            if (i % 4 == 1) add(tx("erin", "Ledger", "env", ""))               # INSUFFICIENT_REPUTATION
            if (i % 5 == 0) add(tx("bob", "Ledger", "overflow", i % 2))
            if (i % 6 == 0) add(tx("carol", "Ledger", "abort", i))
            if (i % 8 == 0) add(tx("dave", "Ledger", "divide", i ", " (i % 3)))
            if (i % 16 == 3) add(tx("dave", "Ledger", "forever", ""))         # OUT_OF_GAS
            if (i % 7 == 0) add(tx("bob", "Ledger", "nope", ""))              # UNKNOWN_METHOD
            if (i % 7 == 1) add(tx("bob", "Ledger", "add", "1, 2"))           # WRONG_ARGUMENTS
            # governance: a proposal every 10 blocks, voted on in the next ones
            if (i % 10 == 3) add(tx("alice", "Ledger", "propose", ""))
            if (i % 10 == 4) add(tx("frank", "Ledger", "propose", ""))        # not a member
            if (i % 10 == 5) add(tx("bob", "Ledger", "vote", int(i / 10) + 1 ", " (i % 20 < 10)))
            if (i % 10 == 6) add(tx("carol", "_Governance", "castVote", int(i / 10) + 1 ", 0"))
            if (i % 10 == 6) add(tx("alice", "Ledger", "vote", int(i / 10) + 1 ", 1"))
            if (i % 10 == 7) add(tx("carol", "_Governance", "castVote", int(i / 10) + 1 ", 1"))  # closed, or twice
            if (i % 10 == 6) add(tx("dave", "_Governance", "createProposal", str("garden")))   # reputation 40
            if (i % 10 == 8) add(tx("carol", "Ledger", "quorum", 60))         # not the creator
            if (i % 10 == 8) add(tx("alice", "Ledger", "quorum", 40 + i % 50))
            if (i % 10 == 9) add(tx("alice", "_Governance", "updateQuorum", str("garden") ", 0"))
            if (i % 12 == 5) add(tx("alice", "_Governance", "setThreshold", 30 + i))
            if (i % 12 == 6) add(tx("bob", "_Governance", "setThreshold", 1))  # not an admin
            if (i % 11 == 2) add(tx("alice", "_Reputation", "set", "\"" alice "\", " (200 + i)))
            if (i % 11 == 3) add(tx("bob", "_Reputation", "set", "\"" alice "\", 1"))
            if (i % 11 == 4) add(tx("alice", "_Reputation", "set", "\"0x0102\", 5"))  # not 20 bytes
            if (i % 13 == 0) add(tx("alice", "Housing", "rooms", i % 4 + 1))
            if (i % 13 == 1) add(tx("bob", "Housing", "energy", i))
            # what pre-order refuses, and a timestamp inside the window
            if (i % 5 == 2) add(tx("bob", "Ledger", "add", 1, "\"tamper\": true"))
            if (i % 6 == 1) add(tx("carol", "Counter", "increment", 2, "\"chain\": 7"))
            if (i % 7 == 3) add(tx("alice", "Ledger", "add", 3, "\"protocol\": 2"))
            if (i % 8 == 5) add(tx("dave", "Ledger", "add", 4, "\"scheme\": " (i % 2 ? 0 : 3)))
            if (i % 9 == 4) add(tx("alice", "Ledger", "add", 5, "\"timestamp\": " sprintf("%.0f", ts + 1800000000001)))
            if (i % 10 == 1) add(tx("bob", "Ledger", "add", 6, "\"timestamp\": 0"))
            if (i % 11 == 5) add(tx("carol", "Ledger", "add", 7, "\"timestamp\": " sprintf("%.0f", ts + 1800000000000)))
            if (i % 3 == 1) add(tx("erin", "Counter", "increment", 1))        # INSUFFICIENT_REPUTATION
        }
        printf "%s  [%s]", (first ? "" : ",\n"), (nb ? "\n   " blk "\n  " : "")
        first = 0
    }
    print "\n ],"
    print " \"queries\": ["
    if (to == n) {
        print "  " tx("alice", "Ledger", "total", "") ","
        print "  " tx("bob", "Counter", "get", "") ","
        print "  " tx("alice", "Counter", "get", "", "\"tamper\": true") ","
        print "  {\"contract\": \"Ledger\", \"method\": \"total\"},"
        print "  {\"contract\": \"_Cooperatives\", \"method\": \"getInfo\", \"args\": [" str("garden") "]},"
        print "  {\"contract\": \"_Cooperatives\", \"method\": \"getInfo\", \"args\": [" str("lab") "]},"
        print "  {\"contract\": \"_Cooperatives\", \"method\": \"allocation\", \"args\": [" str("garden") ", 1]},"
        print "  {\"contract\": \"_Cooperatives\", \"method\": \"allocation\", \"args\": [" str("garden") ", 3]},"
        print "  {\"contract\": \"_Governance\", \"method\": \"getProposal\", \"args\": [1]},"
        print "  {\"contract\": \"_Governance\", \"method\": \"getProposal\", \"args\": [" int(n / 10) "]},"
        print "  {\"contract\": \"_Governance\", \"method\": \"getThreshold\"},"
        print "  {\"contract\": \"_Reputation\", \"method\": \"get\", \"args\": [\"" alice "\"]},"
        print "  {\"contract\": \"_Info\", \"method\": \"getInfo\"}"
    }
    print " ]"
    print "}"
}'
