# CLI: dcgm-exporter as a power source (measure --dcgm, serve --dcgm) and token counters read from
# inference engines (serve --engine), against test servers (tests/cli/fake_metrics.py: dcgm-exporter
# text, vLLM/SGLang/TGI metrics with counters rising at a set rate) and the real Prometheus; the
# Grafana dashboard's queries, the Kubernetes manifests. Every wait has a deadline and every
# background process is killed on exit.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FAKE="$ROOT/tests/cli/fake_metrics.py"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
export LLMWATT_POWERCAP_ROOT="$TMP/no-powercap"

# fake NAME ARGS...: starts a test server, waits (at most 10 s) for its port; sets FURL and FPID.
fake() {
    local name=$1 i
    shift
    python3 "$FAKE" "$TMP/$name.port" "$@" >"$TMP/$name.log" 2>&1 &
    FPID=$!
    PIDS+=("$FPID")
    FURL=
    for i in $(seq 100); do
        [ -s "$TMP/$name.port" ] && FURL="http://127.0.0.1:$(cat "$TMP/$name.port")" && return 0
        sleep 0.1
    done
    echo "fake $name did not start: $(cat "$TMP/$name.log")"
    return 1
}
# within NAME GOT EXPECTED REL
within() {
    if [ -n "$2" ] && python3 -c "import sys; g,e,r=map(float,sys.argv[1:]); sys.exit(0 if abs(g-e) <= r*abs(e) else 1)" "$2" "$3" "$4"; then
        ok "$1"
    else
        bad "$1" "got '$2', expected $3 within $4"
    fi
}
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# ---- measure --dcgm: two GPUs at a constant 300 W ----
if fake dcgm300 dcgm 2 300; then
    D300=$FURL
    run measure --dcgm "$D300" --no-cpu --json -- sleep 4
    expect_rc dcgm-measure-rc 0
    expect_json dcgm-source 'd["source"]' dcgm
    expect_json dcgm-url 'd["source_url"]' "$D300/metrics"
    expect_json dcgm-gpus 'len(d["gpus"])' 2
    expect_json dcgm-counter 'd["gpus"][0]["energy_method"]' counter
    expect_json dcgm-gpu0-power 'd["gpus"][0]["avg_power_w"]' 300 0.02
    expect_json dcgm-gpu1-power 'd["gpus"][1]["avg_power_w"]' 300 0.02
    expect_json dcgm-aggregate-power 'd["aggregate"]["avg_power_w"]' 600 0.02
    # 600 W over the measured duration
    expect_json dcgm-energy 'd["aggregate"]["energy_j"] / d["duration_s"]' 600 0.02
    expect_json dcgm-gpu-name 'd["gpus"][1]["name"]' "NVIDIA H100 80GB HBM3"
    expect_json dcgm-no-note '"source_note" in d' False

    # the counter resets (GPU reset, exporter restarted on a new boot) 1.5 s into the run
    run measure --dcgm "$D300" --no-cpu --json -- sh -c "sleep 1.5; curl -s -m 5 $D300/control/reset >/dev/null; sleep 2.5"
    expect_rc dcgm-reset-rc 0
    expect_json dcgm-reset-counted 'min(g["counter_resets"] for g in d["gpus"])' 1
    # the energy between the last reading before the reset and the reset is unknowable: at most
    # one sampling gap at 600 W
    expect_json dcgm-reset-power 'abs(d["aggregate"]["energy_j"] / d["duration_s"] - 600) <= 0.02 * 600 + 600 * d["sampling"]["largest_gap_s"] / d["duration_s"]' True
    kill "$FPID" 2>/dev/null

    # credentials never appear in messages; an endpoint that does not answer at start exits 3
    run measure --dcgm "http://me:hunter2@127.0.0.1:$(cat "$TMP/dcgm300.port")/metrics" --no-cpu -- true
    expect_rc dcgm-unreachable 3
    expect_err dcgm-unreachable-msg "^llmwatt measure: --dcgm: http://127.0.0.1:[0-9]+/metrics: cannot connect"
    if grep -q hunter2 "$ERR"; then bad dcgm-no-credentials "$(cat "$ERR")"; else ok dcgm-no-credentials; fi
    run measure --dcgm "https://127.0.0.1:9400" --no-cpu -- true
    expect_rc dcgm-https 2
    expect_err dcgm-https-msg "must start with http://"
    run measure --dcgm "http://127.0.0.1:1" --replay "$ROOT/tests/data/serve/two_gpus.csv"
    expect_rc dcgm-replay-exclusive 2
