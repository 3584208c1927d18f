# Helpers for CLI tests. Each check prints "ok NAME" or "FAIL NAME: why"; a script ends with `finish`.
# $LLMWATT is the binary under test.
: "${LLMWATT:?set LLMWATT to the llmwatt binary}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out" ERR="$TMP/err"

# run ARGS...: runs llmwatt, keeping stdout, stderr and the exit code in $RC.
run() { "$LLMWATT" "$@" >"$OUT" 2>"$ERR"; RC=$?; }

ok() { echo "ok $1"; }
bad() { echo "FAIL $1: $2"; }

# expect_rc NAME CODE: the last run exited with CODE.
expect_rc() { if [ "$RC" -eq "$2" ]; then ok "$1"; else bad "$1" "exit $RC, expected $2; stderr: $(head -c 300 "$ERR")"; fi; }
# expect_err NAME REGEX: stderr is one line matching REGEX.
expect_err() {
    local n; n=$(wc -l <"$ERR")
    if [ "$n" -eq 1 ] && grep -Eq -- "$2" "$ERR"; then ok "$1"; else bad "$1" "stderr ($n lines) does not match /$2/: $(head -c 300 "$ERR")"; fi
}
# expect_out NAME REGEX: stdout matches REGEX somewhere.
expect_out() { if grep -Eq -- "$2" "$OUT"; then ok "$1"; else bad "$1" "stdout does not match /$2/: $(head -c 300 "$OUT")"; fi; }
# expect_json NAME JQ-LIKE-PYTHON-EXPR EXPECTED REL: python evaluates EXPR on the JSON in d; compares with EXPECTED within REL.
expect_json() {
    if python3 - "$OUT" "$2" "$3" "${4:-0}" <<'PY'; then ok "$1"; else bad "$1" "json check $2 == $3 failed: $(head -c 300 "$OUT")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {"d": d})
exp, rel = sys.argv[3], float(sys.argv[4])
try:
    e = float(exp)
    ok = abs(float(v) - e) <= rel * abs(e) if e != 0 else abs(float(v)) <= rel
except ValueError:
    ok = str(v) == exp
if not ok:
    print("got", v, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
finish() { echo done; }
# Waits (at most 30 s) until the workload started by a backgrounded `measure` has created FILE:
# signals sent after that reach a measure that has its handlers installed, however loaded the machine.
wait_ready() { local i; for i in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
