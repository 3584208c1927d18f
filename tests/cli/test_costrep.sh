# CLI: cost, history, report, compare (seed 004) — figures against arithmetic, and every bad input.
. "$(dirname "$0")/lib.sh"
DATA="${LW_TEST_DATA:-$(dirname "$0")/../data}/costrep"
python3 "$DATA/gen_runs.py" "$TMP/runs" || echo "FAIL gen_runs"
md5() { md5sum "$1" | cut -d' ' -f1; }

# ---------- cost ----------
run cost --help; expect_rc cost-help 0; expect_out cost-help-text 'usage: llmwatt cost'
# 1000 W, 2000 tok/s: wall 1000 x 1.2 / 0.95 = 1263.16 W; 1M tokens = 500 s -> 1263.16 x 500 / 3.6e6 kWh
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh 0.15 --json; expect_rc cost-plain 0
expect_json cost-plain-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6)')" 1e-12
expect_json cost-plain-usd 'd["cost_per_million_tokens_usd"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*0.15)')" 1e-12
expect_json cost-plain-hour 'd["cost_per_hour_usd"]' "$(python3 -c 'print(1000*1.2/0.95/1000*0.15)')" 1e-12
expect_json cost-overhead-source 'd["inputs"]["overhead_fraction"]["source"][:8]' 'seed 004'
expect_json cost-psu-value 'd["inputs"]["psu_efficiency"]["value"]' 0.95
# hardware $25,000 (1 of 8 GPUs) over 26,280 h, 7.2M tokens/h
expect_json cost-amortisation 'd["amortisation_usd_per_million_tokens"]' "$(python3 -c 'print(25000/26280/7.2)')" 1e-12
# seed 004 break-even (--no-tco) vs GPT-3.5 Turbo $0.50: 25,000 / ((0.50 - energy) / 1e6) tokens
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh 0.15 --no-tco --json; expect_rc cost-no-tco 0
expect_json cost-break-even 'd["scenarios"][0]["break_even"][3]["tokens_to_break_even"]' \
    "$(python3 -c 'e=1000*1.2/0.95*500/3.6e6*0.15; print(25000/((0.5-e)/1e6))')" 1e-12
run cost --power-w 1000 --tokens-per-s 2000 --json; expect_rc cost-default-scenarios 0
expect_json cost-three-scenarios '[s["price_usd_per_kwh"] for s in d["scenarios"]]' '[0.1, 0.2, 0.3]'
expect_json cost-no-single-price '"cost_per_million_tokens_usd" in d' False
# carbon and water: US 384 g/kWh (Ember 2024) on billed energy with AWS PUE 1.15; Microsoft WUE 0.30 on IT energy
run cost --power-w 1000 --tokens-per-s 2000 --region us --pue aws --wue microsoft --price-kwh 0.1 --json; expect_rc cost-carbon 0
expect_json cost-co2 'd["co2e_g_per_million_tokens"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*1.15*384)')" 1e-12
expect_json cost-water 'd["water_l_per_million_tokens"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*0.30)')" 1e-12
expect_json cost-pue-billed 'd["cost_per_million_tokens_usd"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*1.15*0.1)')" 1e-12
expect_json cost-region-source '"Ember" in d["inputs"]["grid_g_co2e_per_kwh"]["source"]' True
# never / after-life break-even in words
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh 0.1 --api-price-per-m 0.01 --json; expect_rc cost-never 0
expect_json cost-never-kind 'd["scenarios"][0]["break_even"][0]["kind"]' never
expect_json cost-never-tokens 'd["scenarios"][0]["break_even"][0]["tokens_to_break_even"]' None
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh 0.1 --api-price-per-m 0.01 --no-tco; expect_out cost-never-words 'never: electricity alone costs'
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh 0.1 --api-price-per-m 0.01; expect_out cost-never-words-tco 'never: electricity, maintenance and colocation alone cost'
# measurement file (docs/measurement-json.md example: 500 W, 2000 tok/s, measured idle 70 W)
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --json; expect_rc cost-measurement 0
expect_json cost-meas-power 'd["inputs"]["gpu_power_w"]["value"]' 600
expect_json cost-meas-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(600*1.2/0.95*(1e6/1200)/3.6e6)')" 1e-12
# utilisation 0.5 on a B200: idle defaults to the seed's 50 W per B200
run cost --measurement "$TMP/runs/run00.json" --utilization 0.5 --price-kwh 0.1 --json; expect_rc cost-b200-idle 0
expect_json cost-b200-idle-w 'd["inputs"]["idle_power_w"]["value"]' 50
expect_json cost-b200-util-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print((0.5*600+0.5*50)*1.2/0.95*(1e6/600)/3.6e6)')" 1e-12
# estimate file: J per output token x throughput
cat >"$TMP/est.json" <<'JSON'
{"method": "roofline", "model": "llama-3.1-8b", "gpu": "h100-sxm", "gpus": 1, "batch": 8, "prefill_j": 10, "decode_j": 90,
 "energy_per_request_j": {"low": 80, "expected": 100, "high": 130},
 "energy_per_output_token_j": {"low": 0.2, "expected": 0.25, "high": 0.4}}
