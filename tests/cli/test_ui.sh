# CLI: llmwatt ui. Bad options; the JSON API against the CLI (byte for byte for five request
# shapes: dense, MoE, multi-GPU, reasoning, fp8); the CLI's one-line errors as HTTP 400; sweeps;
# read-only and bounded requests; the rate limit; the non-loopback note; and, when Chromium is
# installed, the page itself in headless Chromium: the J/token it shows after its JavaScript ran,
# the chart, the GPU table and the error for an unknown model. LW_UI_SCREENSHOT=FILE keeps the
# screenshot (docs/img/ui.png is taken this way). Every wait has a deadline.
. "$(dirname "$0")/lib.sh"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# ui NAME ARGS...: starts `llmwatt ui` and waits (at most 15 s) for its URL. Sets UPID and URL.
ui() {
    local name=$1 i
    shift
    "$LLMWATT" ui "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    UPID=$!
    PIDS+=("$UPID")
    URL=
    for i in $(seq 150); do
        URL=$(sed -n 's/^llmwatt ui: serving the calculator on \(http:[^ ]*\)\/ .*/\1/p' "$TMP/$name.out")
        [ -n "$URL" ] && return 0
        kill -0 "$UPID" 2>/dev/null || break
        sleep 0.1
    done
    echo "ui $name did not start: $(head -c 300 "$TMP/$name.err")"
    return 1
}
# get PATH [CURL ARGS...]: sets CODE; the body is in $TMP/body, the headers in $TMP/head.
get() {
    local p=$1
    shift
    CODE=$(curl -s -m 10 -D "$TMP/head" -o "$TMP/body" -w '%{http_code}' "$@" "$URL$p")
}
expect_code() { if [ "$CODE" = "$2" ]; then ok "$1"; else bad "$1" "HTTP $CODE, expected $2: $(head -c 200 "$TMP/body")"; fi; }
# same NAME FILE: the last body is byte for byte FILE.
same() { if cmp -s "$TMP/body" "$2"; then ok "$1"; else bad "$1" "body differs from $2: $(diff "$TMP/body" "$2" | head -5)"; fi; }

# --- options ---
run ui --listen nonsense
expect_rc "bad --listen exits 2" 2
expect_err "bad --listen names the option" "^llmwatt ui: --listen expects HOST:PORT"
run ui --rate fast
expect_rc "bad --rate exits 2" 2
run ui --timeout 0s
expect_rc "--timeout 0 exits 2" 2
run ui --help
expect_out "help names the API" "/api/estimate"

ui main --listen 127.0.0.1:0 || { finish; exit 0; }
grep -q "note:" "$TMP/main.out" && bad "loopback prints no note" "$(cat "$TMP/main.out")" || ok "loopback prints no note"
run ui --listen "${URL#http://}"
expect_rc "busy port exits 2" 2
expect_err "busy port: one line naming the address" "cannot listen on '127.0.0.1:[0-9]+'"

# --- /api/estimate is `llmwatt estimate --json`, byte for byte ---
# name | query | CLI arguments
CASES=(
    "dense|model=llama-3.1-8b&gpu=h100&input=1000&output=500&batch=8|--model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8"
    "moe|model=mixtral-8x7b&gpu=h100&gpus=2&input=2000&output=400&batch=16|--model mixtral-8x7b --gpu h100 --gpus 2 --input 2000 --output 400 --batch 16"
    "multi-gpu|model=llama-3.1-70b&gpu=h100&gpus=4&input=2000&output=300&batch=32|--model llama-3.1-70b --gpu h100 --gpus 4 --input 2000 --output 300 --batch 32"
    "reasoning|model=o1&gpu=h100&gpus=2&input=500&output=300&reasoning=2000&batch=4|--model o1 --gpu h100 --gpus 2 --input 500 --output 300 --reasoning 2000 --batch 4"
    "fp8|model=llama-3.1-70b&gpu=h100&gpus=2&precision=fp8&input=1000&output=500&batch=16|--model llama-3.1-70b --gpu h100 --gpus 2 --precision fp8 --input 1000 --output 500 --batch 16"
    "power-limit|model=llama-3.1-8b&gpu=h100&input=1000&output=500&batch=8&power_limit=350|--model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8 --power-limit 350"
)
for c in "${CASES[@]}"; do
    IFS='|' read -r name query args <<<"$c"
    # shellcheck disable=SC2086
    "$LLMWATT" estimate $args --json >"$TMP/cli-$name.json" 2>"$ERR"
    get "/api/estimate?$query"
    expect_code "estimate $name: HTTP 200" 200
    same "estimate $name: body is the CLI's JSON byte for byte" "$TMP/cli-$name.json"
