#!/bin/sh
# run-tests.sh — runs every test runner that `make test` built, in order, and
# fails if any failed. Each runner prints its own summary line (cmocka's, or
# "N passed, N failed"); the last line here totals the runners.
set -u
BUILD=${BUILD:-build}
export COOPVM="$BUILD/coopvm"
passed=0
failed=0
failures=""

run() { # name, command...
    name=$1
    shift
    echo "== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures $name"
    fi
}

# unit tests (cmocka), mirroring src/
for t in $(find "$BUILD/tests" -type f -name 'test_*' -perm -u+x | sort); do
    run "${t#"$BUILD"/tests/}" "$t"
done

# conformance vectors through the command line
if [ -x "$BUILD/vectors" ]; then
    run vectors "$BUILD/vectors" "$BUILD/coopvm" tests/vectors
fi

# committed fuzz corpora replayed (a clean error passes, a crash never does);
# FUZZ_ALL is the Makefile's list of harnesses
for h in ${FUZZ_ALL:-asm load tx scenario event}; do
    if [ -x "$BUILD/replay_$h" ] && [ -d "fuzz/corpus/$h" ]; then
        run "corpus $h" "$BUILD/replay_$h" fuzz/corpus/$h
    fi
done

# the embedding example, when there is one
if [ -x "$BUILD/embed" ]; then
    run embed "$BUILD/embed"
fi

# make install as a host sees it: into $BUILD/stage, then pkg-config alone
if [ -f "$BUILD/stage/.installed" ]; then
    run install scripts/test-install.sh "$BUILD/stage"
fi

echo
[ -n "$failures" ] && echo "failed runners:$failures"
echo "runners: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