else
    bad dcgm300-start "$(cat "$TMP/dcgm300.log")"
fi

# the endpoint dies 1.5 s into a 3.5 s run: INVALID (gpus_present), what was measured is kept
if fake dying dcgm 2 300; then
    run measure --dcgm "$FURL" --no-cpu --json -- sh -c "sleep 1.5; curl -s -m 5 $FURL/control/die >/dev/null; sleep 2"
    expect_rc dying-rc 0
    expect_json dying-invalid 'd["verdict"]["valid"]' False
    expect_json dying-criterion '[c for c in d["verdict"]["criteria"] if c["name"] == "gpus_present"][0]["pass"]' False
    expect_json dying-failed-samples 'min(g["failed_samples"] for g in d["gpus"]) > 0' True
    # 300 W per GPU until the endpoint died (lost_at_s: the first failed reading; the counter counts
    # up to the last good one, up to two sampling intervals earlier)
    expect_json dying-energy-kept 'abs(d["gpus"][0]["energy_j"] - 300 * d["gpus"][0]["lost_at_s"]) <= 0.05 * 300 * d["gpus"][0]["lost_at_s"] + 300 * 2 * d["sampling"]["largest_gap_s"]' True
else
    bad dying-start "$(cat "$TMP/dying.log")"
fi

# no energy counter on the page: power is integrated
if fake noenergy dcgm 1 250 no-energy; then
    run measure --dcgm "$FURL" --no-cpu --json -- sleep 3
    expect_json noenergy-integrated 'd["gpus"][0]["energy_method"]' integrated
    expect_json noenergy-power 'd["gpus"][0]["avg_power_w"]' 250 0.02
    kill "$FPID" 2>/dev/null
else
    bad noenergy-start "$(cat "$TMP/noenergy.log")"
fi

# an exporter that refreshes once a second, sampled every 100 ms: said in the output
if fake slow dcgm 1 200 refresh=1; then
    run measure --dcgm "$FURL" --no-cpu --interval 100ms -- sleep 3.5
    expect_out slow-note-text '^note: dcgm-exporter brought a new value about every [0-9.]+ s, longer than the 0\.1 s interval'
    run measure --dcgm "$FURL" --no-cpu --interval 100ms --json -- sleep 3.5
    expect_json slow-note-json '"longer than the 0.1 s interval" in d["source_note"]' True
    kill "$FPID" 2>/dev/null
else
    bad slow-start "$(cat "$TMP/slow.log")"
fi

# ---- serve: bad input ----
run serve --engine vllm --duration 1s;             expect_rc engine-no-url 2;   expect_err engine-no-url-msg "--engine expects KIND=URL"
run serve --engine ollama=http://h --duration 1s;  expect_rc engine-bad-kind 2; expect_err engine-bad-kind-msg "'ollama' is unknown"
run serve --engine vllm=http://h@0,0;              expect_rc engine-bad-gpus 2; expect_err engine-bad-gpus-msg "distinct GPU indices"
run serve --pue nowhere --replay "$ROOT/tests/data/serve/two_gpus.csv"; expect_rc pue-unknown 3; expect_err pue-unknown-msg "unknown name 'nowhere'"
run serve --region atlantis --replay "$ROOT/tests/data/serve/two_gpus.csv"; expect_rc region-unknown 3
run serve --dcgm http://127.0.0.1:1 --replay x;    expect_rc dcgm-replay 2
run serve --listen 127.0.0.1:0 --replay "$ROOT/tests/data/serve/two_gpus.csv" --engine "vllm=http://me:hunter2@127.0.0.1:1/metrics"
expect_rc engine-unreachable 3
expect_err engine-unreachable-msg "^llmwatt serve: --engine vllm: http://127.0.0.1:1/metrics: cannot connect"
if grep -q hunter2 "$ERR"; then bad engine-no-credentials "$(cat "$ERR")"; else ok engine-no-credentials; fi
run serve --listen 127.0.0.1:0 --dcgm http://127.0.0.1:1/metrics
expect_rc serve-dcgm-unreachable 3
expect_err serve-dcgm-unreachable-msg "^llmwatt serve: --dcgm: http://127.0.0.1:1/metrics: cannot connect"

