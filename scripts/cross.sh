#!/bin/sh
# cross.sh — `make cross`: guards determinism across architectures. Builds
# coopvm natively and for aarch64 and big-endian s390x (Debian's cross
# compilers and multiarch libraries), plays the same commands with each build
# — the foreign ones under qemu-user — and compares every output byte for
# byte with the native build's: receipts, hashes, events, state diffs, traces,
# error messages, exit statuses, assembled .cvm modules, transaction and key
# files. Then it runs the cmocka test runners of each foreign build under
# qemu, the CLI tests with the foreign coopvm, and replays the fuzz corpora. docs/cross.md says what is
# played and why.
#
#   scripts/cross.sh            (make cross)
#
# Environment: BUILD (the native build directory, default build), CC (the
# native compiler), CROSS_ARCHES (default "aarch64 s390x"), CROSS_BLOCKS (the
# generated scenario's blocks, default 80), CROSS_OUT (default build-cross),
# FUZZ_ALL (the Makefile's harnesses, whose corpora are replayed),
# CROSS_UNIT (0: no test runners or replays), CROSS_UNIT_SKIP (runners not run under qemu,
# default: the three slowest, whose subjects do not depend on the machine).
# Missing Debian packages are installed by scripts/deps.sh cross (as root).
#
# The last line is "N passed, N failed", N counting compared outputs and test
# runners; the exit status is 1 when any output differs or is missing or a
# runner fails, 2 for a usage error.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
CC=${CC:-cc}
ARCHES=${CROSS_ARCHES:-aarch64 s390x}
BLOCKS=${CROSS_BLOCKS:-80}
OUT=${CROSS_OUT:-build-cross}
UNIT=${CROSS_UNIT:-1}
# test_random: 10,000 random programs in every interpreter variant (90 s under
# qemu); test_process_stream: memory of 10^5-block runs; corpus/vm: random
# modules over several blocks in both dispatch loops (80 s under qemu)
UNIT_SKIP=${CROSS_UNIT_SKIP:-interp/test_random cli/test_process_stream corpus/vm}

triplet_of() {
    case "$1" in
    aarch64) echo aarch64-linux-gnu ;;
    s390x) echo s390x-linux-gnu ;;
    *) echo "cross.sh: unknown architecture '$1' (aarch64, s390x)" >&2; exit 2 ;;
    esac
}
for arch in $ARCHES; do triplet_of "$arch" >/dev/null; done

scripts/deps.sh core cross

# The foreign programs run with the multiarch loader and libraries that the
# -dev:ARCH packages installed (/lib/ld-linux-aarch64.so.1, /lib/ld64.so.1,
# /usr/lib/TRIPLET/): qemu-user finds them by their usual paths. No -L and no
# QEMU_LD_PREFIX: with -L /usr/TRIPLET, s390x loads the loader of the cross
# toolchain's libc6-s390x-cross and the libc of libc6:s390x, two different
# builds, and aborts ("stack smashing detected").
unset QEMU_LD_PREFIX
# the sub-makes get their own flags, not those of the make that ran us
unset MAKEFLAGS MFLAGS MAKELEVEL

