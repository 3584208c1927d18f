#!/usr/bin/env bash
# Runs every benchmark of a build (make bench) and prints its report, with the machine it ran on.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 2
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b" || echo "$(basename "$b") failed: exit $?"
done
