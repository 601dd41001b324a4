#!/bin/sh
# deps.sh — checks the Debian packages a make target needs and installs the
# missing ones with apt-get (as root), so that a fresh Debian 12 machine needs
# nothing but `make run` or `make test`.
#
#   scripts/deps.sh core    C libraries: libsodium, LMDB, jansson, cmocka, pkg-config
#   scripts/deps.sh bench   Lua 5.4, the peer the benchmarks compare against
#   scripts/deps.sh fuzz    clang with libFuzzer
set -eu

missing=""
need_pkg() { missing="$missing $1"; }

for group in "$@"; do
    case "$group" in
    core)
        command -v pkg-config >/dev/null 2>&1 || need_pkg pkg-config
        command -v cc >/dev/null 2>&1 || need_pkg gcc
        for pair in libsodium:libsodium-dev lmdb:liblmdb-dev jansson:libjansson-dev cmocka:libcmocka-dev; do
            pc=${pair%%:*} deb=${pair#*:}
            if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$pc"; then
                need_pkg "$deb"
            fi
        done
        ;;
    bench)
        command -v lua5.4 >/dev/null 2>&1 || need_pkg lua5.4
        ;;
    fuzz)
        command -v clang >/dev/null 2>&1 || need_pkg clang
        # libFuzzer's runtime ships in libclang-rt-dev on Debian 12
        [ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] \
            || [ "$(uname -m)" != x86_64 ] || need_pkg libclang-rt-dev
        ;;
    *)
        echo "deps.sh: unknown group '$group' (core, bench, fuzz)" >&2
        exit 2
        ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing Debian packages:$missing" >&2
    echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
