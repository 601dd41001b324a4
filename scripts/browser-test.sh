#!/bin/sh
# browser-test.sh — the explorer page in a real browser (make browser-test):
# installs Debian's chromium and Node.js when missing (scripts/deps.sh
# browser), playwright-core from npm into tests/browser/node_modules (the
# version package-lock.json pins; it drives that chromium, it downloads no
# browser of its own), then runs tests/browser/explorer.test.mjs against a
# `coopvm node` it starts on 127.0.0.1. Screenshots land in $BUILD.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

scripts/deps.sh browser
if [ ! -f tests/browser/node_modules/playwright-core/package.json ] \
   || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
    echo "browser-test: npm ci (playwright-core) in tests/browser" >&2
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exec node tests/browser/explorer.test.mjs "$BUILD"