# ---- serve: vLLM at 1000 output tokens/s on 2 GPUs at 400 W each (0.8 J/token) ----
fake dcgm400 dcgm 2 400 && DCGM=$FURL
fake vllm vllm meta-llama/Llama-3.1-8B-Instruct 1000 && VLLM=$FURL VPID=$FPID
fake sglang sglang qwen2.5-7b 500 && SGL=$FURL
fake tgi tgi x 200 && TGI=$FURL
MODEL=meta-llama/Llama-3.1-8B-Instruct
"$LLMWATT" serve --listen 127.0.0.1:0 --no-rapl --interval 250ms --hold 2s --dcgm "$DCGM" \
    --engine "vllm=http://user:hunter2@${VLLM#http://}/metrics@0,1" --price-kwh 0.10 --pue 1.2 --region fr \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PIDS+=("$SPID")
URL=
for i in $(seq 150); do
    URL=$(sed -n 's/^llmwatt serve: listening on \(http:[^ ]*\).*/\1/p' "$TMP/serve.out")
    [ -n "$URL" ] && break
    sleep 0.1
done
scrape() { curl -s -m 5 -o "$TMP/metrics" "$URL/metrics"; }
mval() { grep -v '^#' "$TMP/metrics" | grep -F -- "$1" | head -1 | awk '{print $NF}'; }
if [ -z "$URL" ]; then
    bad serve-start "$(cat "$TMP/serve.err")"
else
    ok serve-start
    if grep -q '(dcgm: 2 GPUs, RAPL: 0 zones, 1 engine,' "$TMP/serve.out"; then ok serve-banner; else bad serve-banner "$(cat "$TMP/serve.out")"; fi
    sleep 3
    scrape
    if promtool check metrics <"$TMP/metrics" >"$TMP/pt" 2>&1; then ok engines-promtool-metrics; else bad engines-promtool-metrics "$(head -c 300 "$TMP/pt")"; fi
    if grep -q hunter2 "$TMP/metrics" "$TMP/serve.err" "$TMP/serve.out"; then bad serve-no-credentials "password in metrics or logs"; else ok serve-no-credentials; fi
    within gauge-j-per-token "$(mval "llmwatt_energy_per_output_token_joules{workload=\"$MODEL\",engine=\"vllm\"}")" 0.8 0.05
    within dcgm-power-gauge "$(mval 'llmwatt_gpu_power_watts{gpu="1"')" 400 0
    within target-up "$(mval "llmwatt_target_up{target=\"$VLLM/metrics\",kind=\"vllm\"}")" 1 0
    # counters over a measured 2 s: energy / tokens = 800 W / 1000 tokens/s
    e0=$(mval "llmwatt_energy_joules_total{workload=\"$MODEL\"") t0=$(mval "llmwatt_tokens_total{workload=\"$MODEL\"")
    c0=$(mval "llmwatt_energy_cost_dollars_total{workload=\"$MODEL\"") g0=$(mval "llmwatt_carbon_grams_total{workload=\"$MODEL\"")
    sleep 2
    scrape
    e1=$(mval "llmwatt_energy_joules_total{workload=\"$MODEL\"") t1=$(mval "llmwatt_tokens_total{workload=\"$MODEL\"")
    within counters-j-per-token "$(python3 -c "print(($e1-$e0)/($t1-$t0))")" 0.8 0.05
    # cost = J x 1.2 / 3.6e6 x 0.10 $; carbon at fr's grid intensity (llmwatt cost)
    within cost-counter "$(mval "llmwatt_energy_cost_dollars_total{workload=\"$MODEL\"")" "$(python3 -c "print($e1*1.2/3.6e6*0.10)")" 1e-6
    FR=$(awk -F, 'tolower($1)=="fr"{print $4}' "$ROOT/data/regions.csv" | head -1)
    if [ -n "$FR" ]; then
        within carbon-counter "$(mval "llmwatt_carbon_grams_total{workload=\"$MODEL\"")" "$(python3 -c "print($e1*1.2/3.6e6*$FR)")" 1e-6
    else
        bad carbon-counter "no fr row in data/regions.csv"
    fi

    # --carbon-intensity: each interval at the hour's intensity (a series at 250 g/kWh around now);
    # a series that does not cover now falls back to --region, said once on stderr
    python3 - "$TMP/series.csv" "$TMP/old.csv" <<'PY'