JSON
run cost --estimate "$TMP/est.json" --tokens-per-s 2000 --price-kwh 0.1 --json; expect_rc cost-estimate 0
expect_json cost-est-power 'd["inputs"]["gpu_power_w"]["value"]' 500
expect_json cost-est-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(0.25*1e6*1.2/0.95/3.6e6)')" 1e-12
expect_json cost-est-high 'd["energy_per_million_tokens_kwh_high"]' "$(python3 -c 'print(0.4*1e6*1.2/0.95/3.6e6)')" 1e-12
# an estimate carries its own throughput and power (llmwatt estimate --json): 8 requests x 256
# output tokens in 2.048 s = 1000 tokens/s at 500 W; 1M tokens = 1000 s of 500 x 1.2 / 0.95 W
cat >"$TMP/est-full.json" <<'JSON'
{"method": "roofline", "model": "llama-3.1-8b", "gpu": "h100-sxm", "gpus": 1, "batch": 8, "input_tokens": 512.0,
 "output_tokens": 256.0, "time_s": 2.048, "avg_power_w": 500.0, "batch_energy_j": 1024.0,
 "energy_per_output_token_j": {"low": 0.25, "expected": 0.5, "high": 1.0}}
JSON
run cost --estimate "$TMP/est-full.json" --price-kwh 0.1 --json; expect_rc cost-est-own 0
expect_json cost-est-own-tps 'd["inputs"]["tokens_per_s"]["value"]' "$(python3 -c 'print(8*256/2.048)')" 1e-12
expect_json cost-est-own-power 'd["inputs"]["gpu_power_w"]["value"]' 500
expect_json cost-est-own-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(500*1.2/0.95*(1e6/1000)/3.6e6)')" 1e-12
expect_json cost-est-own-high 'd["energy_per_million_tokens_kwh_high"]' "$(python3 -c 'print(500*1.2/0.95*(1e6/1000)/3.6e6*1.0/0.5)')" 1e-12
# --tokens-per-s overrides the throughput (power stays 500 W): 1M tokens = 500 s
run cost --estimate "$TMP/est-full.json" --tokens-per-s 2000 --price-kwh 0.1 --json; expect_rc cost-est-tps-override 0
expect_json cost-est-tps-override-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(500*1.2/0.95*500/3.6e6)')" 1e-12
# --power-w overrides the power: 400 W for 1000 s per 1M tokens
run cost --estimate "$TMP/est-full.json" --power-w 400 --price-kwh 0.1 --json; expect_rc cost-est-power-override 0
expect_json cost-est-power-override-kwh 'd["energy_per_million_tokens_kwh"]' "$(python3 -c 'print(400*1.2/0.95*1000/3.6e6)')" 1e-12
expect_json cost-est-power-override-src 'd["inputs"]["gpu_power_w"]["source"]' --power-w
run cost --measurement "$TMP/runs/run00.json" --power-w 400; expect_rc cost-meas-power 2; expect_err cost-meas-power-msg "--power-w cannot be combined with --measurement"

# cost: bad input
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh -0.1; expect_rc cost-negative-price 2; expect_err cost-negative-price-msg "--price-kwh must be between 0 and 100, got '-0.1'"
run cost --power-w 1000 --tokens-per-s 2000 --price-kwh abc; expect_rc cost-bad-price 2; expect_err cost-bad-price-msg "--price-kwh expects a number"
run cost --power-w -5 --tokens-per-s 2000; expect_rc cost-negative-power 2; expect_err cost-negative-power-msg "--power-w must be between"
run cost --power-w 1000; expect_rc cost-missing-tps 2; expect_err cost-missing-tps-msg "give --measurement FILE, --estimate FILE, or both"
run cost --power-w 1000 --tokens-per-s 2000 --pue 0.5; expect_rc cost-bad-pue 2; expect_err cost-bad-pue-msg "--pue must be between 1 and 10"
run cost --power-w 1000 --tokens-per-s 2000 --pue mars; expect_rc cost-unknown-pue 3; expect_err cost-unknown-pue-msg "unknown name 'mars'"
run cost --power-w 1000 --tokens-per-s 2000 --region atlantis; expect_rc cost-unknown-region 3; expect_err cost-unknown-region-msg "unknown region 'atlantis' \(known: us"
run cost --power-w 1000 --tokens-per-s 2000 --region us --grid-g-per-kwh 100; expect_rc cost-grid-twice 2; expect_err cost-grid-twice-msg "give one of"
run cost --power-w 1000 --tokens-per-s 2000 --utilization 0.5; expect_rc cost-util-no-idle 2; expect_err cost-util-no-idle-msg "needs the GPUs' idle power: give --idle-w"
run cost --estimate "$TMP/est.json"; expect_rc cost-est-no-tps 2; expect_err cost-est-no-tps-msg "has no throughput \(tokens_per_s, or batch, output_tokens and time_s\); give --tokens-per-s"
run cost --measurement "$TMP/est.json"; expect_rc cost-wrong-kind 2; expect_err cost-wrong-kind-msg "is an estimate JSON; use --estimate"
printf '{"schema": "llmwatt.measurement/1", ' >"$TMP/corrupt.json"
run cost --measurement "$TMP/corrupt.json"; expect_rc cost-corrupt 4; expect_err cost-corrupt-msg "corrupt.json': not valid JSON"
run cost --measurement "$TMP/nope.json"; expect_rc cost-missing-file 3; expect_err cost-missing-file-msg "nope.json' does not exist"
run cost --measurement "$TMP/runs/run00.json" --estimate "$TMP/est.json"; expect_rc cost-both 2; expect_err cost-both-msg "not both"

