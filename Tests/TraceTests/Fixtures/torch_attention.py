"""tools/torch_trace.py on a transformer (make test-interop): token-wise nn.Linear layers and an
nn.MultiheadAttention (inside nn.TransformerEncoderLayer, pre-LN, batch first) whose
in_proj_weight torch.nn.utils.prune pruned, with a key padding mask.

    python3 torch_attention.py TOOLS_DIR OUT.sstrace

Prints JSON {"layers": [...], "probabilities": [...] (torch's own per-head attention weights,
N x heads x T x S, from calling the module again with need_weights=True), "q_kept": int,
"tokens": T, "heads": h}.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

sys.path.insert(0, sys.argv[1])
import torch_trace  # noqa: E402


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(12, 16)
        self.enc = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True, norm_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x, padding=None):
        return self.head(self.enc(self.embed(x), src_key_padding_mask=padding).mean(1))


torch.manual_seed(5)
model = Tiny()
prune.l1_unstructured(model.enc.self_attn, "in_proj_weight", amount=0.5)
x = torch.randn(2, 5, 12)
padding = torch.tensor([[False] * 5, [False, False, False, False, True]])


class WithPadding(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x, padding)


records = torch_trace.capture(WithPadding(model), x)
torch_trace.write_trace(sys.argv[2], "tiny-transformer", [5, 12], records, method="torch", parameters={"pruned": "l1"})
with torch.no_grad():
    h = model.enc.norm1(model.embed(x))
    _, weights = model.enc.self_attn(h, h, h, key_padding_mask=padding, need_weights=True, average_attn_weights=False)
print(json.dumps({"layers": [r["shape"]["name"] for r in records], "probabilities": weights.flatten().tolist(),
                  "q_kept": int(model.enc.self_attn.in_proj_weight_mask[:16].sum()), "tokens": 5, "heads": 4}))
