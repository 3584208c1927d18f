# CLI: progress of long commands (cli/progress.c) on stderr: drawn only when stderr is a
# terminal (a pseudo-TTY from util-linux `script`), never in a pipe or with --quiet, cleared at
# the end; stdout is byte-identical in every case.
. "$(dirname "$0")/lib.sh"
DATA="${LW_TEST_DATA:-$(dirname "$0")/../data}"
export LLMWATT_PROGRESS_DELAY=0   # draw from the first update: the checks do not depend on the machine's speed
head -5 "$(dirname "$0")/../../data/calibration/points.csv" >"$TMP/points.csv"
python3 - "$TMP/trace.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("TIMESTAMP,ContextTokens,GeneratedTokens\n")
    for i in range(60000):
        f.write("%.3f,%d,%d\n" % (i * 0.05, 500 + i % 700, 50 + i % 300))
PY
python3 "$DATA/costrep/gen_runs.py" "$TMP/runs" >/dev/null || echo "FAIL gen_runs"
"$LLMWATT" history record "$TMP/runs.db" "$TMP"/runs/run*.json >/dev/null || echo "FAIL history record"

# check NAME ARGS...: the command under a pseudo-TTY draws a progress line naming itself and clears
# it; in a pipe and with --quiet stderr stays empty; stdout is the same all three ways.
check() {
    local name=$1; shift
    local q; q=$(printf ' %q' "$LLMWATT" "$name" "$@")
    script -qec "$q >$TMP/tty.out" "$TMP/tty.log" >/dev/null 2>&1 </dev/null
    local trc=$?
    script -qec "$q --quiet >$TMP/quiet.out" "$TMP/quiet.log" >/dev/null 2>&1 </dev/null
    "$LLMWATT" "$name" "$@" >"$TMP/pipe.out" 2>"$TMP/pipe.err"
    local prc=$?
    # the typescript without script's own header and trailer lines
    sed -e '/^Script started/d' -e '/^Script done/d' "$TMP/tty.log" >"$TMP/tty.err"
    sed -e '/^Script started/d' -e '/^Script done/d' "$TMP/quiet.log" >"$TMP/quiet.err"
    if [ "$trc" -eq 0 ] && [ "$prc" -eq 0 ]; then ok "$name-rc"; else bad "$name-rc" "exit $trc on a tty, $prc in a pipe: $(head -c 300 "$TMP/pipe.err")"; fi
    if grep -aq "llmwatt $name: \[[#.]*\] *[0-9]*% .*ETA" "$TMP/tty.err"; then ok "$name-tty-progress"; else bad "$name-tty-progress" "no progress line: $(head -c 300 "$TMP/tty.err" | cat -A)"; fi
    # cleared: the last thing written is blanks between two carriage returns
    if python3 -c 'import sys, re; t = open(sys.argv[1], "rb").read().rstrip(b"\n"); sys.exit(0 if re.search(rb"\r +\r$", t) else 1)' "$TMP/tty.err"; then
        ok "$name-tty-cleared"; else bad "$name-tty-cleared" "line not cleared: $(tail -c 200 "$TMP/tty.err" | cat -A)"; fi
    if [ ! -s "$TMP/pipe.err" ]; then ok "$name-pipe-silent"; else bad "$name-pipe-silent" "$(head -c 200 "$TMP/pipe.err")"; fi
    if ! grep -aq '[^[:space:]]' "$TMP/quiet.err"; then ok "$name-quiet-silent"; else bad "$name-quiet-silent" "$(head -c 200 "$TMP/quiet.err" | cat -A)"; fi
    # (trace reports its own run time, which differs from run to run)
    for f in tty quiet pipe; do grep -v '"elapsed_s"' "$TMP/$f.out" >"$TMP/$f.cmp"; done
    if cmp -s "$TMP/tty.cmp" "$TMP/pipe.cmp" && cmp -s "$TMP/quiet.cmp" "$TMP/pipe.cmp" && [ -s "$TMP/pipe.out" ]; then ok "$name-stdout-same"
    else bad "$name-stdout-same" "stdout differs between tty, --quiet and pipe"; fi
}

check calibrate "$TMP/points.csv" --date 2026-01-01
check validate "$TMP/points.csv" --leave-out model
check fit --bootstrap 2000
check trace "$TMP/trace.csv" --gpu h100 --model llama-3.1-8b --batch 8 --json
check report "$TMP/runs.db" --output "$TMP/report.md"
# over runs (calibrate/validate runs.db) --quiet is taken as well
run validate "$TMP/runs.db"; rc1=$RC; cp "$ERR" "$TMP/e1"
run validate "$TMP/runs.db" --quiet
if [ "$RC" -eq "$rc1" ] && cmp -s "$ERR" "$TMP/e1"; then ok validate-runs-quiet; else bad validate-runs-quiet "exit $RC vs $rc1: $(head -c 200 "$ERR")"; fi
# the delay: with the default 0.3 s a command that ends sooner draws nothing
LLMWATT_PROGRESS_DELAY=1000 script -qec "$(printf '%q ' "$LLMWATT") fit --bootstrap 10 >/dev/null" "$TMP/delay.log" >/dev/null 2>&1 </dev/null
if ! grep -aq 'llmwatt fit:' "$TMP/delay.log"; then ok progress-delay; else bad progress-delay "drew before the delay"; fi
finish