done
grep -q '^Content-Type: application/json' "$TMP/head" && ok "estimate: application/json" || bad "estimate: application/json" "$(cat "$TMP/head")"
grep -q "^Content-Security-Policy: default-src 'none'" "$TMP/head" && ok "answers carry a CSP" || bad "answers carry a CSP" "$(cat "$TMP/head")"
get "/api/estimate?model=meta-llama%2FLlama-3.1-8B&gpu=h100&input=1000&output=500&batch=8"
same "estimate by Hugging Face id is the same as by name" "$TMP/cli-dense.json"
get "/api/estimate?model=llama-3.1-8b&gpu=h100&input=1000&output=500&batch=8&method=llm-bench"
"$LLMWATT" estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8 --method llm-bench --json >"$OUT"
same "estimate method=llm-bench is the CLI's" "$OUT"

get "/api/estimate?model=llama-3.1-405b&gpu=h100&tp=8&pp=2&input=1000&output=300&batch=64&precision=fp8&gpu_memory_utilization=0.85"
"$LLMWATT" estimate --model llama-3.1-405b --gpu h100 --tp 8 --pp 2 --input 1000 --output 300 --batch 64 --precision fp8 \
    --gpu-memory-utilization 0.85 --json >"$OUT"
same "estimate tp/pp/gpu_memory_utilization pass through to the CLI's options" "$OUT"

# --- errors: HTTP 400 with the CLI's one-line message ---
err_case() { # NAME QUERY CLI-ARGS... : the body is the CLI's stderr and the code 400
    local name=$1 query=$2
    shift 2
    "$LLMWATT" estimate "$@" --json >/dev/null 2>"$TMP/cli-err"
    local rc=$?
    get "/api/estimate?$query"
    expect_code "$name: HTTP 400" 400
    same "$name: body is the CLI's message" "$TMP/cli-err"
    grep -q "^X-Llmwatt-Exit: $rc" "$TMP/head" && ok "$name: X-Llmwatt-Exit $rc" || bad "$name: exit header" "$(cat "$TMP/head")"
}
err_case "unknown model" "model=nope&gpu=h100&input=1&output=1" --model nope --gpu h100 --input 1 --output 1
err_case "batch 0" "model=llama-3.1-8b&gpu=h100&input=1&output=1&batch=0" --model llama-3.1-8b --gpu h100 --input 1 --output 1 --batch 0
err_case "fractional tokens" "model=llama-3.1-8b&gpu=h100&input=1.5&output=1" --model llama-3.1-8b --gpu h100 --input 1.5 --output 1
err_case "does not fit" "model=llama-3.1-405b&gpu=l4&input=1&output=1" --model llama-3.1-405b --gpu l4 --input 1 --output 1
err_case "power limit below the GPU's range" "model=llama-3.1-8b&gpu=h100&input=1&output=1&power_limit=150" --model llama-3.1-8b --gpu h100 --input 1 --output 1 --power-limit 150
err_case "SM clock above the GPU's range" "model=llama-3.1-8b&gpu=h100&input=1&output=1&sm_clock=2500" --model llama-3.1-8b --gpu h100 --input 1 --output 1 --sm-clock 2500
err_case "power limit on a GPU without a range" "model=llama-3.1-8b&gpu=b200&input=1&output=1&power_limit=500" --model llama-3.1-8b --gpu b200 --input 1 --output 1 --power-limit 500
err_case "unknown precision" "model=llama-3.1-8b&gpu=h100&input=1&output=1&precision=fp7" --model llama-3.1-8b --gpu h100 --input 1 --output 1 --precision fp7
get "/api/estimate?model=llama-3.1-8b&gpu=h100&input=1&output=1&record=/tmp/x.db"
expect_code "a parameter that is not an estimate option: 400" 400
expect_out_body() { if grep -Eq -- "$2" "$TMP/body"; then ok "$1"; else bad "$1" "body does not match /$2/: $(head -c 200 "$TMP/body")"; fi; }
expect_out_body "the refusal names the parameter" "does not take the parameter 'record'"
get "/api/estimate?model=a&model=b&gpu=h100&input=1&output=1"
expect_code "a parameter given twice: 400" 400
get "/api/estimate?model=$(printf 'x%.0s' $(seq 300))&gpu=h100&input=1&output=1"
expect_code "a value over 256 bytes: 400" 400
get "/api/nothing"
expect_code "unknown API path: 404" 404