import sys, time
now = int(time.time()) // 3600 * 3600
def write(path, hours, g):
    with open(path, "w") as f:
        f.write("timestamp,g_per_kwh\n")
        for h in hours:
            f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600 * h)) + ",%d\n" % g)
write(sys.argv[1], range(-3, 4), 250)
write(sys.argv[2], range(-48, -40), 900)
PY
    for kind in series old; do
        "$LLMWATT" serve --listen 127.0.0.1:0 --no-rapl --interval 250ms --hold 2s --dcgm "$DCGM" --engine "vllm=$VLLM/metrics" \
            --pue 1.2 --region fr --carbon-intensity "$TMP/$kind.csv" --duration 2s >"$TMP/ci.out" 2>"$TMP/ci.err" &
        CPID=$!
        CURL_=
        for i in $(seq 100); do
            CURL_=$(sed -n 's/^llmwatt serve: listening on \(http:[^ ]*\).*/\1/p' "$TMP/ci.out")
            [ -n "$CURL_" ] && break
            sleep 0.1
        done
        sleep 1.5
        curl -s -m 5 -o "$TMP/metrics" "$CURL_/metrics"
        wait "$CPID"
        e=$(mval "llmwatt_energy_joules_total{workload=\"$MODEL\"")
        g=$(mval "llmwatt_carbon_grams_total{workload=\"$MODEL\"")
        if [ "$kind" = series ]; then
            within carbon-intensity-series "$g" "$(python3 -c "print($e*1.2/3.6e6*250)")" 1e-6
        else
            within carbon-intensity-fallback "$g" "$(python3 -c "print($e*1.2/3.6e6*${FR:-0})")" 1e-6
            expect_file_line() { if grep -q "$2" "$3"; then ok "$1"; else bad "$1" "$(cat "$3")"; fi; }
            expect_file_line carbon-intensity-fallback-note "outside the --carbon-intensity series; carbon counts at --region's annual average" "$TMP/ci.err"
        fi
    done

    # ---- the real Prometheus scraping llmwatt ----
    if command -v prometheus >/dev/null; then
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
      - targets: ["${URL#http://}"]
EOF
        prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
            --log.level=warn >"$TMP/prom.log" 2>&1 &
        PIDS+=("$!")
        python3 - "http://127.0.0.1:$PPORT" "$ROOT/deploy/grafana/llmwatt.json" "$MODEL" <<'PY'
import json, sys, time, urllib.parse, urllib.request
prom, dash, model = sys.argv[1:4]
def q(expr):
    u = prom + "/api/v1/query?query=" + urllib.parse.quote(expr)
    d = json.load(urllib.request.urlopen(u, timeout=5))
    return [float(r["value"][1]) for r in d["data"]["result"]]
deadline, ready = time.time() + 30, False
while time.time() < deadline:
    try:
        r = q('count_over_time(llmwatt_tokens_total{workload="%s"}[1m])' % model)
        if r and r[0] >= 12:
            ready = True
            break
    except Exception:
        pass
    time.sleep(0.5)