# ---------- per-GPU prices, TCO, embodied carbon, SCI, rent (issue 17) ----------
# three GPUs, three prices from data/gpu_prices.csv, each naming its row
for g in "h100 32500 price.h100-sxm.purchase" "a100 11500 price.a100-80gb.purchase" "b200 35000 price.b200.purchase"; do
    set -- $g
    run cost --power-w 1000 --tokens-per-s 2000 --gpu "$1" --price-kwh 0.1 --json; expect_rc "cost-gpu-$1" 0
    expect_json "cost-gpu-$1-price" 'd["inputs"]["hardware_usd"]["value"]' "$2"
    expect_json "cost-gpu-$1-source" '"'"$3"'" in d["inputs"]["hardware_usd"]["source"]' True
done
run cost --power-w 1000 --tokens-per-s 2000 --gpu l4 --price-kwh 0.1 --json; expect_rc cost-gpu-unpriced 0
expect_json cost-gpu-unpriced-fallback 'd["inputs"]["hardware_usd"]["value"]' 25000
expect_json cost-gpu-unpriced-says '"no price for" in d["inputs"]["hardware_usd"]["source"]' True
# TCO for 1 x H100 ($32,500) at 1000 W, 2000 tok/s, $0.10/kWh: wall 1.263158 kW, 7.2M tokens/h
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --region us --json; expect_rc cost-tco 0
expect_json cost-tco-maint 'd["tco"]["maintenance_usd_per_hour"]' "$(python3 -c 'print(32500*0.10/8760)')" 1e-12
expect_json cost-tco-colo 'd["tco"]["colocation_usd_per_hour"]' "$(python3 -c 'print(1000*1.2/0.95/1000*184.06*12/8760)')" 1e-12
expect_json cost-tco-capex 'd["tco"]["capex_usd"]' 35750 1e-12
expect_json cost-tco-amort 'd["tco"]["amortisation_usd_per_hour"]' "$(python3 -c 'print(35750/26280)')" 1e-12
expect_json cost-tco-fixed-per-m 'd["tco"]["fixed_usd_per_million_tokens"]' \
    "$(python3 -c 'print((35750/26280+32500*0.1/8760+1000*1.2/0.95/1000*184.06*12/8760)/7.2)')" 1e-12
expect_json cost-tco-onprem 'd["scenarios"][0]["onprem_cost_per_million_tokens_usd"]' \
    "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*0.1+(35750/26280+32500*0.1/8760+1000*1.2/0.95/1000*184.06*12/8760)/7.2)')" 1e-12
# break-even vs GPT-3.5 $0.50: capex / ((0.50 - energy - (maintenance + colocation) per 1M) / 1e6)
expect_json cost-tco-break-even 'd["scenarios"][0]["break_even"][3]["tokens_to_break_even"]' \
    "$(python3 -c 'e=1000*1.2/0.95*500/3.6e6*0.1; r=(32500*0.1/8760+1000*1.2/0.95/1000*184.06*12/8760)/7.2; print(35750/((0.5-e-r)/1e6))')" 1e-12
# embodied: 149.8 kg per H100 + 1/8 of a 2500 kg host = 462.3 kg over 3 x 8760 h, 7.2M tokens/h
expect_json cost-embodied-kg 'd["carbon"]["embodied_kg_co2e"]' 462.3 1e-12
expect_json cost-embodied-range '[d["carbon"]["embodied_kg_co2e_low"], d["carbon"]["embodied_kg_co2e_high"]]' '[357.52, 630.5]'
expect_json cost-embodied-per-m 'd["carbon"]["embodied_g_per_million_tokens"]' "$(python3 -c 'print(462.3e3/26280/7.2)')" 1e-12
expect_json cost-sci 'd["carbon"]["sci_g_per_million_tokens"]' "$(python3 -c 'print(1000*1.2/0.95*500/3.6e6*384+462.3e3/26280/7.2)')" 1e-12
expect_json cost-scope-embodied '"scope 3" in d["carbon"]["embodied_scope"]' True
expect_json cost-scope-operational '"scope 2" in d["carbon"]["operational_scope"]' True
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --region us; expect_rc cost-tco-text 0
expect_out cost-tco-text-maint 'maintenance +\$0\.371 per hour'
expect_out cost-sci-text 'SCI +[0-9.]+ g per 1M output tokens'
expect_out cost-annual-says 'annual average, no hourly series given'
# an unknown embodied figure says how to give one; --embodied-kg-per-gpu overrides
run cost --power-w 1000 --tokens-per-s 2000 --gpu l4 --price-kwh 0.1 --json; expect_json cost-embodied-unknown 'd["carbon"]["embodied_kg_co2e"]' None
run cost --power-w 1000 --tokens-per-s 2000 --gpu l4 --embodied-kg-per-gpu 100 --price-kwh 0.1 --json
expect_json cost-embodied-opt 'd["carbon"]["embodied_kg_co2e"]' 412.5 1e-12
# overrides and --no-tco
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --maintenance 0.2 --colocation-usd-per-kw-month 100 --networking 0 --json
expect_json cost-tco-overrides '[d["tco"]["capex_usd"], round(d["tco"]["maintenance_usd_per_hour"], 9)]' "[32500.0, $(python3 -c 'print(round(32500*0.2/8760, 9))')]"
expect_json cost-tco-override-src 'd["inputs"]["maintenance_fraction_per_year"]["source"]' --maintenance
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --no-tco --json
expect_json cost-no-tco-fixed 'd["tco"]["fixed_usd_per_hour"]' "$(python3 -c 'print(32500/26280)')" 1e-12
# declining balance over 3 years: 2/3, 2/9, 1/9 of capex (35,750)
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --depreciation declining --json
expect_json cost-declining '[round(x, 6) for x in d["tco"]["depreciation_by_year_usd"]]' \
    "$(python3 -c 'c=35750; print([round(c*2/3,6), round(c*2/9,6), round(c/9,6)])')"