# --- sweep: one CLI estimate per value ---
get "/api/sweep?model=llama-3.1-8b&gpu=h100&input=1000&output=500&vary=batch&values=1,8"
expect_code "sweep batch: 200" 200
python3 - "$TMP/body" "$TMP/cli-dense.json" <<'PY' && ok "sweep row batch 8 equals the CLI estimate" || bad "sweep row batch 8 equals the CLI estimate" "$(head -c 300 "$TMP/body")"
import json, sys
d = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
rows = d["rows"]
assert d["vary"] == "batch" and [r["value"] for r in rows] == ["1", "8"] and all(r["exit"] == 0 for r in rows)
assert rows[1]["estimate"] == e
PY
get "/api/sweep?model=llama-3.1-70b&gpu=h100&input=2000&output=300&vary=batch&values=1..1024*4"
python3 - "$TMP/body" <<'PY' && ok "sweep: configurations that do not fit are rows with exit 5 and the CLI's message" || bad "sweep does-not-fit rows" "$(head -c 300 "$TMP/body")"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert len(rows) == 6 and all(r["exit"] == 5 and r["error"].startswith("llmwatt estimate: does not fit") for r in rows)
PY
get "/api/sweep?model=llama-3.1-8b&input=1000&output=500&batch=8&vary=gpu&values=h100,a100-80gb"
python3 - "$TMP/body" "$TMP/cli-dense.json" <<'PY' && ok "sweep gpu: h100 row equals the CLI estimate" || bad "sweep gpu" "$(head -c 300 "$TMP/body")"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]; e = json.load(open(sys.argv[2]))
assert [r["value"] for r in rows] == ["h100", "a100-80gb"] and rows[0]["estimate"] == e and rows[1]["estimate"]["gpu"] == "a100-80gb"
PY
get "/api/sweep?model=llama-3.1-8b&gpu=h100&input=1000&output=500&batch=8&vary=power_limit&values=200..700%2B250"
expect_code "sweep power_limit: 200" 200
"$LLMWATT" estimate --model llama-3.1-8b --gpu h100 --input 1000 --output 500 --batch 8 --power-limit 450 --json >"$OUT"
python3 - "$TMP/body" "$OUT" <<'PY' && ok "sweep power_limit: one row per limit, the 450 W row is the CLI's estimate" || bad "sweep power_limit" "$(head -c 300 "$TMP/body")"
import json, sys
d = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2]))
rows = d["rows"]
assert d["vary"] == "power_limit" and [r["value"] for r in rows] == ["200", "450", "700"] and all(r["exit"] == 0 for r in rows)
assert rows[1]["estimate"] == e
assert [r["estimate"]["power_limit_w"] for r in rows] == [200.0, 450.0, 700.0]
assert rows[0]["estimate"]["sm_clock"]["prefill_mhz"] < rows[2]["estimate"]["sm_clock"]["prefill_mhz"] == 1980.0
PY
get "/api/sweep?model=llama-3.1-8b&gpu=h100&input=1000&output=500&vary=power_limit&values=100,300"
expect_code "sweep power_limit out of the GPU's range: 400" 400
expect_out_body "sweep power_limit: the CLI's range message" "^llmwatt estimate: --power-limit 100 W is outside h100-sxm's settable range 200\.\.700 W"
get "/api/sweep?model=llama-3.1-8b&input=1000&output=500&vary=gpu&values=h100,nope"
expect_code "sweep with an unknown GPU: 400" 400
expect_out_body "sweep: the CLI's message for the unknown GPU" "^llmwatt estimate: unknown GPU 'nope'"
get "/api/sweep?model=llama-3.1-8b&gpu=h100&input=1000&output=500&vary=colour&values=1,2"
expect_code "sweep over an unknown input: 400" 400
get "/api/sweep?model=llama-3.1-8b&gpu=h100&input=1000&output=500&vary=batch&values=1..1000000*1.01"
expect_code "sweep over too many values: 400" 400

