#!/bin/sh
# deps.sh — checks the Debian packages a make target needs and installs the
# missing ones with apt-get (as root), so that a fresh Debian 12 machine needs
# nothing but `make run` or `make test`.
#
#   scripts/deps.sh core    C libraries: libsodium, LMDB, jansson, cmocka, pkg-config;
#                           libmicrohttpd (the node's HTTP server), libcurl (the
#                           client commands and the tests)
#   scripts/deps.sh etcd    etcd-server (Debian's etcd 3.4): the members the
#                           etcd-ordered node's tests and scripts/cluster.sh start
#   scripts/deps.sh bench   Lua 5.4, the peer the benchmarks compare against
#   scripts/deps.sh fuzz    clang with libFuzzer
#   scripts/deps.sh cross   for `make cross`: the arm64 and s390x architectures
#                           (dpkg --add-architecture), their cross compilers,
#                           the C libraries for each (-dev:ARCH), qemu-user, jq
#   scripts/deps.sh browser the explorer's browser test: chromium, a font,
#                           Node.js and npm (npm then installs playwright-core)
set -eu

missing=""
need_pkg() { missing="$missing $1"; }
# foreign dpkg architectures to add before apt-get update (the cross group)
foreign=""
# a package (NAME or NAME:ARCH) is installed
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

for group in "$@"; do
    case "$group" in
    core)
        command -v pkg-config >/dev/null 2>&1 || need_pkg pkg-config
        command -v cc >/dev/null 2>&1 || need_pkg gcc
        for pair in libsodium:libsodium-dev lmdb:liblmdb-dev jansson:libjansson-dev cmocka:libcmocka-dev \
                    libmicrohttpd:libmicrohttpd-dev libcurl:libcurl4-openssl-dev; do
            pc=${pair%%:*} deb=${pair#*:}
            # the native packages: a cross build's PKG_CONFIG_LIBDIR (make
            # cross) names the foreign .pc files, the cross group's business
            if ! command -v pkg-config >/dev/null 2>&1 ||
                ! env -u PKG_CONFIG_LIBDIR -u PKG_CONFIG_PATH pkg-config --exists "$pc"; then
                need_pkg "$deb"
            fi
        done
        ;;
    etcd)
        command -v etcd >/dev/null 2>&1 || need_pkg etcd-server
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
    cross)
        # the -dev:ARCH packages must be co-installable with the native ones
        # (Multi-Arch: same), so the native C libraries come along too
        for deb in gcc pkg-config libsodium-dev liblmdb-dev libjansson-dev libcmocka-dev libmicrohttpd-dev; do
            have_deb "$deb" || need_pkg "$deb"
        done
        command -v jq >/dev/null 2>&1 || need_pkg jq     # cross.sh reads the vectors with it
        command -v qemu-aarch64 >/dev/null 2>&1 || command -v qemu-aarch64-static >/dev/null 2>&1 \
            || need_pkg qemu-user
        for pair in arm64:aarch64-linux-gnu s390x:s390x-linux-gnu; do
            arch=${pair%%:*} triplet=${pair#*:}
            dpkg --print-foreign-architectures | grep -qx "$arch" || foreign="$foreign $arch"
            command -v "$triplet-gcc" >/dev/null 2>&1 || need_pkg "gcc-$triplet"
            # the cross compiler's own C library headers (only recommended by
            # it): libc6-dev:ARCH would drag in krb5 and openssl for ARCH and
            # is not installable for s390x beside bookworm-security's kernel
            # headers. The binary runs with libc6:ARCH, a dependency of the
            # libraries below, as any program of that architecture does.
            have_deb "libc6-dev-$arch-cross" || need_pkg "libc6-dev-$arch-cross"
            # cmocka too: the Makefile's deps.mk asks pkg-config for it. Not
            # libcurl: its :s390x dependencies cannot be installed beside
            # bookworm-security's amd64 ones, so the foreign builds have no
            # client commands (they say so; their tests skip). For the same
            # reason (libmicrohttpd-dev needs libgnutls28-dev, which needs
            # libc6-dev) only libmicrohttpd's shared library: cross.sh links
            # it through a pkg-config file of its own, with the native header
            for deb in libsodium-dev liblmdb-dev libjansson-dev libcmocka-dev libmicrohttpd12; do
                have_deb "$deb:$arch" || need_pkg "$deb:$arch"
            done
        done
        ;;
    browser)
        command -v chromium >/dev/null 2>&1 || need_pkg chromium
        # headless chromium draws text with fontconfig's fonts: without one
        # the screenshots show empty boxes (chromium only recommends fonts)
        [ -n "$(fc-list 2>/dev/null | head -n 1)" ] || have_deb fonts-dejavu-core || need_pkg fonts-dejavu-core
        command -v node >/dev/null 2>&1 || need_pkg nodejs
        command -v npm >/dev/null 2>&1 || need_pkg npm
        ;;
    *)
        echo "deps.sh: unknown group '$group' (core, etcd, bench, fuzz, cross, browser)" >&2
        exit 2
        ;;
    esac
done

[ -z "$missing" ] && [ -z "$foreign" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    [ -n "$foreign" ] && echo "deps.sh: missing dpkg architectures:$foreign (dpkg --add-architecture)" >&2
    echo "deps.sh: missing Debian packages:$missing" >&2
    echo "deps.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
for arch in $foreign; do
    echo "deps.sh: adding the dpkg architecture $arch" >&2
    dpkg --add-architecture "$arch"
done
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 $missing >&2