run cost --power-w 1000 --tokens-per-s 2000 --depreciation linear; expect_rc cost-dep-bad 2; expect_err cost-dep-bad-msg "straight.*declining"
# rent: $2/GPU-h on demand = 2 / 7.2 per 1M; owning is cheaper above fixed / (2 - energy per hour)
run cost --power-w 1000 --tokens-per-s 2000 --gpu h100 --price-kwh 0.1 --rent-usd-per-gpu-hour 2 --json; expect_rc cost-rent 0
expect_json cost-rent-per-m 'd["scenarios"][0]["rent"][0]["rent_usd_per_million_tokens"]' "$(python3 -c 'print(2/7.2)')" 1e-12
expect_json cost-rent-util 'd["scenarios"][0]["rent"][0]["break_even_utilization"]' \
    "$(python3 -c 'f=35750/26280+32500*0.1/8760+1000*1.2/0.95/1000*184.06*12/8760; print(f/(2-1000*1.2/0.95/1000*0.1))')" 1e-12
expect_json cost-rent-offers '[r["offer"] for r in d["scenarios"][0]["rent"]]' "['--rent-usd-per-gpu-hour', 'aws-p5', 'tier2', 'aws-capacity-block']"
# ---------- hourly grid intensity ----------
# run00 runs 2026-11-01T12:00:00Z for 120 s: a series at 900 g/kWh except 100 in that hour equals --grid-g-per-kwh 100
python3 - "$TMP/series.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("timestamp,g_per_kwh\n")
    for h in range(24):
        f.write("2026-11-01T%02d:00:00Z,%d\n" % (h, 100 if h == 12 else 900))
PY
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --grid-g-per-kwh 100 --json; flat=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["co2e_g_per_million_tokens"])' "$OUT")
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --carbon-intensity "$TMP/series.csv" --json; expect_rc cost-series 0
expect_json cost-series-equals-flat 'd["co2e_g_per_million_tokens"]' "$flat" 0.01
expect_json cost-series-g 'd["inputs"]["grid_g_co2e_per_kwh"]["value"]' 100 1e-12
expect_json cost-series-cleanest 'd["carbon"]["cleanest_hours"][0]' "{'start': '2026-11-01T12:00:00Z', 'g_per_kwh': 100.0}"
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --carbon-intensity "$TMP/series.csv"; expect_out cost-series-text 'cleanest hours in the series: 2026-11-01T12:00:00Z 100'
# a run split across two rows (minute series: 12:00 at 100, 12:01 at 900): 60 s each -> 500
printf 'timestamp,g_per_kwh\n2026-11-01T12:00:00Z,100\n2026-11-01T12:01:00Z,900\n' >"$TMP/split.csv"
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --carbon-intensity "$TMP/split.csv" --json
expect_json cost-series-split 'd["inputs"]["grid_g_co2e_per_kwh"]["value"]' 500 1e-12
# Electricity Maps export: LCA column preferred over direct; space-separated UTC datetime
printf 'Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage\n2026-11-01 12:00:00,France,France,FR,20,40,95\n2026-11-01 13:00:00,France,France,FR,30,50,95\n' >"$TMP/em.csv"
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --carbon-intensity "$TMP/em.csv" --json; expect_rc cost-series-em 0
expect_json cost-series-em-lca 'd["inputs"]["grid_g_co2e_per_kwh"]["value"]' 40 1e-12
# WattTime: point_time,value in lbs CO2/MWh; 1000 lbs/MWh = 453.59237 g/kWh
printf 'point_time,value,frequency,market,ba,datatype\n2026-11-01T12:00:00+00:00,1000,300,RTM,CAISO_NORTH,MOER\n2026-11-01T12:05:00+00:00,1000,300,RTM,CAISO_NORTH,MOER\n' >"$TMP/wt.csv"
run cost --measurement "$TMP/runs/run00.json" --price-kwh 0.1 --carbon-intensity "$TMP/wt.csv" --json; expect_rc cost-series-wt 0
expect_json cost-series-wt-g 'd["inputs"]["grid_g_co2e_per_kwh"]["value"]' 453.59237 1e-12
# errors: not covered (exit 4), no measurement (exit 2), missing file (3), bad header / value (4)
printf 'timestamp,g_per_kwh\n2026-10-01T00:00:00Z,100\n' >"$TMP/old.csv"
run cost --measurement "$TMP/runs/run00.json" --carbon-intensity "$TMP/old.csv"; expect_rc cost-series-uncovered 4; expect_err cost-series-uncovered-msg "not covered"
run cost --power-w 1000 --tokens-per-s 2000 --carbon-intensity "$TMP/series.csv"; expect_rc cost-series-no-meas 2; expect_err cost-series-no-meas-msg "needs --measurement"
run cost --measurement "$TMP/runs/run00.json" --carbon-intensity "$TMP/nope.csv"; expect_rc cost-series-missing 3
printf 'when,how_much\n1,2\n' >"$TMP/bad.csv"
run cost --measurement "$TMP/runs/run00.json" --carbon-intensity "$TMP/bad.csv"; expect_rc cost-series-badhdr 4; expect_err cost-series-badhdr-msg "no usable columns"
printf 'timestamp,g_per_kwh\n2026-11-01T12:00:00Z,abc\n' >"$TMP/badv.csv"
run cost --measurement "$TMP/runs/run00.json" --carbon-intensity "$TMP/badv.csv"; expect_rc cost-series-badval 4; expect_err cost-series-badval-msg "line 2"
run cost --measurement "$TMP/runs/run00.json" --region us --carbon-intensity "$TMP/series.csv"; expect_rc cost-series-and-region 2