# --- the other commands, byte for byte ---
get "/api/physics?gpu=h100&mfu=0.4"
"$LLMWATT" physics --gpu h100 --mfu 0.4 --json >"$OUT"
same "physics is the CLI's JSON" "$OUT"
get "/api/scale?baseline_j_per_token=0.4&from_model=llama-3.1-8b&to_model=llama-3.1-70b&from_gpu=h100"
"$LLMWATT" scale --baseline-j-per-token 0.4 --from-model llama-3.1-8b --to-model llama-3.1-70b --from-gpu h100 --json >"$OUT"
same "scale is the CLI's JSON" "$OUT"
get "/api/cost?power_w=700&tokens_per_s=1000&region=fr&price_kwh=0.2"
"$LLMWATT" cost --power-w 700 --tokens-per-s 1000 --region fr --price-kwh 0.2 --json >"$OUT"
same "cost is the CLI's JSON" "$OUT"
get "/api/models"
"$LLMWATT" models --json >"$OUT"
same "models is the CLI's JSON" "$OUT"
get "/api/gpus"
"$LLMWATT" gpus --json >"$OUT"
same "gpus is the CLI's JSON" "$OUT"
get "/api/regions"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); r={x['id']: x for x in d}; sys.exit(0 if r['fr']['g_co2e_per_kwh'] == 44 and r['fr']['year'] == 2024 else 1)" "$TMP/body" \
    && ok "regions: France 44 g/kWh (2024, data/regions.csv)" || bad "regions" "$(head -c 200 "$TMP/body")"

# --- the page's files ---
get "/"
expect_code "GET / serves the page" 200
expect_out_body "the page holds the J/token element" 'id="energy-per-output-token-j"'
get "/app.js"
cmp -s "$TMP/body" "$(dirname "$0")/../../web/app.js" && ok "app.js is web/app.js" || bad "app.js is web/app.js" "differs"
get "/healthz"
expect_code "healthz" 200

