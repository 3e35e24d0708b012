"""tools/torch_trace.py's numpy core on multi-head attention, without torch: attention_records on
random operands, checked against an independent einsum computation, then written as a trace.

    python3 attention_records_check.py TOOLS_DIR OUT.sstrace

Exits 1 when the records disagree with the reference; prints JSON {"layers": [...], "pv_density": x}.
"""
import json
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import torch_trace  # noqa: E402

rng = np.random.default_rng(11)
n, t, e, heads = 2, 6, 8, 2
d = e // heads
x = rng.standard_normal((n, t, e))
w_in, b_in = rng.standard_normal((3 * e, e)) * 0.4, rng.standard_normal(3 * e) * 0.1
w_out, b_out = rng.standard_normal((e, e)) * 0.4, rng.standard_normal(e) * 0.1
causal = np.triu(np.ones((t, t), dtype=bool), 1)
records, output = torch_trace.attention_records("attn", x, x, x, w_in, b_in, w_out, b_out, heads, attn_mask=causal)

# The reference: einsum per head, the causal mask as -inf before the softmax.
q, k, v = (x @ w_in[i * e:(i + 1) * e].T + b_in[i * e:(i + 1) * e] for i in range(3))
split = lambda a: a.reshape(n, t, heads, d)
s = np.einsum("nthd,nshd->nhts", split(q), split(k)) / np.sqrt(d)
s[:, :, causal] = -np.inf
p = np.exp(s - s.max(-1, keepdims=True))
p /= p.sum(-1, keepdims=True)
o = np.einsum("nhts,nshd->nthd", p, split(v)).reshape(n, t, e)
reference = o @ w_out.T + b_out
by_name = {r["shape"]["name"]: r for r in records}
checks = [
    np.allclose(output, reference, atol=1e-10),
    np.allclose(by_name["attn.pv"]["inputs"], p, atol=1e-6),
    np.allclose(by_name["attn.qk"]["inputs"], split(q).transpose(0, 2, 1, 3), atol=1e-5),
    np.allclose(by_name["attn.qk"]["weights"], split(k).transpose(0, 2, 1, 3), atol=1e-5),
    np.allclose(by_name["attn.pv"]["weights"], split(v).transpose(0, 2, 3, 1), atol=1e-5),
    np.allclose(by_name["attn.out_proj"]["inputs"], o.reshape(n * t, e), atol=1e-5),
]
if not all(checks):
    print(f"mismatch: {checks}", file=sys.stderr)
    sys.exit(1)
torch_trace.write_trace(sys.argv[2], "attention", [t, e], records, method="numpy")
print(json.dumps({"layers": [r["shape"]["name"] for r in records],
                  "pv_density": float(np.count_nonzero(p)) / p.size}))
