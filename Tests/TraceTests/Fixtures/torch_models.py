"""tools/torch_trace.py against the real torch (make test-interop): a model whose masks come from
every place PyTorch keeps them, traced by `capture`, with what each layer must hold computed by
running the model's modules one by one (not through hooks).

    python3 torch_models.py TOOLS_DIR OUT.sstrace

The model (input 2 x 3 x 8 x 8):
  conv_a   Conv2d(3, 8, 3, padding=1), mask from a torch.nn.utils.parametrize parametrization
  conv_g   Conv2d(8, 8, 3, stride=2, padding=1, groups=2), torch.nn.utils.prune.random_unstructured 0.5
  conv_dw  Conv2d(8, 8, 3, padding='same', groups=8), no mask: the weight's non-zeros
  fc1      Linear(128, 64), torch.ao.pruning.WeightNormSparsifier at 2:4 (blocks of 4, 2 zeros)
  fc2      Linear(64, 10), dense
Prints JSON {"layers": [...], "expected": {name: {shape, kind, kept, input_sum, input_nonzero}}};
exits 1 with a message when a refusal is not what it should be.
"""
import json
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize
import torch.nn.utils.prune as prune
from torch.ao.pruning import WeightNormSparsifier

sys.path.insert(0, sys.argv[1])
import torch_trace  # noqa: E402


class Mask(nn.Module):
    """A parametrization that multiplies the weight by a fixed boolean mask."""

    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, w):
        return w * self.mask


torch.manual_seed(3)
model = nn.Sequential()
model.add_module("conv_a", nn.Conv2d(3, 8, 3, padding=1))
model.add_module("relu_a", nn.ReLU())
model.add_module("conv_g", nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2))
model.add_module("relu_g", nn.ReLU())
model.add_module("conv_dw", nn.Conv2d(8, 8, 3, padding="same", groups=8))
model.add_module("relu_dw", nn.ReLU())
model.add_module("flat", nn.Flatten())
model.add_module("fc1", nn.Linear(128, 64))
model.add_module("relu_fc", nn.ReLU())
model.add_module("fc2", nn.Linear(64, 10))

mask_a = torch.rand(8, 3, 3, 3) < 0.5
parametrize.register_parametrization(model.conv_a, "weight", Mask(mask_a))
prune.random_unstructured(model.conv_g, "weight", amount=0.5)
with torch.no_grad():
    model.conv_dw.weight[model.conv_dw.weight.abs() < 0.2] = 0
sparsifier = WeightNormSparsifier(sparsity_level=1.0, sparse_block_shape=(1, 4), zeros_per_block=2)
sparsifier.prepare(model, [{"tensor_fqn": "fc1.weight"}])
sparsifier.step()

batch = torch.randn(2, 3, 8, 8)
records = torch_trace.capture(model, batch)
torch_trace.write_trace(sys.argv[2], "torch-mixed", [3, 8, 8], records, method="torch", parameters={"masks": "mixed"})

# What each layer must hold: the modules run one by one, masks read where PyTorch keeps them.
kept = {"conv_a": int(mask_a.sum()), "conv_g": int(model.conv_g.weight_mask.sum()),
        "conv_dw": int((model.conv_dw.weight != 0).sum()),
        "fc1": int(model.fc1.parametrizations.weight[0].mask.sum()), "fc2": 64 * 10}
expected, x = {}, batch
with torch.no_grad():
    for name, module in model.named_children():
        if name in kept:
            a = x.numpy().astype(np.float64)
            expected[name] = {"kept": kept[name], "input_sum": float(a.sum()), "input_nonzero": int(np.count_nonzero(a))}
        x = module(x)
shapes = {"conv_a": [2, 8, 3, 3, 3, 8, 8, 8, 8, 1, 1, 1], "conv_g": [2, 8, 8, 3, 3, 8, 8, 4, 4, 2, 1, 2],
          "conv_dw": [2, 8, 8, 3, 3, 4, 4, 4, 4, 1, 1, 8], "fc1": [2, 64, 128, 1, 1, 1, 1, 1, 1, 1, 0, 1],
          "fc2": [2, 10, 64, 1, 1, 1, 1, 1, 1, 1, 0, 1]}
for name, shape in shapes.items():
    expected[name]["shape"] = shape
    expected[name]["kind"] = "depthwise" if name == "conv_dw" else ("linear" if name.startswith("fc") else "conv")
print(json.dumps({"layers": [r["shape"]["name"] for r in records], "expected": expected,
                  "torch": torch.__version__}))

# Unequal strides and paddings are refused naming the layer and the way out; --skip leaves it out.
odd = nn.Sequential(nn.Conv2d(3, 4, 3, stride=(1, 2)), nn.ReLU(), nn.Conv2d(4, 4, 1, padding=(1, 0)))
for bad, what in (("0", "stride (1, 2)"), ("2", "padding (1, 0)")):
    try:
        torch_trace.capture(odd, torch.randn(1, 3, 8, 8), skip=[n for n in ("0", "2") if n != bad])
        sys.exit(f"layer {bad}: {what} was accepted")
    except torch_trace.TraceError as e:
        text = str(e)
        if not (text.startswith(f"{bad}: {what} differs") and f"--skip {bad}" in text):
            sys.exit(f"layer {bad}: unexpected message: {text}")
mixed_odd = nn.Sequential(nn.Conv2d(3, 4, 3, stride=(1, 2)), nn.ReLU(), nn.Conv2d(4, 4, 1))
names = [r["shape"]["name"] for r in torch_trace.capture(mixed_odd, torch.randn(1, 3, 8, 8), skip=["0"])]
if names != ["2"]:
    sys.exit(f"skip=['0'] traced {names}, expected ['2']")
try:
    torch_trace.capture(mixed_odd, torch.randn(1, 3, 8, 8), skip=["nope"])
    sys.exit("an unknown skip name was accepted")
except torch_trace.TraceError as e:
    if "no module named ['nope']" not in str(e):
        sys.exit(f"unexpected message: {e}")