# --- read-only and bounded ---
get "/api/models" -X POST -d "x=1"
expect_code "POST: 405" 405
expect_out_body "POST: read-only" "read-only: POST is not allowed"
get "/api/models" -X DELETE
expect_code "DELETE: 405" 405
get "/../../etc/passwd" --path-as-is
expect_code "path traversal: 404" 404
get "/api/estimate?model=$(head -c 100000 /dev/zero | tr '\0' a)"
case "$CODE" in 414 | 431 | 400 | 413) ok "a 100 kB URL is refused ($CODE)" ;; *) bad "a 100 kB URL is refused" "HTTP $CODE" ;; esac
get "/" -H "X-Big: $(head -c 60000 /dev/zero | tr '\0' b)"
case "$CODE" in 431 | 400 | 413) ok "a 60 kB header is refused ($CODE)" ;; *) bad "a 60 kB header is refused" "HTTP $CODE" ;; esac
raw() { # BYTES: sends them on a fresh connection; the answer (at most 5 s of it) goes to $TMP/raw, RAWRC 124 on timeout
    local hp=${URL#http://}
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "$3" >&3 && cat <&3' _ "${hp%:*}" "${hp##*:}" "$1" >"$TMP/raw" 2>/dev/null
    RAWRC=$?
}
raw 'NONSENSE\r\n\r\n'
if [ "$RAWRC" -ne 124 ] && { [ ! -s "$TMP/raw" ] || grep -q '^HTTP/1.1 400' "$TMP/raw"; }; then ok "a malformed request line is answered 400 or closed at once"
else bad "malformed request line" "rc $RAWRC: $(head -c 100 "$TMP/raw")"; fi
raw 'GET /api/estimate?model=llama-3.1-8b HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nxx'
grep -q '^HTTP/1.1 413' "$TMP/raw" && ok "a GET announcing a 1 GB body gets 413 at once" || bad "GET with a body" "$(head -c 100 "$TMP/raw")"
get "/api/estimate?model=llama-3.1-8b&gpu=h100&input=1000&output=500&batch=8"
same "still answers after malformed and oversized requests" "$TMP/cli-dense.json"

# --- the page in headless Chromium ---
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "skip: chromium is not installed: the browser checks of test_ui.sh did not run (apt-get install chromium)"
else
    chrome() { # OUTFILE MODE(dump|shot) QUERY: bounded headless run
        local prof
        prof=$(mktemp -d "$TMP/chrome.XXXX")
        if [ "$2" = dump ]; then
            timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$prof" \
                --virtual-time-budget=15000 --dump-dom "$URL/?$3" >"$1" 2>"$TMP/chrome.err"
        else
            timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$prof" \
                --hide-scrollbars --window-size=1280,1500 --virtual-time-budget=15000 --screenshot="$1" "$URL/?$3" \
                >/dev/null 2>"$TMP/chrome.err"
        fi
    }
    for c in "${CASES[@]}"; do
        IFS='|' read -r name query args <<<"$c"
        chrome "$TMP/dom-$name.html" dump "$query"
        python3 - "$TMP/dom-$name.html" "$TMP/cli-$name.json" <<'PY' >"$TMP/check" 2>&1
import json, re, sys
dom = open(sys.argv[1]).read()
cli = json.load(open(sys.argv[2]))["energy_per_output_token_j"]["expected"]
m = re.search(r'id="energy-per-output-token-j"[^>]*>([^<]*)<', dom)
shown = m.group(1).strip() if m else ""
page = float(shown) if re.fullmatch(r"[0-9.eE+-]+", shown) else None
if page is None or float("%.3g" % page) != float("%.3g" % cli):
    sys.exit("page shows %r, CLI %s" % (shown, cli))
problems = []
if not re.search(r'<svg[^>]*class="chart-svg"', dom) or 'class="band"' not in dom:
    problems.append("no chart with its band")
if len(re.findall(r"<tr[^>]*>\s*<th scope=\"row\"", dom)) < 2:
    problems.append("GPU comparison table has fewer than 2 rows")
if re.search(r'id="error"[^>]*>[^<]+<', dom) and not re.search(r'id="error"[^>]*hidden', dom):
    problems.append("an error is shown")
sys.exit("; ".join(problems) if problems else 0)
PY
        if [ $? -eq 0 ]; then ok "browser $name: the page shows the CLI's J/token to 3 digits, the chart and the GPU table"
        else bad "browser $name" "$(cat "$TMP/check") $(tail -c 200 "$TMP/chrome.err")"; fi
    done
    # the power-limit page: each phase's SM clock in the plan (the CLI's, 4 digits), the GPU's range by
    # the input, and the comparison's note that other GPUs run at their default limit
    python3 - "$TMP/dom-power-limit.html" "$TMP/cli-power-limit.json" <<'PY' >"$TMP/check" 2>&1
import json, re, sys
dom = open(sys.argv[1]).read()
clk = json.load(open(sys.argv[2]))["sm_clock"]
problems = []
for phase in ("prefill", "decode"):
    m = re.search(r"<dt>sm clock: %s mhz</dt><dd>([^<]*)</dd>" % phase, dom)
    if not m or float(m.group(1)) != float("%.4g" % clk[phase + "_mhz"]):
        problems.append("%s clock shown %r, CLI %s" % (phase, m and m.group(1), clk[phase + "_mhz"]))
if not re.search(r'id="power-limit-hint"[^>]*>200–700 W on h100-sxm<', dom):
    problems.append("no 200-700 W range by the input")
if re.search(r'id="compare-note"[^>]*hidden', dom) or 'id="compare-note"' not in dom:
    problems.append("the comparison does not say it runs at the default limit")
sys.exit("; ".join(problems) if problems else 0)
PY
    if [ $? -eq 0 ]; then ok "browser power-limit: the SM clocks, the GPU's range and the comparison note"
    else bad "browser power-limit" "$(cat "$TMP/check")"; fi
    chrome "$TMP/dom-nope.html" dump "model=nope&gpu=h100&input=100&output=10"
    if grep -q "id=\"error\"[^>]*>llmwatt estimate: unknown model 'nope'" "$TMP/dom-nope.html" &&
        ! grep -q 'id="error"[^>]*hidden' "$TMP/dom-nope.html"; then
        ok "browser: an unknown model shows the CLI's message"
    else
        bad "browser: unknown model" "$(grep -o 'id="error"[^<]*' "$TMP/dom-nope.html")"
    fi
    SHOT=${LW_UI_SCREENSHOT:-$TMP/ui.png}
    chrome "$SHOT" shot "model=llama-3.1-70b&gpu=h100&gpus=4&input=2000&output=300&batch=32"
    if [ "$(head -c 8 "$SHOT" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then ok "browser: screenshot $SHOT"
    else bad "browser: screenshot" "no PNG: $(tail -c 200 "$TMP/chrome.err")"; fi
fi

# --- rate limit, non-loopback note, signals ---
kill -TERM "$UPID"
for i in $(seq 100); do kill -0 "$UPID" 2>/dev/null || break; sleep 0.1; done
wait "$UPID"
RC=$?
expect_rc "SIGTERM: exit 0" 0
grep -q "^llmwatt ui: stopped (SIGTERM)" "$TMP/main.out" && ok "SIGTERM: stopped line" || bad "SIGTERM" "$(tail -1 "$TMP/main.out")"
ui rate --listen 127.0.0.1:0 --rate 2 || { finish; exit 0; }
codes=""
for i in $(seq 8); do
    get "/healthz"
    codes="$codes $CODE"
    [ "$CODE" = 429 ] && break
done
case "$codes" in *429) ok "--rate 2: a burst past 4 requests gets 429 ($codes)" ;; *) bad "--rate 2" "codes$codes" ;; esac
grep -qi '^Retry-After: 1' "$TMP/head" && ok "429 carries Retry-After" || bad "429 Retry-After" "$(cat "$TMP/head")"
kill -TERM "$UPID"
wait "$UPID"
ui any --listen 0.0.0.0:0 || { finish; exit 0; }
grep -q "^llmwatt ui: note: .* is not a loopback address: anyone who can reach it" "$TMP/any.out" && ok "non-loopback address: a one-line note" \
    || bad "non-loopback note" "$(cat "$TMP/any.out")"
kill -TERM "$UPID"
wait "$UPID"
finish
