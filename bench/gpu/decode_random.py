#!/usr/bin/env python3
"""Decode loop of a random-weight Llama-architecture model, for validating `llmwatt measure`.

The model is written out in plain PyTorch (no download, no transformers): RMSNorm, grouped-query
attention with a KV cache, rotary embeddings, SwiGLU MLP, untied LM head, with the dimensions of
Llama-3.2-1B by default (hidden 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, vocab 128256;
--arch llama-3.1-8b for 4096/32/32/8/14336). Weights are random bf16: the arithmetic, memory
traffic and therefore the energy are those of the real architecture; the text is noise.

After --warmup-seconds of decoding it runs greedy decode rounds (batch --batch, --prompt prompt
tokens then --new-tokens generated tokens each) for --seconds and writes a throughput JSON:
{"tokens": generated tokens in the measured part, "iterations": rounds, "tokens_per_s", ...}.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

ARCH = {
    "llama-3.2-1b": dict(hidden=2048, layers=16, heads=32, kv_heads=8, ffn=8192, vocab=128256),
    "llama-3.2-3b": dict(hidden=3072, layers=28, heads=24, kv_heads=8, ffn=8192, vocab=128256),
    "llama-3.1-8b": dict(hidden=4096, layers=32, heads=32, kv_heads=8, ffn=14336, vocab=128256),
}


class Model(torch.nn.Module):
    def __init__(self, hidden, layers, heads, kv_heads, ffn, vocab, max_len, dev, dtype):
        super().__init__()
        self.h, self.nh, self.nkv, self.hd = hidden, heads, kv_heads, hidden // heads
        kw = dict(device=dev, dtype=dtype)
        s = 0.02
        self.emb = torch.randn(vocab, hidden, **kw) * s
        self.layers = []
        for _ in range(layers):
            self.layers.append(dict(
                wq=torch.randn(hidden, heads * self.hd, **kw) * s,
                wkv=torch.randn(hidden, 2 * kv_heads * self.hd, **kw) * s,
                wo=torch.randn(heads * self.hd, hidden, **kw) * s,
                w13=torch.randn(hidden, 2 * ffn, **kw) * s,
                w2=torch.randn(ffn, hidden, **kw) * s,
                n1=torch.ones(hidden, **kw), n2=torch.ones(hidden, **kw)))
        self.norm = torch.ones(hidden, **kw)
        self.head = torch.randn(hidden, vocab, **kw) * s
        inv = 1.0 / (500000.0 ** (torch.arange(0, self.hd, 2, device=dev).float() / self.hd))
        ang = torch.outer(torch.arange(max_len, device=dev).float(), inv)
        self.cos, self.sin = ang.cos().to(dtype), ang.sin().to(dtype)

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(x.dtype) * w

    def rope(self, x, pos):
        c, s = self.cos[pos][None, :, None, :], self.sin[pos][None, :, None, :]
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack((x1 * c - x2 * s, x1 * s + x2 * c), -1).flatten(-2)

    def forward(self, ids, cache, start):
        b, t = ids.shape
        pos = torch.arange(start, start + t, device=ids.device)
        x = self.emb[ids]
        for i, L in enumerate(self.layers):
            h = self.rms(x, L["n1"])
            q = (h @ L["wq"]).view(b, t, self.nh, self.hd)
            k, v = (h @ L["wkv"]).view(b, t, 2, self.nkv, self.hd).unbind(2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            kc, vc = cache[i]
            kc[:, start:start + t], vc[:, start:start + t] = k, v
            kk = kc[:, :start + t].repeat_interleave(self.nh // self.nkv, 2)
            vv = vc[:, :start + t].repeat_interleave(self.nh // self.nkv, 2)
            o = F.scaled_dot_product_attention(q.transpose(1, 2), kk.transpose(1, 2), vv.transpose(1, 2), is_causal=t > 1)
            x = x + o.transpose(1, 2).reshape(b, t, -1) @ L["wo"]
            g, u = (self.rms(x, L["n2"]) @ L["w13"]).chunk(2, -1)
            x = x + (F.silu(g) * u) @ L["w2"]
        return self.rms(x[:, -1], self.norm) @ self.head


@torch.inference_mode()
def one_round(m, batch, prompt, new, dev, dtype):
    cache = [(torch.empty(batch, prompt + new, m.nkv, m.hd, device=dev, dtype=dtype),
              torch.empty(batch, prompt + new, m.nkv, m.hd, device=dev, dtype=dtype)) for _ in m.layers]
    ids = torch.randint(0, m.emb.shape[0], (batch, prompt), device=dev)
    logits = m(ids, cache, 0)
    for step in range(new):
        nxt = logits.argmax(-1, keepdim=True)
        logits = m(nxt, cache, prompt + step)
    torch.cuda.synchronize()
    return batch * new


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=sorted(ARCH), default="llama-3.2-1b")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--prompt", type=int, default=512)
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--seconds", type=float, default=90.0)
    p.add_argument("--warmup-seconds", type=float, default=10.0)
    p.add_argument("--output", default="throughput.json")
    a = p.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("decode_random.py: no CUDA GPU visible to PyTorch")
    dev, dtype = torch.device("cuda"), torch.bfloat16
    torch.manual_seed(0)
    m = Model(**ARCH[a.arch], max_len=a.prompt + a.new_tokens, dev=dev, dtype=dtype)
    t_end = time.monotonic() + a.warmup_seconds
    while time.monotonic() < t_end:
        one_round(m, a.batch, a.prompt, a.new_tokens, dev, dtype)
    tokens = rounds = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.seconds:
        tokens += one_round(m, a.batch, a.prompt, a.new_tokens, dev, dtype)
        rounds += 1
    dt = time.monotonic() - t0
    params = sum(t.numel() for L in m.layers for t in L.values()) + m.emb.numel() + m.head.numel()
    res = {"workload": "decode_random", "arch": a.arch, "params": params, "batch": a.batch, "prompt": a.prompt,
           "new_tokens": a.new_tokens, "tokens": tokens, "iterations": rounds, "seconds": dt,
           "warmup_seconds": a.warmup_seconds, "tokens_per_s": tokens / dt,
           "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    with open(a.output, "w") as f:
        json.dump(res, f, indent=2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