t0=$(date +%s)
echo "== build: native ($BUILD/coopvm)"
make --no-print-directory -j2 CC="$CC" BUILD="$BUILD" "$BUILD/coopvm" >/dev/null
# the cmocka runners (tests/*/test_*.c) as build-ARCH/tests/DIR/test_NAME, and
# the corpus replays as build-ARCH/replay_HARNESS (runner corpus/HARNESS)
FUZZ_ALL=${FUZZ_ALL:-$(sed -n 's/^FUZZ_ALL *:= *//p' Makefile)}
# needs_curl FILE.c: it includes curl/curl.h, itself or through a header of its
# directory or of tests/ (-Itests: "node/http_support.h"). The foreign builds
# have no libcurl (scripts/deps.sh says why).
needs_curl() {
    grep -q '^#include <curl/curl.h>' "$1" && return 0
    sed -n 's/^#include "\([^"]*\)".*/\1/p' "$1" | while IFS= read -r h; do
        for f in "$(dirname "$1")/$h" "tests/$h"; do
            [ -f "$f" ] && grep -q '^#include <curl/curl.h>' "$f" && echo yes
        done
    done | grep -q yes
}
runners=""
skipped=""
if [ "$UNIT" != 0 ]; then
    for t in tests/*/test_*.c; do
        if needs_curl "$t"; then
            skipped="$skipped ${t#tests/}"
            continue
        fi
        t=${t#tests/}
        t=${t%.c}
        case " $UNIT_SKIP " in *" $t "*) continue ;; esac
        runners="$runners $t"
    done
    [ -z "$skipped" ] || echo "== not under qemu (they need libcurl):$skipped"
    for h in $FUZZ_ALL; do
        case " $UNIT_SKIP " in *" corpus/$h "*) continue ;; esac
        [ -d "fuzz/corpus/$h" ] && runners="$runners corpus/$h"
    done
fi
# runner_target ARCH RUNNER: the program make builds for it
runner_target() {
    case "$2" in
    corpus/*) echo "build-$1/replay_${2#corpus/}" ;;
    *) echo "build-$1/tests/$2" ;;
    esac
}
for arch in $ARCHES; do
    triplet=$(triplet_of "$arch")
    echo "== build: $arch (build-$arch/, $triplet-gcc)"
    # libmicrohttpd: the foreign shared library (libmicrohttpd12:ARCH) with the
    # native header, which is the same on every architecture, through a .pc
    # file of our own: libmicrohttpd-dev:ARCH is not installable (deps.sh)
    shim="$ROOT/build-$arch/cross-pkgconfig"
    mkdir -p "$shim/lib"
    ln -sf "/usr/lib/$triplet/libmicrohttpd.so.12" "$shim/lib/libmicrohttpd.so"
    printf 'Name: libmicrohttpd\nDescription: libmicrohttpd12:%s with the native header (scripts/cross.sh)\nVersion: %s\nLibs: -L%s/lib -lmicrohttpd\nCflags:\n' \
        "$arch" "$(pkg-config --modversion libmicrohttpd)" "$shim" > "$shim/libmicrohttpd.pc"
    set -- "build-$arch/coopvm"
    for t in $runners; do set -- "$@" "$(runner_target "$arch" "$t")"; done
    # only the foreign .pc files: their -L/usr/lib/TRIPLET is the foreign libraries
    env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR="/usr/lib/$triplet/pkgconfig:$shim:/usr/share/pkgconfig" \
        make --no-print-directory -j2 CC="$triplet-gcc" BUILD="build-$arch" "$@" >/dev/null
done
t1=$(date +%s)

# --- the inputs, made once (natively) and read by every build ---------------
IN="$ROOT/$OUT/in"
rm -rf "$OUT"
mkdir -p "$IN/vectors"
tests/cross/gen-scenario.sh "$BLOCKS" "$ROOT" > "$IN/scenario.json"
half=$((BLOCKS / 2))
tests/cross/gen-scenario.sh "$BLOCKS" "$ROOT" 1 "$half" > "$IN/part1.json"
tests/cross/gen-scenario.sh "$BLOCKS" "$ROOT" $((half + 1)) "$BLOCKS" > "$IN/part2.json"
"$BUILD/coopvm" asm tests/cross/Ledger.asm -o "$IN/Ledger.cvm"
# every conformance vector: its program and its flags (one a line)
nvec=0
for f in tests/vectors/*.json; do
    base=$(basename "$f" .json)
    count=$(jq '.cases | length' "$f")
    k=0
    while [ "$k" -lt "$count" ]; do
        v="$IN/vectors/$base-$k"
        program=$(jq -r --argjson k "$k" '.cases[$k].program // empty' "$f")
        if [ -n "$program" ]; then
            echo "$ROOT/tests/vectors/$program" > "$v.program"
        else
            # as tests/cli/vectors.c does: vector.asm, a valid contract name
            mkdir -p "$v"
            jq -j --argjson k "$k" '.cases[$k].source' "$f" > "$v/vector.asm"
            echo "$v/vector.asm" > "$v.program"
        fi
        jq -r --argjson k "$k" '.cases[$k].flags[]?' "$f" > "$v.flags"
        k=$((k + 1))
        nvec=$((nvec + 1))
    done
done
# a transaction whose signature is flipped after signing, and a template
printf '{"service": "Ledger", "method": "mix", "args": [-9223372036854775808, {"uint64": "18446744073709551615"}, "0x00ff", {"string": "0xab"}, "caf\\u00e9", false]}\n' \
    > "$IN/template.json"

# --- the commands, played by one build in its own directory -----------------
# out NAME CMD...: stdout, stderr and the exit status of a coopvm command,
# one file NAME (the directory's files are what is compared)
out() {
    name=$1
    shift
    mkdir -p "$(dirname "$name")"
    set +e
    cvm "$@" > "$name" 2> "$name.stderr"
    status=$?
    set -e
    { echo "--- stderr"; cat "$name.stderr"; echo "--- exit $status"; } >> "$name"
    rm -f "$name.stderr"
}

play() {
    # the .asm files of the repository, assembled, disassembled and run
    for f in examples/*.asm examples/cooperative/*.asm bench/*.asm tests/cross/*.asm; do
        n=$(echo "$f" | tr / _)
        out "asm/$n" asm "$ROOT/$f" -o "asm/$n.cvm"
        out "asm/$n.disasm" disasm "asm/$n.cvm"
    done
    out asm/missing asm "$ROOT/tests/cross/no-such-file.asm"
    out info/version --version
    out info/help --help
    out info/opcodes opcodes
    out info/opcodes.json opcodes --json
    out info/opcodes.md opcodes --markdown
    out info/help-run help run
    out info/help-verify help verify

    # run: examples, benchmarks, the feature contract (source and module), a trace
    out run/counter run "$ROOT/examples/counter.asm" --method increment --arg 5 --reputation 20 --json
    out run/counter-text run "$ROOT/examples/counter.asm" --method increment --arg 5 --reputation 20
    out run/counter-joined run "$ROOT/examples/counter.asm" --method=increment --arg=5 --reputation=20 --json
    out run/counter-refused run "$ROOT/examples/counter.asm" --method increment --arg 5 --json
    out run/counter-trace run "$ROOT/examples/counter.asm" --method increment --arg 7 --reputation 20 --trace --json
    out run/housing run "$ROOT/examples/cooperative/Housing.asm" --method found --reputation 10 --json
    out run/fib run "$ROOT/bench/fib.asm" --arg 15 --json --dispatch switch
    out run/fib-goto run "$ROOT/bench/fib.asm" --arg 15 --json --dispatch goto
    out run/sum run "$ROOT/bench/sum.asm" --arg 2000 --json
    out run/bench-counter run "$ROOT/bench/counter.asm" --arg 300 --json
    out run/ledger-mix run "$IN/Ledger.cvm" --method mix --arg -9223372036854775807 --arg -1 --reputation 5 --json
    out run/ledger-edges run "$IN/Ledger.cvm" --method edges --reputation 5 --json --state total=-3
    out run/ledger-sum-trace run "$IN/Ledger.cvm" --method sum --arg 3 --reputation 5 --trace
    out run/ledger-gas run "$ROOT/tests/cross/Ledger.asm" --method forever --reputation 5 --gas 5000 --json

    # every conformance vector, with one dispatch or the other in turn (each
    # qemu run costs a start-up; the vectors runner of make test plays both)
    dispatch=goto
    for p in "$IN"/vectors/*.program; do
        v=${p%.program}
        set -- run "$(cat "$p")" --json
        while IFS= read -r flag; do set -- "$@" "$flag"; done < "$v.flags"
        if [ "$dispatch" = goto ]; then dispatch=switch; else dispatch=goto; fi
        out "vectors/$(basename "$v")-$dispatch" "$@" --dispatch "$dispatch"
    done

    # keys and transactions with fixed seeds and timestamps
    out tx/keygen-seed keygen --seed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    out tx/keygen-seed.json keygen --seed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f --json
    cvm keygen --name alice --json > tx/alice.json || true
    cvm keygen --name bob --json > tx/bob.json || true
    out tx/keygen-bob keygen --name bob
    out tx/build-signed tx build --service Counter --method increment --arg 5 --chain 42 \
        --timestamp 1700000000000000000 --key tx/alice.json -o tx/signed.json
    out tx/hash tx hash tx/signed.json
    out tx/verify tx verify tx/signed.json
    bob_key=$(sed -n 's/.*"public_key": *"\([0-9a-f]*\)".*/\1/p' tx/bob.json)
    out tx/build-template tx build --from "$IN/template.json" --signer-key "$bob_key" --chain 42 \
        --timestamp 18446744073709551615 -o tx/unsigned.json
    out tx/verify-unsigned tx verify tx/unsigned.json
    out tx/sign tx sign tx/unsigned.json --key tx/bob.json -o tx/bob-signed.json
    out tx/hash-bob tx hash tx/bob-signed.json
    out tx/verify-bob tx verify tx/bob-signed.json
    sed 's/"signature": "0/"signature": "1/; t; s/"signature": "\(.\)/"signature": "0/' \
        tx/bob-signed.json > tx/tampered.json
    out tx/verify-tampered tx verify tx/tampered.json
    out tx/sign-wrong-key tx sign tx/unsigned.json --key tx/alice.json
    out tx/build-scheme tx build --service S --method mm --scheme 7 --signer-key "$bob_key" \
        --timestamp 0 --protocol 3 --chain 300 --arg '"0xab"' --arg '{"bool": true}'

    # scenarios: the examples, in text and JSON, in memory and on a store
    out process/counter process "$ROOT/examples/counter.json"
    out process/counter.json process "$ROOT/examples/counter.json" --json
    out process/counter-trace process "$ROOT/examples/counter.json" --trace
    out process/counter-quiet process "$ROOT/examples/counter.json" --quiet
    out process/counter-quiet.json process "$ROOT/examples/counter.json" --quiet --json
    out process/cooperative process "$ROOT/examples/cooperative/scenario.json"
    out process/cooperative.json process "$ROOT/examples/cooperative/scenario.json" --json
    out process/cooperative-data process "$ROOT/examples/cooperative/scenario.json" --data data/coop
    out process/cooperative-again process "$ROOT/examples/cooperative/scenario.json" --data data/coop --json
    out events/coop events --data data/coop
    out events/coop.json events --data data/coop --json
    out events/coop-governance events --data data/coop --service _Governance
    out events/coop-votes events --data data/coop --name VoteCast --from 6 --to 9 --json
    out events/missing events --data data/none
    out verify/coop verify --data data/coop
    out verify/coop.json verify --data data/coop --json
    # a zero-length data.mdb is refused, never a new chain (its bytes are the
    # same everywhere, unlike a damaged LMDB page)
    mkdir -p data/empty
    : > data/empty/data.mdb
    out events/empty events --data data/empty
    out process/empty process "$ROOT/examples/counter.json" --data data/empty
    out verify/empty verify --data data/empty

    # the generated scenario: every feature over many blocks, whole and in two runs
    out process/generated.json process "$IN/scenario.json" --json
    out process/generated-part1 process "$IN/part1.json" --data data/gen --json
    out process/generated-part2 process "$IN/part2.json" --data data/gen
    out events/generated events --data data/gen
    out events/generated.json events --data data/gen --json
    out events/generated-ledger events --data data/gen --service Ledger --from 20 --to 60
    out events/generated-coops events --data data/gen --service _Cooperatives --name ResourceAllocated --json
    out events/generated-names events --data data/gen --scenario "$IN/scenario.json" --from 3 --to 12
    out verify/generated verify --data data/gen
    out verify/generated.json verify --data data/gen --json
}