# ---------- history ----------
DB="$TMP/runs.db"
run history record "$DB" "$TMP"/runs/run*.json; expect_rc history-record 0; expect_out history-record-20 'recorded #20 measurement \(gpt8b llama-3.1-8b '
run history record "$DB" "$TMP/est.json"; expect_rc history-record-estimate 0; expect_out history-record-est 'recorded #21 estimate'
run history "$DB"; expect_rc history-list 0; expect_out history-list-count '^21 runs$'
run history "$DB" --workload gpt40b --json; expect_rc history-workload 0; expect_json history-workload-n 'len(d)' 8
run history "$DB" --since 2026-11-05 --until 2026-11-06 --json; expect_rc history-range 0
expect_json history-range-ids '[r["id"] for r in d]' '[5, 6]'
# gpt8b = configs 0-3: runs 0-3, 9-12, 18, 19 (10), run 19 INVALID
run history "$DB" --workload gpt8b --valid-only --kind measurement --json; expect_json history-valid-only "len(d)" 9
run history show "$DB" 1; expect_rc history-show 0; expect_out history-show-json '"schema": "llmwatt.measurement/1"'
# bad input: nothing lost
SUM=$(md5 "$DB")
run history record "$DB" "$TMP/runs/run00.json" "$TMP/corrupt.json"; expect_rc history-corrupt-json 4
expect_err history-corrupt-json-msg "corrupt.json': not valid JSON.*nothing was recorded"
if [ "$(md5 "$DB")" = "$SUM" ]; then ok history-corrupt-json-untouched; else bad history-corrupt-json-untouched "database changed"; fi
run history "$DB" --workload nosuch; expect_rc history-no-match 3; expect_err history-no-match-msg "no runs in '.*runs.db' match the filters"
run history "$TMP/none.db"; expect_rc history-missing-db 3; expect_err history-missing-db-msg "none.db' does not exist"
[ ! -e "$TMP/none.db" ] && ok history-missing-not-created || bad history-missing-not-created "file created"
: >"$TMP/empty.db"
run history "$TMP/empty.db"; expect_rc history-empty 3; expect_err history-empty-msg "holds no history yet"
head -c 5000 /dev/urandom >"$TMP/junk.db"; SUM=$(md5 "$TMP/junk.db")
run history record "$TMP/junk.db" "$TMP/runs/run00.json"; expect_rc history-corrupt-db 4; expect_err history-corrupt-db-msg "not a readable SQLite database.*left untouched"
if [ "$(md5 "$TMP/junk.db")" = "$SUM" ]; then ok history-corrupt-db-untouched; else bad history-corrupt-db-untouched "file changed"; fi
cp "$DB" "$TMP/new.db"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE meta SET value='7' WHERE key='schema_version'\"); c.commit()" "$TMP/new.db"
SUM=$(md5 "$TMP/new.db")
run history record "$TMP/new.db" "$TMP/runs/run00.json"; expect_rc history-too-new 4; expect_err history-too-new-msg "history schema 7, newer than this llmwatt reads \(1\): upgrade llmwatt; the file was not modified"
run history "$TMP/new.db"; expect_rc history-too-new-read 4
if [ "$(md5 "$TMP/new.db")" = "$SUM" ]; then ok history-too-new-untouched; else bad history-too-new-untouched "file changed"; fi
run history "$DB" --since yesterday; expect_rc history-bad-since 2; expect_err history-bad-since-msg "--since: bad time 'yesterday'"
run history "$DB" --kind guess; expect_rc history-bad-kind 2; expect_err history-bad-kind-msg "--kind must be"
run history record "$DB"; expect_rc history-record-nofile 2; expect_err history-record-nofile-msg "needs a database and at least one JSON file"

# ---------- report ----------
run report "$DB" --output "$TMP/rep/report.md"; expect_rc report-bad-dir 4; expect_err report-bad-dir-msg "cannot write"
mkdir -p "$TMP/rep"
run report "$DB" --output "$TMP/rep/report.md"; expect_rc report-md 0; expect_out report-md-msg 'wrote .*report.md \(21 runs'
for p in tokens-per-j-over-time tokens-per-j-vs-batch; do
    if [ "$(head -c 4 "$TMP/rep/report-$p.png" | od -An -c | tr -d ' ')" = '211PNG' ]; then ok "report-png-$p"; else bad "report-png-$p" "no PNG"; fi
