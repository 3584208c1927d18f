# CLI: llmwatt serve. Bad-input paths; /metrics on the fake NVML (exposition checked by promtool,
# values against the fake's scripted power); malformed requests, a slow client, a GPU that
# disappears, authentication, workload limit, RAPL counters, signals; the rules file's promtool
# unit tests; and a real Prometheus server scraping a replayed nvidia-smi log.
# Every wait has a deadline and every background process is killed on exit.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA="$ROOT/tests/data/serve"
FAKE="${LW_BUILD:?set LW_BUILD to the build directory}/tests/libfake_nvml.so"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
# No RAPL unless a test builds a powercap tree: the host's zones would make values vary.
export LLMWATT_POWERCAP_ROOT="$TMP/no-powercap"
unset FAKE_NVML_GPUS FAKE_NVML_POWER_W FAKE_NVML_FAIL_GPU FAKE_NVML_FAIL_AT_S FAKE_NVML_NO_ENERGY FAKE_NVML_THROTTLE

# serve NAME ARGS...: starts `llmwatt serve` on a free loopback port (port 0) and waits, at most
# 15 s, for its "listening on URL" line. Sets SPID and URL; returns 1 if it never listened.
serve() {
    local name=$1 i
    shift
    "$LLMWATT" serve --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SPID=$!
    PIDS+=("$SPID")
    URL=
    for i in $(seq 150); do
        URL=$(sed -n 's/^llmwatt serve: listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.out")
        [ -n "$URL" ] && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    echo "serve $name did not start: $(head -c 300 "$TMP/$name.err")"
    return 1
}
# stop SIGNAL: signals the server, waits at most 10 s and sets RC (137 if it had to be killed).
stop() {
    local i
    kill -"$1" "$SPID" 2>/dev/null
    for i in $(seq 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SPID" 2>/dev/null; then kill -9 "$SPID"; wait "$SPID" 2>/dev/null; RC=137; else wait "$SPID"; RC=$?; fi
}
# http METHOD PATH [CURL ARGS...]: sets CODE; the body is in $TMP/body.
http() {
    local m=$1 p=$2
    shift 2
    CODE=$(curl -s -m 5 -o "$TMP/body" -w '%{http_code}' -X "$m" "$@" "$URL$p")
}
expect_code() { if [ "$CODE" = "$2" ]; then ok "$1"; else bad "$1" "HTTP $CODE, expected $2: $(head -c 200 "$TMP/body")"; fi; }
scrape() { curl -s -m 5 -o "$TMP/metrics" "$URL/metrics"; }
# mval REGEX: value of the first sample line of $TMP/metrics matching REGEX (empty if none).
mval() { grep -v '^#' "$TMP/metrics" | grep -E -- "$1" | head -1 | awk '{print $NF}'; }
# expect_val NAME REGEX EXPECTED REL: the sample is within REL (relative) of EXPECTED.
expect_val() {
    local v; v=$(mval "$2")
    if [ -n "$v" ] && python3 -c "import sys; v,e,r=map(float,sys.argv[1:]); sys.exit(0 if abs(v-e) <= r*abs(e) else 1)" "$v" "$3" "$4"; then
        ok "$1"
    else
        bad "$1" "$2 = '${v}', expected $3 within $4"
    fi
}
absent() { if grep -v '^#' "$TMP/metrics" | grep -Eq -- "$2"; then bad "$1" "/$2/ still present"; else ok "$1"; fi; }

expect_out_m() { if grep -Eq -- "$2" "$TMP/metrics"; then ok "$1"; else bad "$1" "/metrics lacks /$2/"; fi; }
expect_json_body() { if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if $2 else 1)" "$TMP/body"; then ok "$1"; else bad "$1" "$(head -c 200 "$TMP/body")"; fi; }
# expect_rc_srv NAME CODE SERVER: the server stopped by stop() exited with CODE.
expect_rc_srv() { if [ "$RC" -eq "$2" ]; then ok "$1"; else bad "$1" "exit $RC, expected $2: $(head -c 300 "$TMP/$3.err")"; fi; }

# expect_power NAME REGEX WATTS SECONDS: the counter matching REGEX grows by WATTS x the time
# between two scrapes about SECONDS apart (timed around them). Sampled every 0.1 s, the counter
# lags by up to one interval at each end (2 x 0.1 s x WATTS), plus 0.1 s x WATTS for curl.
expect_power() {
    local t0 t1 e0 e1
    t0=$(date +%s.%N); scrape; e0=$(mval "$2")
    sleep "$4"
    scrape; e1=$(mval "$2"); t1=$(date +%s.%N)
    if python3 -c "import sys; e0,e1,t0,t1,w=map(float,sys.argv[1:]); sys.exit(0 if abs((e1-e0)-w*(t1-t0)) <= 0.3*w else 1)" "$e0" "$e1" "$t0" "$t1" "$3"; then
        ok "$1"
    else
        bad "$1" "$3 W over $t0..$t1 s, counter $e0 -> $e1"
    fi
}

# ---- bad input: one line, documented exit code ----
run serve --listen nonsense;            expect_rc bad-listen 2; expect_err bad-listen-msg "--listen expects HOST:PORT"
run serve --listen 127.0.0.1:99999;     expect_rc bad-port 2; expect_err bad-port-msg "--listen expects HOST:PORT"
run serve --interval 0;                 expect_rc bad-interval 2; expect_err bad-interval-msg "--interval must be between 10ms and 60s"
run serve --interval 5x;                expect_rc bad-interval-unit 2; expect_err bad-interval-unit-msg "--interval expects a duration"
run serve --max-workloads 0;            expect_rc bad-max-workloads 2; expect_err bad-max-workloads-msg "--max-workloads must be between 1"
run serve --replay-speed 2;             expect_rc speed-without-replay 2; expect_err speed-without-replay-msg "--replay-speed needs --replay"
run serve --replay "$DATA/two_gpus.csv" --replay-speed 0; expect_rc bad-speed 2; expect_err bad-speed-msg "--replay-speed"
run serve --frob;                       expect_rc bad-flag 2; expect_err bad-flag-msg "unknown option '--frob'"
run serve --replay "$TMP/none.csv";     expect_rc replay-missing 3; expect_err replay-missing-msg "none.csv"
printf 'timestamp, index, power.draw [W]\n2025/10/28 14:03:07.000, 0, lots\n' >"$TMP/bad.csv"
run serve --replay "$TMP/bad.csv";      expect_rc replay-bad 4; expect_err replay-bad-msg "line 2: power.draw ' ?lots' is not a number"
run serve --token-file "$TMP/none";     expect_rc token-file-missing 3; expect_err token-file-missing-msg "cannot read --token-file"
printf '\n' >"$TMP/empty-token"
run serve --token-file "$TMP/empty-token"; expect_rc token-file-empty 4; expect_err token-file-empty-msg "must hold the secret on its first line"
# no source: the one line also says what to do, in the same words as measure
LLMWATT_NVML_LIBRARY="$TMP/no-nvml.so" run serve --duration 1s; expect_rc no-device 6
expect_err no-device-msg "no power source: cannot load .*no-nvml.so.*Install the NVIDIA driver \(libnvidia-ml.so.1\) or point LLMWATT_NVML_LIBRARY at it.*or analyse a log with --replay LOG"
LLMWATT_NVML_LIBRARY="$TMP/no-nvml.so" run serve --duration 1s --no-rapl; expect_rc no-device-no-rapl 6
expect_err no-device-no-rapl-msg "cannot load .*; RAPL disabled by --no-rapl\. Install the NVIDIA driver"
run serve --help;                       expect_rc help 0; expect_out help-text 'POST /tokens'

# ---- the fake NVML: 2 GPUs at 300 W and 100 W ----
export LLMWATT_NVML_LIBRARY="$FAKE" FAKE_NVML_GPUS=2 FAKE_NVML_POWER_W=300,100
if serve fake --interval 100ms --hold 1s --client-timeout 1s; then
    ok fake-start
    # busy address: a second exporter on the same port
    run serve --listen "${URL#http://}" --duration 1s; expect_rc busy-port 2; expect_err busy-port-msg "cannot listen on .*Address already in use"
    scrape
    if promtool check metrics <"$TMP/metrics" >"$TMP/promtool" 2>&1; then ok fake-promtool-metrics; else bad fake-promtool-metrics "$(head -c 300 "$TMP/promtool")"; fi
    expect_val fake-power-0 'llmwatt_gpu_power_watts\{gpu="0",uuid="GPU-fake-0000",name="Fake GPU 0"\}' 300 0
    expect_val fake-power-1 'llmwatt_gpu_power_watts\{gpu="1"' 100 0
    expect_val fake-util 'llmwatt_gpu_utilization_ratio\{gpu="0"' 0.95 1e-9
    expect_val fake-limit 'llmwatt_gpu_power_limit_watts\{gpu="0"' 700 0
    expect_out_m fake-energy-method 'llmwatt_gpu_energy_joules_total\{gpu="0",uuid="GPU-fake-0000",name="Fake GPU 0",method="counter"\}'
    expect_out_m fake-type-counter '^# TYPE llmwatt_gpu_energy_joules_total counter$'
    # energy counter vs the scripted 300 W over a measured 1.5 s
    expect_power fake-energy-rate 'llmwatt_gpu_energy_joules_total\{gpu="0"' 300 1.5

    # ---- token reports ----
    http POST /tokens -d 'workload=chat&tokens=120';  expect_code post-form 200
    expect_json_body post-form-body 'd["workload"] == "chat" and d["tokens"] == 120 and d["tokens_total"] == 120'
    http POST /tokens -H 'Content-Type: application/json' -d '{"workload": "chat", "tokens": 80}'; expect_code post-json 200
    expect_json_body post-json-total 'd["tokens_total"] == 200'
    http POST /tokens -d 'workload=batch&tokens=0'; expect_code post-zero 200
    # ---- malformed requests: 4xx, never a crash ----
    nbad=0
    for body in 'workload=chat&tokens=-1' 'workload=chat&tokens=abc' 'workload=chat&tokens=1.5' 'workload=chat' \
        'workload=bad name&tokens=1' 'tokens=1&workload=chat&extra=1' '{"workload": "chat", "tokens": -3}' '{"workload": "chat"' ''; do
        http POST /tokens --data-binary "$body"
        expect_code "bad-body[$body]" 400
        nbad=$((nbad + 1))
    done
    if grep -q "tokens must be a whole number" <(curl -s -m 5 -d 'workload=chat&tokens=-1' "$URL/tokens"); then ok bad-body-message; else bad bad-body-message "no message"; fi
    nbad=$((nbad + 1))
    head -c 5000 /dev/zero | tr '\0' 'a' >"$TMP/big"
    http POST /tokens --data-binary @"$TMP/big";  expect_code oversized-body 413
    http POST /tokens -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big"; expect_code oversized-chunked 413
    nbad=$((nbad + 2))
    http GET /nowhere;        expect_code unknown-path 404
    http DELETE /metrics;     expect_code bad-method 405
    http GET /tokens;         expect_code get-tokens 405
    http POST /metrics -d x;  expect_code post-metrics 405
    http GET "/metrics?$(head -c 70000 /dev/zero | tr '\0' 'q')"; if [ "${CODE:0:1}" = 4 ]; then ok long-url; else bad long-url "HTTP $CODE"; fi
    # raw garbage and a truncated request line on a socket
    python3 - "${URL#http://}" >"$TMP/raw" 2>&1 <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
for payload in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET\r\n\r\n", b"GET /metrics HTTP/9.9\r\n\r\n"):
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(payload)
    try:
        reply = s.recv(64)
    except socket.timeout:
        reply = b"(timeout)"
    s.close()
    print(reply[:12])
PY
    if grep -q timeout "$TMP/raw"; then bad raw-garbage "$(cat "$TMP/raw")"; else ok raw-garbage; fi
    http GET /healthz;        expect_code alive-after-garbage 200
    # slow clients: half a request line, and a body that never comes, are closed after --client-timeout
    # (1 s) while other clients are served at once
    python3 - "${URL#http://}" >"$TMP/slow" 2>&1 <<'PY'
import socket, sys, time, urllib.request
host, port = sys.argv[1].rsplit(":", 1)
half = socket.create_connection((host, int(port)), timeout=10)
half.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
stalled = socket.create_connection((host, int(port)), timeout=10)
stalled.sendall(b"POST /tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\nworkload=slow&tok")
t0 = time.time()
r = urllib.request.urlopen("http://%s:%s/metrics" % (host, port), timeout=3)
fast = time.time() - t0
assert r.status == 200
closed = []
for s in (half, stalled):
    s.settimeout(8)
    try:
        while s.recv(4096):
            pass
        closed.append(time.time() - t0)
    except socket.timeout:
        closed.append(99)
print("served_other_s=%.2f closed_s=%s" % (fast, ",".join("%.2f" % c for c in closed)))
sys.exit(0 if fast < 2 and max(closed) < 6 else 1)
PY
    if [ $? -eq 0 ]; then ok slow-client; else bad slow-client "$(cat "$TMP/slow")"; fi
    scrape
    absent slow-body-not-counted 'workload="slow"'
    expect_val tokens-total 'llmwatt_tokens_total\{workload="chat"\}' 200 0
    expect_val rejected-bad-request 'llmwatt_token_reports_rejected_total\{reason="bad_request"\}' "$nbad" 0
    expect_val reports-accepted 'llmwatt_token_reports_total' 3 0
    # attribution invariant: workload energy + unattributed = GPU energy, up to the one sample
    # observed after the last tick (400 W x 0.1 s = 40 J) and the microjoule rounding of each value
    python3 - "$TMP/metrics" <<'PY' && ok attribution-sum || bad attribution-sum "$(grep -E '^llmwatt_(energy|unattributed|gpu_energy)' "$TMP/metrics")"
import re, sys
gpu = att = un = 0.0
for line in open(sys.argv[1]):
    if line.startswith("llmwatt_gpu_energy_joules_total"): gpu += float(line.split()[-1])
    elif line.startswith("llmwatt_energy_joules_total"): att += float(line.split()[-1])
    elif line.startswith("llmwatt_unattributed_energy_joules_total"): un += float(line.split()[-1])
sys.exit(0 if gpu > 0 and att > 0 and -1e-5 <= gpu - (att + un) <= 40 else 1)
PY
    stop INT
    expect_rc_srv sigint-exit 0 fake
    if grep -q '^llmwatt serve: stopped (SIGINT); 2 workloads, 200 tokens' "$TMP/fake.out"; then ok sigint-summary; else bad sigint-summary "$(tail -1 "$TMP/fake.out")"; fi
else
    bad fake-start "$(cat "$TMP/fake.err")"
fi

# ---- a GPU that disappears: GPU 1 answers GPU_IS_LOST 1.5 s after nvmlInit ----
if FAKE_NVML_FAIL_GPU=1 FAKE_NVML_FAIL_AT_S=1.5 serve lost --interval 100ms; then
    scrape
    expect_val lost-before-up 'llmwatt_gpu_up\{gpu="1"' 1 0
    for i in $(seq 50); do scrape; [ "$(mval 'llmwatt_gpu_up\{gpu="1"')" = 0 ] && break; sleep 0.1; done
    expect_val lost-marked-down 'llmwatt_gpu_up\{gpu="1"' 0 0
    absent lost-power-gone 'llmwatt_gpu_power_watts\{gpu="1"'
    c1=$(mval 'llmwatt_gpu_energy_joules_total\{gpu="1"')
    # GPU 0 keeps counting at 300 W while GPU 1's counter stays frozen
    expect_power lost-other-gpu-counts 'llmwatt_gpu_energy_joules_total\{gpu="0"' 300 0.5
    expect_val lost-counter-frozen 'llmwatt_gpu_energy_joules_total\{gpu="1"' "$c1" 0
    expect_val lost-other-gpu-up 'llmwatt_gpu_up\{gpu="0"' 1 0
    http GET /healthz; expect_code lost-still-serving 200
    stop TERM; expect_rc_srv sigterm-exit 0 lost
    if grep -q '^llmwatt serve: stopped (SIGTERM)' "$TMP/lost.out"; then ok sigterm-summary; else bad sigterm-summary "$(tail -1 "$TMP/lost.out")"; fi
else
    bad lost-start "$(cat "$TMP/lost.err")"
fi

# ---- no energy counter (old GPU): integrated power, said in the method label ----
if FAKE_NVML_NO_ENERGY=1 FAKE_NVML_GPUS=1 serve integ --interval 100ms --duration 20s; then
    sleep 0.5
    scrape
    if grep -q 'llmwatt_gpu_energy_joules_total{gpu="0",uuid="GPU-fake-0000",name="Fake GPU 0",method="integrated"}' "$TMP/metrics"; then ok integrated-method; else bad integrated-method "$(grep gpu_energy "$TMP/metrics")"; fi
    stop TERM
else
    bad integ-start "$(cat "$TMP/integ.err")"
fi

# ---- authentication ----
printf 's3cret-token\n' >"$TMP/token"
if FAKE_NVML_GPUS=1 serve auth --token-file "$TMP/token" --max-workloads 2; then
    http POST /tokens -d 'workload=a&tokens=1';                                   expect_code auth-missing 401
    http POST /tokens -H 'Authorization: Bearer wrong' -d 'workload=a&tokens=1';  expect_code auth-wrong 401
    http POST /tokens -H 'Authorization: Bearer s3cret-token' -d 'workload=a&tokens=5'; expect_code auth-right 200
    http POST /tokens -H 'Authorization: Bearer s3cret-token' -d 'workload=b&tokens=5'; expect_code auth-second 200
    http POST /tokens -H 'Authorization: Bearer s3cret-token' -d 'workload=c&tokens=5'; expect_code workload-limit 429
    if grep -q -- '--max-workloads' "$TMP/body"; then ok workload-limit-msg; else bad workload-limit-msg "$(cat "$TMP/body")"; fi
    http GET /metrics;  expect_code auth-metrics-open 200
    scrape
    expect_val auth-rejected 'llmwatt_token_reports_rejected_total\{reason="unauthorized"\}' 2 0
    expect_val limit-rejected 'llmwatt_token_reports_rejected_total\{reason="workload_limit"\}' 1 0
    stop TERM
else
    bad auth-start "$(cat "$TMP/auth.err")"
fi
# without --token-file, a report from a non-loopback address is refused (needs a local non-loopback IPv4)
LOCAL_IP=$(python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(('10.255.255.255', 1)); print(s.getsockname()[0])
except OSError:
    pass" 2>/dev/null)
if [ -n "$LOCAL_IP" ] && [ "${LOCAL_IP%%.*}" != 127 ] && FAKE_NVML_GPUS=1 serve remote --listen 0.0.0.0:0; then
    PORT=${URL##*:}
    URL="http://$LOCAL_IP:$PORT"
    http POST /tokens -d 'workload=a&tokens=1'; expect_code nonloopback-refused 403
    http GET /metrics;                          expect_code nonloopback-metrics 200
    URL="http://127.0.0.1:$PORT"
    http POST /tokens -d 'workload=a&tokens=1'; expect_code loopback-accepted 200
    stop TERM
else
    echo "skipped nonloopback-refused: no non-loopback IPv4 address on this host"
fi

# ---- RAPL counters from a powercap tree (package + dram; core is skipped) ----
PC="$TMP/powercap"
mkdir -p "$PC/intel-rapl:0" "$PC/intel-rapl:0:0" "$PC/intel-rapl:0:1"
printf 'package-0\n' >"$PC/intel-rapl:0/name";  printf '1000000\n' >"$PC/intel-rapl:0/energy_uj";  printf '262143328850\n' >"$PC/intel-rapl:0/max_energy_range_uj"
printf 'core\n' >"$PC/intel-rapl:0:0/name";     printf '5\n' >"$PC/intel-rapl:0:0/energy_uj"
printf 'dram\n' >"$PC/intel-rapl:0:1/name";     printf '2000000\n' >"$PC/intel-rapl:0:1/energy_uj"; printf '65532610987\n' >"$PC/intel-rapl:0:1/max_energy_range_uj"
if LLMWATT_POWERCAP_ROOT="$PC" FAKE_NVML_GPUS=1 serve rapl --interval 100ms; then
    # package +50 J (1,000,000 -> 51,000,000 uJ), dram +2.5 J
    printf '51000000\n' >"$PC/intel-rapl:0/energy_uj"
    printf '4500000\n' >"$PC/intel-rapl:0:1/energy_uj"
    for i in $(seq 50); do scrape; [ "$(mval 'domain="dram"')" = 2.5 ] && break; sleep 0.1; done
    expect_val rapl-package 'llmwatt_rapl_energy_joules_total\{zone="package-0",domain="package"\}' 50 1e-12
    expect_val rapl-dram 'llmwatt_rapl_energy_joules_total\{zone="package-0/dram",domain="dram"\}' 2.5 1e-12
    absent rapl-core-skipped 'zone="core"'
    if promtool check metrics <"$TMP/metrics" >"$TMP/promtool" 2>&1; then ok rapl-promtool-metrics; else bad rapl-promtool-metrics "$(head -c 300 "$TMP/promtool")"; fi
    stop TERM
else
    bad rapl-start "$(cat "$TMP/rapl.err")"
fi
unset LLMWATT_NVML_LIBRARY FAKE_NVML_GPUS FAKE_NVML_POWER_W

# --duration ends the exporter by itself
run serve --listen 127.0.0.1:0 --replay "$DATA/two_gpus.csv" --duration 300ms; expect_rc duration-exit 0
expect_out duration-summary '^llmwatt serve: stopped \(duration reached\)'

# --devices: only the GPUs named (index or UUID), with --nvml-library naming the fake
run serve --listen 127.0.0.1:0 --replay "$DATA/two_gpus.csv" --devices 5 --duration 300ms; expect_rc devices-missing 3
expect_err devices-missing-msg "--devices: device '5' does not exist"
if FAKE_NVML_GPUS=3 serve devices --nvml-library "$FAKE" --devices GPU-fake-0002,0 --interval 100ms; then
    if grep -q '(nvml: 2 GPUs' "$TMP/devices.out"; then ok devices-count; else bad devices-count "$(cat "$TMP/devices.out")"; fi
    scrape
    if grep -q 'gpu="2"' "$TMP/metrics" && grep -q 'gpu="0"' "$TMP/metrics" && ! grep -q 'gpu="1"' "$TMP/metrics"; then
        ok devices-metrics; else bad devices-metrics "$(grep -c gpu= "$TMP/metrics") gpu lines"; fi
    stop TERM
else
    bad devices-start "$(cat "$TMP/devices.err")"
fi

# ---- the shipped Prometheus files ----
if command -v promtool >/dev/null; then
    if promtool check rules "$ROOT/deploy/prometheus/llmwatt-rules.yml" >"$TMP/pt" 2>&1; then ok promtool-check-rules; else bad promtool-check-rules "$(cat "$TMP/pt")"; fi
    if promtool check config "$ROOT/deploy/prometheus/prometheus.yml" >"$TMP/pt" 2>&1; then ok promtool-check-config; else bad promtool-check-config "$(cat "$TMP/pt")"; fi
    if (cd "$DATA" && promtool test rules rules_test.yml) >"$TMP/pt" 2>&1; then ok promtool-test-rules; else bad promtool-test-rules "$(cat "$TMP/pt")"; fi
else
    echo "skipped promtool checks: promtool is not installed (Debian package prometheus)"
fi

# ---- a real Prometheus server scraping a replayed log (GPU 0 250 W, GPU 1 100 W) ----
if ! command -v prometheus >/dev/null; then
    echo "skipped prometheus-integration: prometheus is not installed (Debian package prometheus)"
elif serve replay --replay "$DATA/two_gpus.csv" --interval 200ms --hold 2s; then
    SERVE_ADDR=${URL#http://}
    scrape
    if promtool check metrics <"$TMP/metrics" >"$TMP/promtool" 2>&1; then ok replay-promtool-metrics; else bad replay-promtool-metrics "$(head -c 300 "$TMP/promtool")"; fi
    expect_out_m replay-integrated 'llmwatt_gpu_energy_joules_total\{gpu="0",uuid="",name="[^"]*",method="integrated"\}'
    # a workload posting 50 tokens every 0.1 s (500 tokens/s), recording what it sent
    python3 - "$URL" "$TMP/posted" >"$TMP/poster.log" 2>&1 <<'PY' &
import sys, time, urllib.request
url, out = sys.argv[1], sys.argv[2]
t0 = time.time()
total = n = 0
while time.time() - t0 < 25:
    urllib.request.urlopen(urllib.request.Request(url + "/tokens", data=b"workload=chat&tokens=50"), timeout=3).read()
    total += 50
    n += 1
    with open(out + ".tmp", "w") as f:
        f.write("%d %.6f\n" % (total, time.time() - t0))
    __import__("os").replace(out + ".tmp", out)
    time.sleep(max(0.0, t0 + n * 0.1 - time.time()))
PY
    PIDS+=("$!")
    PPORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    cat >"$TMP/prom.yml" <<EOF
global:
  scrape_interval: 500ms
  evaluation_interval: 500ms
rule_files:
  - $ROOT/deploy/prometheus/llmwatt-rules.yml
scrape_configs:
  - job_name: llmwatt
    static_configs:
      - targets: ["$SERVE_ADDR"]
EOF
    prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
        --log.level=warn >"$TMP/prom.log" 2>&1 &
    PIDS+=("$!")
    python3 - "http://127.0.0.1:$PPORT" "$TMP/posted" <<'PY'
# Waits (bounded) for 5 s of scrapes, then checks the series against the log's power.
import json, sys, time, urllib.parse, urllib.request
prom, posted = sys.argv[1], sys.argv[2]
def q(expr):
    u = prom + "/api/v1/query?query=" + urllib.parse.quote(expr)
    d = json.load(urllib.request.urlopen(u, timeout=5))
    return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in d["data"]["result"]}
def check(name, got, exp, rel):
    if got is not None and abs(got - exp) <= rel * abs(exp):
        print("ok", name)
    else:
        print("FAIL %s: got %s, expected %s within %s" % (name, got, exp, rel))
def one(expr):
    r = q(expr)
    return next(iter(r.values())) if len(r) == 1 else None
deadline = time.time() + 25
ready = False
while time.time() < deadline:
    try:
        if one('count_over_time(llmwatt_energy_joules_total{workload="chat"}[1m])') >= 11 and one('llmwatt:tokens_per_joule:rate5m{workload="chat"}'):
            ready = True
            break
    except Exception:
        pass
    time.sleep(0.5)
print("ok prometheus-ready" if ready else "FAIL prometheus-ready: no 11 scrapes with the recorded ratio within 25 s")
if ready:
    check("prom-up", one('up{job="llmwatt"}'), 1, 0)
    check("prom-gpu0-power", one('rate(llmwatt_gpu_energy_joules_total{gpu="0"}[5s])'), 250, 0.08)
    check("prom-gpu1-power", one('rate(llmwatt_gpu_energy_joules_total{gpu="1"}[5s])'), 100, 0.08)
    check("prom-gpu-gauge", one('llmwatt_gpu_power_watts{gpu="0"}'), 250, 0)
    # the workload is active throughout: it is attributed the whole 350 W
    check("prom-workload-power", one('rate(llmwatt_energy_joules_total{workload="chat"}[5s])'), 350, 0.08)
    total, elapsed = map(float, open(posted).read().split())
    rate = total / elapsed
    check("prom-token-rate", one('rate(llmwatt_tokens_total{workload="chat"}[5s])'), rate, 0.1)
    # tokens per joule = posted tokens per second / 350 W
    check("prom-tokens-per-joule-10s", one('rate(llmwatt_tokens_total{workload="chat"}[5s]) / rate(llmwatt_energy_joules_total{workload="chat"}[5s])'), rate / 350, 0.1)
    check("prom-recorded-tokens-per-joule", one('llmwatt:tokens_per_joule:rate5m{workload="chat"}'), rate / 350, 0.2)
    check("prom-recorded-joules-per-token", one('llmwatt:joules_per_token:rate5m{workload="chat"}'), 350 / rate, 0.2)
    # rate(...[5m]) over ~6 s of data is not yet the power (it divides by 5 minutes): only its
    # presence is checked here; its value is tested by promtool test rules
    r = q('instance:llmwatt_gpu_energy_joules:rate5m')
    print("ok prom-node-power-recorded" if len(r) == 1 and list(r.values())[0] > 0 else "FAIL prom-node-power-recorded: %s" % r)
PY
else
    bad replay-start "$(cat "$TMP/replay.err")"
fi
finish
