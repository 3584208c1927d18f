# CLI: the seeds' worked numbers through the compatibility methods, with the arithmetic written out.
. "$(dirname "$0")/lib.sh"

# Seed 001, o1 on one H100, 1024 in, 256 out, quadratic attention (the seed's usage example).
# o1 profile: 70e9 active, L 80, H 64, d 128, reasoning factor 3 -> T = 768 decode tokens.
# H100 profile: 989e12 FLOP/s, 700 W, util 0.5 / 0.1, power util 1.0 / 0.75.
# prefill: (2*70e9*1024 + 1024^2*4*64*128*80) / (989e12*0.5) * 700 * 1.0 = 206.83 J
# decode:  (2*70e9*768 + 4*64*128*80*(1024*768 + 768*767/2)) / (989e12*0.1) * 700 * 0.75 = 585.80 J
run estimate --model o1 --gpu h100 --method profile --attention quadratic --input 1024 --output 256 --json
expect_rc seed001-o1 0
expect_json seed001-o1-prefill 'd["prefill_j"]' "$(python3 -c 'print((2*70e9*1024 + 1024**2*4*64*128*80) / (989e12*0.5) * 700)')" 1e-9
expect_json seed001-o1-decode 'd["decode_j"]' "$(python3 -c 'print((2*70e9*768 + 4*64*128*80*(1024*768 + 768*767/2)) / (989e12*0.1) * 700 * 0.75)')" 1e-9
# the seed ignores memory: 70B in bf16 on one 80 GB H100 is a warning, not an error
expect_json seed001-o1-fit-warning 'any("does not fit" in x for x in d["warnings"])' True

# Seed 003 (LLM-BENCH), Llama-3.1-8B (N_active = 8,030,261,248), 1000 in, 500 out, batch 1:
# prefill FLOPs = 2*N*1000 + 4*128*32*32*(0 + 1000)*1000 (masked FLOPs counted), energy x 1.5e-12 / 0.5
# decode  FLOPs = 2*N*500 + 4*128*32*32*((1000 + 1499)/2)*500, energy x 1.5e-12 / 0.1
run estimate --model llama-3.1-8b --gpu h100 --method llm-bench --input 1000 --output 500 --json
expect_rc seed003 0
expect_json seed003-prefill 'd["prefill_j"]' "$(python3 -c 'N=8030261248; print((2*N*1000 + 4*128*32*32*1000*1000) * 1.5e-12 / 0.5)')" 1e-9
expect_json seed003-decode 'd["decode_j"]' "$(python3 -c 'N=8030261248; print((2*N*500 + 4*128*32*32*(1000 + 1499)/2*500) * 1.5e-12 / 0.1)')" 1e-9

# The default roofline refuses what cannot run.
run estimate --model o1 --gpu h100 --input 1024 --output 256
expect_rc roofline-does-not-fit 5; expect_err roofline-does-not-fit-msg 'does not fit: .* use --gpus 2 or more'
finish