done
# table numbers: gpt40b FP8 TP8 batch 32: 2 runs, 16800 x 1.005 = 16884.0 tok/s, 5600 W, 3.015 tokens/J,
# $/1M at $0.10 = 1e6 / 3.015 J x 1.2 / 0.95 / 3.6e6 kWh x 0.10
if python3 - "$TMP/rep/report.md" <<'PY'; then ok report-table-numbers; else bad report-table-numbers "row mismatch"; fi
import sys
md = open(sys.argv[1]).read()
cost = 1e6 / 3.015 * 1.2 / 0.95 / 3.6e6 * 0.10
row = "| FP8 TP8 | 32 | 4096 | 8 | 2 | 16884.0 | 5600.0 | 3.015 | $%.4f | no data (no 1-GPU run) |" % cost
assert row in md, row
assert "TBD" not in md
assert "1 INVALID excluded" in md and "1 estimates not used" in md
PY
run report "$TMP"/runs/run0*.json --output "$TMP/rep/files.html"; expect_rc report-html 0
if grep -q 'data:image/png;base64,' "$TMP/rep/files.html" && [ ! -e "$TMP/rep/files-tokens-per-j-vs-batch.png" ]; then ok report-html-embedded; else bad report-html-embedded "images not embedded"; fi
# regression and a second GPU type: run20 repeats run00's configuration 24 days later at 0.8 x its tokens/J
# (below seed 004's 0.9); run21 is the same configuration on an H100 at 500 W
mkdir -p "$TMP/runs2" && cp "$TMP"/runs/run*.json "$TMP/runs2/"
python3 - "$TMP/runs2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/run00.json"))
d["start_time"], d["end_time"] = "2026-11-25T12:00:00Z", "2026-11-25T12:02:10Z"
d["tokens_per_s"] *= 0.8; d["tokens"] *= 0.8; d["tokens_per_j"] *= 0.8; d["j_per_token"] /= 0.8
json.dump(d, open(sys.argv[1] + "/run20.json", "w"))
d = json.load(open(sys.argv[1] + "/run00.json"))
d["start_time"], d["end_time"] = "2026-11-26T12:00:00Z", "2026-11-26T12:02:10Z"
for g in d["gpus"]:
    g["name"] = "NVIDIA H100 80GB HBM3"
d["aggregate"]["avg_power_w"], d["aggregate"]["energy_j"] = 500.0, 500.0 * 120
d["tokens_per_j"] = d["tokens"] / (500.0 * 120); d["j_per_token"] = 1 / d["tokens_per_j"]
json.dump(d, open(sys.argv[1] + "/run21.json", "w"))
PY
run report "$TMP"/runs2/run*.json --output "$TMP/rep/reg.md" --region us; expect_rc report-reg-md 0
if python3 - "$TMP/rep/reg.md" <<'PY'; then ok report-regression-tco; else bad report-regression-tco "content mismatch"; fi
import sys
md = open(sys.argv[1]).read()
# flagged: 1.6 tokens/J = 0.800 x run00's 2.000
assert "REGRESSION: 1 run(s) below 0.90 x" in md
assert "REGRESSION run 0 (2026-11-25T12:00:00Z): gpt8b fp16 batch 8 on 1 GPU(s), 1.600 tokens/J = 0.800 x the 2.000" in md
assert "REGRESSION (< 0.90 x first run)" not in md  # only in the plot legend
# GPU comparison: the H100 run (500 W, 2.4 tokens/J) beside the B200s
assert "## GPU Comparison" in md and "| NVIDIA H100 80GB HBM3 | gpt8b | FP16 b8 x1 | 1 | 2.400 | 500.0 |" in md
# TCO row, gpt8b FP8 b32 on one B200 ($35,000): 700 W x 1.2 / 0.95 = 884.2 W at the wall
hw = 35000.0
fixed = hw * 1.1 / 26280 + hw * 0.10 / 8760 + 700 * 1.2 / 0.95 / 1000 * 184.06 * 12 / 8760
tps = 700 * 6.03  # mean tokens/J 6.03 x 700 W
energy = 700 * 1.2 / 0.95 / 1000 * 0.10 / (tps * 3600) * 1e6
emb_kg = 261.0 + 2500 / 8
emb_m = emb_kg * 1000 / 26280 / (tps * 3600) * 1e6
op_m = 700 * 1.2 / 0.95 / 1000 * 384 / (tps * 3600) * 1e6
row = "| gpt8b FP8 b32 x1 | NVIDIA B200 | $35000 [price.b200.purchase ($30000-40000, 2024)] | $%.3f | $%.4f | %.1f | %.3f g | %.3f g | %.3f g |" % (
    fixed, energy + fixed / (tps * 3600) * 1e6, emb_kg, emb_m, op_m, op_m + emb_m)
