#!/usr/bin/env bash
# Runs every unit test binary and CLI test script of a build and ends with "N passed, N failed".
# Usage: BUILD=build/check tests/run_all.sh
set -u
BUILD=${BUILD:-build/check}
cd "$(dirname "$0")/.." || exit 2
export LLMWATT="$PWD/$BUILD/llmwatt" LW_BUILD="$PWD/$BUILD" LW_TEST_DATA="$PWD/tests/data"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
# fontconfig's caches (cairo text in report plots) are process-lifetime by design
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    p=${p:-0} f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed (sanitizer) before its summary
    if [ "$f" -ne 0 ]; then cat "$log"; fi
    printf '%-40s %3d passed, %d failed\n' "$(basename "$t")" "$p" "$f"
    passed=$((passed + p)) failed=$((failed + f))
done
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    bash "$t" >"$log" 2>&1
    p=$(grep -c '^ok ' "$log") f=$(grep -c '^FAIL ' "$log")
    if ! grep -q '^done$' "$log"; then f=$((f + 1)); echo "FAIL $t did not run to the end"; fi
    if [ "$f" -ne 0 ]; then grep -v '^ok ' "$log"; fi
    grep '^skip' "$log" # checks a script could not run here (a missing tool), said out loud
    printf '%-40s %3d passed, %d failed\n' "$(basename "$t")" "$p" "$f"
    passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