print("ok prom-engines-ready" if ready else "FAIL prom-engines-ready: fewer than 12 scrapes within 30 s")
if ready:
    r = q('rate(llmwatt_energy_joules_total{workload="%s"}[5s]) / rate(llmwatt_tokens_total{workload="%s"}[5s])' % (model, model))
    ok = len(r) == 1 and abs(r[0] - 0.8) <= 0.05 * 0.8
    print("ok prom-j-per-token" if ok else "FAIL prom-j-per-token: %s, expected 0.8 within 5%%" % r)
    r = q('sum(rate(llmwatt_gpu_energy_joules_total[5s]))')
    ok = len(r) == 1 and abs(r[0] - 800) <= 0.05 * 800
    print("ok prom-gpu-power" if ok else "FAIL prom-gpu-power: %s, expected 800 W within 5%%" % r)
    # every query of every dashboard panel returns data ($__rate_interval as Grafana would set it)
    d = json.load(open(dash))
    n = 0
    for p in d["panels"]:
        for t in p["targets"]:
            expr = t["expr"].replace("$__rate_interval", "5s")
            r = q(expr)
            n += 1
            print("ok dashboard[%s]" % p["title"] if r else "FAIL dashboard[%s]: no data for %s" % (p["title"], expr))
    print("ok dashboard-queries-%d" % n if n >= 10 else "FAIL dashboard-queries: only %d" % n)