assert row in md, row
PY
run report "$TMP"/runs/run*.json --output "$TMP/rep/noreg.md"; expect_rc report-noreg 0
grep -q "No regression: no valid run is below 0.90" "$TMP/rep/noreg.md" && ok report-no-regression || bad report-no-regression "missing"
! grep -q "## GPU Comparison" "$TMP/rep/noreg.md" && ok report-one-gpu-no-comparison || bad report-one-gpu-no-comparison "section with one GPU type"
run report "$TMP"/runs2/run*.json --output "$TMP/rep/reg2.md" --threshold 0.7; expect_rc report-threshold 0
grep -q "No regression" "$TMP/rep/reg2.md" && ok report-threshold-0.7 || bad report-threshold-0.7 "0.8 flagged at 0.7"
run report "$DB" --output "$TMP/rep/t.md" --threshold 1.5; expect_rc report-threshold-bad 2
run report "$DB" --output "$TMP/rep/t.md" --region mars; expect_rc report-region-bad 3
# PDF: opens (pdfinfo), holds the plots as images (pdfimages) and the flagged regression (pdftotext)
run report "$TMP"/runs2/run*.json --output "$TMP/rep/regpdf.pdf" --region us; expect_rc report-pdf 0; expect_out report-pdf-msg 'wrote .*regpdf.pdf \(22 runs, PDF'
if pdfinfo "$TMP/rep/regpdf.pdf" 2>/dev/null | grep -Eq '^Pages: +[1-9]'; then ok report-pdf-opens; else bad report-pdf-opens "pdfinfo: $(pdfinfo "$TMP/rep/regpdf.pdf" 2>&1 | head -c 200)"; fi
n=$(pdfimages -list "$TMP/rep/regpdf.pdf" 2>/dev/null | awk 'NR > 2 && $3 == "image"' | wc -l)
[ "$n" -ge 2 ] && ok report-pdf-plots || bad report-pdf-plots "$n images (pdfimages from poppler-utils)"
txt=$(pdftotext "$TMP/rep/regpdf.pdf" - 2>/dev/null)
case "$txt" in *"REGRESSION run 0"*"GPU Comparison"*"Total Cost of Ownership"*) ok report-pdf-text ;; *) bad report-pdf-text "text missing" ;; esac
[ ! -e "$TMP/rep/regpdf-tokens-per-j-over-time.png" ] && ok report-pdf-one-file || bad report-pdf-one-file "PNG written beside the PDF"
printf 't_s,gpu,power_w\n0,0,100\n0.1,0,abc\n' >"$TMP/bad.csv"
run report "$DB" --output "$TMP/rep/s.md" --samples "$TMP/bad.csv"; expect_rc report-bad-samples 4; expect_err report-bad-samples-msg "bad.csv line 3: time, power or GPU index is not a number"
[ ! -e "$TMP/rep/s.md" ] && ok report-bad-samples-no-output || bad report-bad-samples-no-output "partial report written"
printf 't_s,gpu,power_w\n0,0,100\n0.1,0,500\n0.2,0,510\n' >"$TMP/good.csv"
run report "$DB" --output "$TMP/rep/s.md" --samples "$TMP/good.csv"; expect_rc report-samples 0
[ -s "$TMP/rep/s-power-over-run.png" ] && ok report-samples-png || bad report-samples-png "no power plot"
run report "$DB" --output "$TMP/rep/m.md" --samples "$TMP/nosuch.csv"; expect_rc report-missing-samples 3; expect_err report-missing-samples-msg "--samples: cannot open .*nosuch.csv"
run report "$TMP/empty.db" --output "$TMP/rep/e.md"; expect_rc report-empty 3; expect_err report-empty-msg "holds no history yet"
run report "$DB" --workload nosuch --output "$TMP/rep/e.md"; expect_rc report-no-match 3; expect_err report-no-match-msg "no runs to report on"
[ ! -e "$TMP/rep/e.md" ] && ok report-empty-no-output || bad report-empty-no-output "file written"
run report "$DB" --output "$TMP/rep/x.odt" --format odt; expect_rc report-bad-format 2; expect_err report-bad-format-msg "--format must be md, html or pdf"
# the extension names the format: an unknown one, or a --format that disagrees, is a usage error
run report "$DB" --output "$TMP/rep/x.odt"; expect_rc report-odt 2
expect_err report-odt-msg "--output '.*x.odt': unknown extension; the supported formats are md \(.md\), html \(.html\) and pdf \(.pdf\)"
[ ! -e "$TMP/rep/x.odt" ] && ok report-odt-no-file || bad report-odt-no-file "x.odt written"
run report "$DB" --output "$TMP/rep/noext"; expect_rc report-no-ext 2; expect_err report-no-ext-msg "unknown extension"
run report "$DB" --output "$TMP/rep/x.pdf" --format md; expect_rc report-pdf-format-md 2
expect_err report-pdf-format-md-msg "--format md does not match --output '.*x.pdf' \(a PDF file\); give a .md path"
[ ! -e "$TMP/rep/x.pdf" ] && ok report-pdf-format-md-no-file || bad report-pdf-format-md-no-file "x.pdf written"
run report "$DB" --output "$TMP/rep/y.md" --format html; expect_rc report-mismatch 2
expect_err report-mismatch-msg "--format html does not match --output '.*y.md' \(a Markdown file\); give a .html path"
[ ! -e "$TMP/rep/y.md" ] && ok report-mismatch-no-file || bad report-mismatch-no-file "y.md written"
run report "$DB" --output "$TMP/rep/agree.HTML" --format html; expect_rc report-format-agrees 0; expect_out report-format-agrees-msg 'wrote .*agree.HTML .*HTML'
run report "$DB"; expect_rc report-no-output 2; expect_err report-no-output-msg "missing --output"
run report "$TMP/corrupt.json" --output "$TMP/rep/c.md"; expect_rc report-corrupt 4; expect_err report-corrupt-msg "not valid JSON"