# cvm ARGS...: the build being played (QEMU empty for the native one); a
# command that hangs under qemu ends after 5 minutes (exit 124, a mismatch)
cvm() {
    if [ -n "$QEMU" ]; then
        timeout 300 "$QEMU" "$BIN" "$@"
    else
        timeout 300 "$BIN" "$@"
    fi
}

run_build() { # label, binary, qemu-or-empty
    BIN=$2 QEMU=$3
    echo "== play: $1"
    mkdir -p "$OUT/$1/data"
    (cd "$OUT/$1" && play) || echo "cross.sh: playing $1 stopped early"
}

# the test runners of one foreign build under qemu, from the repository's root
# as make test runs them; the CLI tests run the foreign coopvm through a
# wrapper (COOPVM); a replay reads its corpus. One line per runner in
# OUT/ARCH.unit: ok|FAILED NAME SECONDS.
run_units() { # arch, qemu
    wrapper="$ROOT/$OUT/coopvm-$1"
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$2" "$ROOT/build-$1/coopvm" > "$wrapper"
    chmod +x "$wrapper"
    : > "$OUT/$1.unit"
    for t in $runners; do
        set -- "$1" "$2" "$(runner_target "$1" "$t")"
        case "$t" in corpus/*) set -- "$@" "fuzz/$t" ;; esac
        start=$(date +%s)
        # at most 15 minutes a runner, so that a hang under qemu fails CI rather than stalls it
        if COOPVM="$wrapper" timeout 900 "$2" "$3" ${4:+"$4"} > "$OUT/$1.unit-log" 2>&1; then
            echo "ok $t $(($(date +%s) - start))" >> "$OUT/$1.unit"
        else
            echo "FAILED $t $(($(date +%s) - start))" >> "$OUT/$1.unit"
            {
                echo "FAILED $1 $t under qemu:"
                if grep -qE 'ERROR|FAIL|LINE' "$OUT/$1.unit-log"; then
                    grep -E 'ERROR|FAIL|LINE' "$OUT/$1.unit-log" | head -20
                else
                    tail -5 "$OUT/$1.unit-log"
                fi
            } >&2
        fi
    done
    rm -f "$OUT/$1.unit-log"
}

run_build native "$ROOT/$BUILD/coopvm" ""
# the foreign builds side by side: each is one qemu process at a time (test
# runners of two architectures run at once, so they must not share a fixed
# port or path — as for any two runs of make test)
pids=""
for arch in $ARCHES; do
    QEMU_BIN=$(command -v "qemu-$arch" || command -v "qemu-$arch-static" || true)
    [ -n "$QEMU_BIN" ] || { echo "cross.sh: qemu-$arch not found (Debian package qemu-user)" >&2; exit 1; }
    { run_build "$arch" "$ROOT/build-$arch/coopvm" "$QEMU_BIN"; run_units "$arch" "$QEMU_BIN"; } &
    pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done
t2=$(date +%s)

# --- compare: every file of the native directory but the LMDB stores --------
# (LMDB's own page headers follow the machine's byte order: the stores are
# compared through what `coopvm events` and `process --data` print of them)
passed=0
failed=0
native_files=$(cd "$OUT/native" && find . -path ./data -prune -o -type f -print | sort)
for arch in $ARCHES; do
    p=0 f=0
    for rel in $native_files; do
        a="$OUT/native/$rel" b="$OUT/$arch/$rel"
        if [ ! -f "$b" ]; then
            echo "MISMATCH $arch ${rel#./}: missing"
            f=$((f + 1))
        elif cmp -s "$a" "$b"; then
            p=$((p + 1))
        else
            echo "MISMATCH $arch ${rel#./}: first differences (native, then $arch):"
            if grep -qI . "$a" && grep -qI . "$b"; then
                diff "$a" "$b" | head -20
            else
                cmp -l "$a" "$b" | head -10
            fi
            f=$((f + 1))
        fi
    done
    extra=$(cd "$OUT/$arch" && find . -path ./data -prune -o -type f -print | sort | while read -r rel; do
        [ -f "$ROOT/$OUT/native/$rel" ] || echo "$rel"
    done)
    for rel in $extra; do
        echo "MISMATCH $arch ${rel#./}: not made by the native build"
        f=$((f + 1))
    done
    echo "$arch: $p of $((p + f)) outputs identical to the native build's"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ -n "$runners" ]; then
        up=$(grep -c '^ok ' "$OUT/$arch.unit" || true)
        uf=$(grep -c '^FAILED ' "$OUT/$arch.unit" || true)
        grep '^FAILED ' "$OUT/$arch.unit" | sed "s/^FAILED \([^ ]*\) .*/MISMATCH $arch: test runner failed under qemu: \1/" || true
        echo "$arch: $up of $((up + uf)) test runners passed under qemu (slowest: $(sort -k3 -n -r "$OUT/$arch.unit" |
            head -3 | awk '{printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $3}'))"
        passed=$((passed + up))
        failed=$((failed + uf))
    fi
done
echo "cross: builds $((t1 - t0)) s, plays and test runners $((t2 - t1)) s; $nvec vectors, $BLOCKS generated blocks"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