PY
    else
        echo "skipped prometheus-engines: prometheus is not installed (Debian package prometheus)"
    fi

    # ---- engine restart: counters drop to zero; nothing negative, nothing counted twice ----
    scrape; t0=$(mval "llmwatt_tokens_total{workload=\"$MODEL\"")
    curl -s -m 5 "$VLLM/control/reset" >/dev/null
    ts=$(date +%s.%N)
    sleep 2
    scrape; t1=$(mval "llmwatt_tokens_total{workload=\"$MODEL\"")
    te=$(date +%s.%N)
    # from t0's scrape to t1's: up to 1000 tokens/s x elapsed, and never the old total again
    within restart-tokens "$(python3 -c "print(($t1-$t0)/($te-$ts))")" 1000 0.2

    # ---- a malformed page: counted, logged once, not fatal; then good again ----
    scrape; n0=$(mval "llmwatt_scrape_errors_total{target=\"$VLLM/metrics\"")
    curl -s -m 5 "$VLLM/control/malformed" >/dev/null
    sleep 1.5
    scrape; n1=$(mval "llmwatt_scrape_errors_total{target=\"$VLLM/metrics\"")
    if python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) >= 3 else 1)" "$n0" "$n1"; then ok malformed-counted; else bad malformed-counted "$n0 -> $n1"; fi
    nlog=$(grep -c "vllm $VLLM/metrics failed: .*malformed metrics page: line 1" "$TMP/serve.err")
    if [ "$nlog" -eq 1 ]; then ok malformed-logged-once; else bad malformed-logged-once "$nlog lines: $(cat "$TMP/serve.err")"; fi
    curl -s -m 5 "$VLLM/control/good" >/dev/null
    sleep 1
    if grep -q "vllm $VLLM/metrics answers again" "$TMP/serve.err"; then ok recovered-logged; else bad recovered-logged "$(cat "$TMP/serve.err")"; fi

    # ---- the engine disappears: its workload goes inactive, the energy is unattributed ----
    curl -s -m 5 "$VLLM/control/die" >/dev/null
    sleep 1
    scrape
    within dead-inactive "$(mval "llmwatt_workload_active{workload=\"$MODEL\"")" 0 0
    within dead-target-down "$(mval "llmwatt_target_up{target=\"$VLLM/metrics\"")" 0 0
    # every joule the GPUs use from now on is unattributed: the two counters grow alike, up to
    # the one sample (800 W x 0.25 s) a scrape may see before its interval is closed, at each end
    gpu_sum() { grep '^llmwatt_gpu_energy_joules_total' "$TMP/metrics" | awk '{s += $NF} END {print s}'; }
    u0=$(mval 'llmwatt_unattributed_energy_joules_total') w0=$(mval "llmwatt_energy_joules_total{workload=\"$MODEL\"") g0=$(gpu_sum)
    sleep 3; scrape
    u1=$(mval 'llmwatt_unattributed_energy_joules_total') w1=$(mval "llmwatt_energy_joules_total{workload=\"$MODEL\"") g1=$(gpu_sum)
    if python3 -c "import sys; u0,u1,g0,g1=map(float,sys.argv[1:]); sys.exit(0 if g1-g0 > 1000 and abs((u1-u0)-(g1-g0)) <= 400 else 1)" "$u0" "$u1" "$g0" "$g1"; then
        ok dead-unattributed
    else
        bad dead-unattributed "unattributed $u0 -> $u1, GPUs $g0 -> $g1"
    fi
    within dead-no-more-energy "$w1" "$w0" 0
    if curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/healthz" | grep -q 200; then ok dead-still-serving; else bad dead-still-serving "no /healthz"; fi
    kill -TERM "$SPID"
    for i in $(seq 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    wait "$SPID"; rc=$?
    if [ "$rc" -eq 0 ]; then ok serve-sigterm; else bad serve-sigterm "exit $rc"; fi
fi

# ---- SGLang and TGI side by side, unmapped: energy split by token share (500 : 200) ----
"$LLMWATT" serve --listen 127.0.0.1:0 --no-rapl --interval 250ms --hold 2s --dcgm "$DCGM" \
    --engine "sglang=$SGL/metrics" --engine "tgi:mistral=$TGI/metrics" >"$TMP/serve2.out" 2>"$TMP/serve2.err" &
SPID=$!
PIDS+=("$SPID")
URL=
for i in $(seq 150); do
    URL=$(sed -n 's/^llmwatt serve: listening on \(http:[^ ]*\).*/\1/p' "$TMP/serve2.out")
    [ -n "$URL" ] && break
    sleep 0.1
done
if [ -n "$URL" ]; then
    sleep 2.5
    scrape
    s0=$(mval 'llmwatt_energy_joules_total{workload="qwen2.5-7b",engine="sglang"}') m0=$(mval 'llmwatt_energy_joules_total{workload="mistral",engine="tgi"}')
    sleep 2
    scrape
    s1=$(mval 'llmwatt_energy_joules_total{workload="qwen2.5-7b",engine="sglang"}') m1=$(mval 'llmwatt_energy_joules_total{workload="mistral",engine="tgi"}')
    within share-sglang-tgi "$(python3 -c "print(($s1-$s0)/($m1-$m0))")" 2.5 0.1
    within tgi-prompt "$(mval 'llmwatt_prompt_tokens_total{workload="mistral",engine="tgi"}')" "$(python3 -c "print($(mval 'llmwatt_tokens_total{workload="mistral",engine="tgi"}')/2)")" 0.1
    kill -TERM "$SPID"; wait "$SPID"
else
    bad serve2-start "$(cat "$TMP/serve2.err")"
fi

# ---- the Kubernetes manifests: structure, ports and labels agree, every flag exists ----
"$LLMWATT" serve --help >"$TMP/help"
if python3 - "$ROOT/deploy/kubernetes/llmwatt.yaml" "$TMP/help" <<'PY'; then ok k8s-manifests; else bad k8s-manifests "see above"; fi
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
help_text = open(sys.argv[2]).read()
assert set(docs) == {"Namespace", "DaemonSet", "Service", "ServiceMonitor"}, docs.keys()
ds, svc, sm = docs["DaemonSet"], docs["Service"], docs["ServiceMonitor"]
assert ds["apiVersion"] == "apps/v1" and svc["apiVersion"] == "v1" and sm["apiVersion"] == "monitoring.coreos.com/v1"
pod = ds["spec"]["template"]
assert ds["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
c = pod["spec"]["containers"][0]
args = c["args"]
assert args[0] == "serve" and "--dcgm" in args and "--engine" in args, args
for a in args:
    if a.startswith("--"):
        assert a in help_text, "unknown flag " + a
listen = args[args.index("--listen") + 1]
port = {p["name"]: p["containerPort"] for p in c["ports"]}["metrics"]
assert listen == ":%d" % port, (listen, port)
env = {e["name"] for e in c["env"]}
for a in args:
    if "$(" in a:
        assert a.split("$(")[1].split(")")[0] in env, a
assert svc["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
assert svc["spec"]["ports"][0]["targetPort"] == "metrics" and svc["spec"]["ports"][0]["name"] == "metrics"
assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
assert sm["spec"]["endpoints"][0]["port"] == "metrics"
assert all(d["metadata"].get("namespace", "llmwatt") == "llmwatt" for d in docs.values())
PY
finish
