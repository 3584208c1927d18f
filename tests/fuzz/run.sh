#!/usr/bin/env bash
# Runs every libFuzzer harness of a fuzz build for SECONDS each, from seed corpora taken from the
# test data (tests/data, data/) and tests/fuzz/seeds. New inputs go to BUILD/corpus/NAME, crashes to
# BUILD/crashes/. Exits 1 when any harness finds a crash, leak or timeout.
# Usage: tests/fuzz/run.sh BUILD SECONDS   (make fuzz FUZZ_TIME=SECONDS)
set -u
BUILD=${1:?build directory}
SECONDS_EACH=${2:?seconds per harness}
cd "$(dirname "$0")/../.." || exit 2
seeds() {
    case "$1" in
    hfconfig) ls tests/data/hf/*/config.json ;;
    catalogue_json) echo data/models.json; ls data/constants/*.json tests/data/estimate/*.json ;;
    catalogue_csv) echo data/gpus.csv ;;
    points) echo data/calibration/points.csv; ls tests/data/scale/*.csv tests/data/limits/*points*.csv ;;
    replay) ls tests/data/replay/*.csv tests/data/serve/*.csv tests/data/limits/replay_*.csv ;;
    trace) ls tests/data/trace/* tests/data/limits/trace_*.jsonl ;;
    measurement | tokens | time | http | promtext) ls tests/fuzz/seeds/"$1"/* ;;
    esac
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
failed=0
mkdir -p "$BUILD/crashes"
for bin in "$BUILD"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=${bin##*/fuzz_}
    corpus="$BUILD/corpus/$name"
    mkdir -p "$corpus"
    for f in $(seeds "$name"); do cp "$f" "$corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
    log="$BUILD/fuzz_$name.log"
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$BUILD/crashes/$name-" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ "$rc" -eq 0 ]; then
        printf 'ok fuzz_%-18s %10s inputs in %ss\n' "$name" "${runs:-?}" "$SECONDS_EACH"
    else
        printf 'FAIL fuzz_%s (exit %d): see %s\n' "$name" "$rc" "$log"
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
        failed=1
    fi
done
exit "$failed"
