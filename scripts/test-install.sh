#!/bin/sh
# test-install.sh PREFIX — checks what `make install` put under PREFIX as a
# host sees it: examples/embed.c built with nothing but
# `pkg-config --cflags --libs coopvm` (the shared library) and with
# `--static` (the archive), both run; the shared library's soname, its
# dependencies, and that it exports exactly the functions of coopvm.h.
# make test runs it on $BUILD/stage. CC and SAN (sanitizer flags, which a
# host of a sanitized library needs too) come from the environment.
# Ends with "N passed, N failed".
set -u
prefix=${1:?usage: test-install.sh PREFIX}
CC=${CC:-cc}
SAN=${SAN:-}
passed=0
failed=0
tmp=$(mktemp -d /tmp/coopvm-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

check() { # name, command...
    name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/     /' "$tmp/out"
    fi
}

# the host, built and run against the shared library
shared_build() {
    # shellcheck disable=SC2046 # pkg-config's output is a list of words
    $CC $SAN -o "$tmp/embed" examples/embed.c $(pkg-config --cflags --libs coopvm)
}
shared_run() {
    LD_LIBRARY_PATH="$prefix/lib" "$tmp/embed" &&
        LD_LIBRARY_PATH="$prefix/lib" ldd "$tmp/embed" | grep -q "libcoopvm.so.0 => $prefix/lib/"
}
# the same with the archive: --static lists what it needs
static_build() {
    libs=$(pkg-config --static --libs coopvm) || return 1
    # shellcheck disable=SC2046
    $CC $SAN -o "$tmp/embed-static" examples/embed.c $(pkg-config --cflags coopvm) \
        $(echo "$libs" | sed 's/-lcoopvm/-Wl,-Bstatic -lcoopvm -Wl,-Bdynamic/') &&
        ! ldd "$tmp/embed-static" | grep -q libcoopvm && "$tmp/embed-static"
}
soname() {
    [ -L "$prefix/lib/libcoopvm.so" ] && [ -L "$prefix/lib/libcoopvm.so.0" ] &&
        readelf -d "$prefix/lib/libcoopvm.so" | grep -q 'SONAME.*\[libcoopvm\.so\.0\]' &&
        readelf -d "$prefix/lib/libcoopvm.so" | grep -q 'NEEDED.*libsodium' &&
        readelf -d "$prefix/lib/libcoopvm.so" | grep -q 'NEEDED.*liblmdb' &&
        readelf -d "$prefix/lib/libcoopvm.so" | grep -q 'NEEDED.*libjansson'
}
# exported = declared: every dynamic symbol the library defines is named in
# coopvm.h, and every function the header declares (not inline) is exported
exports() {
    h="$prefix/include/coopvm.h"
    nm -D --defined-only "$prefix/lib/libcoopvm.so" | awk '$2 == "T" || $2 == "D" || $2 == "B" || $2 == "R" {print $3}' |
        sort -u >"$tmp/exported"
    grep -o 'cvm_[a-z0-9_]*' "$h" | sort -u >"$tmp/named"
    grep -oE '^[a-z_ *]*cvm_[a-z0-9_]+\(' "$h" | grep -v 'static inline' | grep -oE 'cvm_[a-z0-9_]+\($' | tr -d '(' |
        sort -u >"$tmp/declared"
    extra=$(comm -23 "$tmp/exported" "$tmp/named")
    missing=$(comm -23 "$tmp/declared" "$tmp/exported")
    [ -z "$extra" ] || echo "exported but not in coopvm.h:" $extra
    [ -z "$missing" ] || echo "declared in coopvm.h but not exported:" $missing
    [ -z "$extra" ] && [ -z "$missing" ] && [ -s "$tmp/declared" ]
}

check "pkg-config knows coopvm" pkg-config --exists coopvm
check "soname libcoopvm.so.0, dependencies linked in" soname
check "exports exactly coopvm.h" exports
check "embed.c builds with pkg-config --cflags --libs" shared_build
check "embed.c runs on the shared library" shared_run
check "embed.c builds and runs with pkg-config --static" static_build
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