# ---------- compare ----------
# run00 gpt8b fp16 b8: 2.0 tokens/J; run09 same config k=1: 2.02; run02 gpt8b fp8 b16: 5.0
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run09.json" --json; expect_rc compare-ok 0
expect_json compare-ratio 'd["ratio"]' 1.01 1e-12
run compare --baseline "$TMP/runs/run02.json" --current "$TMP/runs/run00.json"; expect_rc compare-regression 1
expect_out compare-regression-msg 'ratio current/baseline: 0.4000 \(threshold 0.9\): REGRESSION'
run compare --baseline "$TMP/runs/run02.json" --current "$TMP/runs/run00.json" --threshold 0.3; expect_rc compare-threshold 0
# history: latest valid gpt8b fp16 b8 is run18 (2026-11-19, 2.04); 7 days earlier -> run09 (2026-11-10, 2.02)
run compare --baseline "$DB:workload=gpt8b,precision=fp16,batch=8@-7d" --current "$DB:workload=gpt8b,precision=fp16,batch=8" --json
expect_rc compare-history 0
expect_json compare-history-base 'd["baseline"]["time"]' 2026-11-10T12:00:00Z
expect_json compare-history-ratio 'd["ratio"]' "$(python3 -c 'print(1.02/1.01)')" 1e-12
# the INVALID run 19 (id 20) is skipped by queries unless valid=any;
# an INVALID measurement (run 19) is refused, from a query or a file, unless --allow-invalid
run compare --baseline "$DB:id=2" --current "$DB:workload=gpt8b,precision=fp16,batch=16,valid=any"; expect_rc compare-invalid-refused 4
expect_err compare-invalid-refused-msg "--current .*runs.db #20 is an INVALID measurement \(its verdict failed\).*pass --allow-invalid"
[ -s "$OUT" ] && bad compare-invalid-refused-no-output "$(head -c 200 "$OUT")" || ok compare-invalid-refused-no-output
run compare --baseline "$TMP/runs/run19.json" --current "$TMP/runs/run10.json"; expect_rc compare-invalid-baseline 4
expect_err compare-invalid-baseline-msg "--baseline .*run19.json is an INVALID measurement"
run compare --baseline "$DB:id=2" --current "$DB:workload=gpt8b,precision=fp16,batch=16,valid=any" --allow-invalid --json; expect_rc compare-invalid-any 0
expect_json compare-invalid-any-ratio 'd["ratio"]' 10.2 1e-9
run compare --baseline "$DB:workload=gpt8b@2026-10-01" --current "$TMP/runs/run00.json"; expect_rc compare-none-before 3
expect_err compare-none-before-msg "no valid runs in '.*runs.db' match 'workload=gpt8b' on or before 2026-10-01T23:59:59Z"
run compare --baseline "$DB" --current "$TMP/runs/run00.json"; expect_rc compare-db-no-query 2; expect_err compare-db-no-query-msg "is a history database: add a query"
run compare --baseline "$DB:colour=red" --current "$TMP/runs/run00.json"; expect_rc compare-bad-filter 2; expect_err compare-bad-filter-msg "unknown filter 'colour=red'"
run compare --baseline "$TMP/nothing.json" --current "$TMP/runs/run00.json"; expect_rc compare-missing 3; expect_err compare-missing-msg "neither a file nor DB:QUERY"
run compare --baseline "$TMP/corrupt.json" --current "$TMP/runs/run00.json"; expect_rc compare-corrupt 4; expect_err compare-corrupt-msg "not valid JSON"
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run00.json" --threshold -1; expect_rc compare-bad-threshold 2; expect_err compare-bad-threshold-msg "--threshold must be in \(0, 1\]"
# 1.5 would make an unchanged run (ratio 1) a regression; 0 would make none
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run00.json" --threshold 1.5; expect_rc compare-threshold-over-1 2
expect_err compare-threshold-over-1-msg "--threshold must be in \(0, 1\] .*got '1.5'"
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run00.json" --threshold 0; expect_rc compare-threshold-0 2
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run00.json" --threshold 1; expect_rc compare-threshold-1 0; expect_out compare-threshold-1-msg 'ratio current/baseline: 1.0000 \(threshold 1\): OK'
run compare --baseline "$TMP/runs/run00.json" --current "$TMP/runs/run00.json" --threshold x; expect_rc compare-threshold-nan 2
run compare --baseline "$TMP/runs/run00.json"; expect_rc compare-missing-current 2; expect_err compare-missing-current-msg "give both --baseline RUN and --current RUN"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['tokens_per_j']=None; json.dump(d,open(sys.argv[2],'w'))" "$TMP/runs/run00.json" "$TMP/notok.json"
run compare --baseline "$TMP/notok.json" --current "$TMP/runs/run00.json"; expect_rc compare-no-tokens 4; expect_err compare-no-tokens-msg "has no tokens_per_j"
finish
