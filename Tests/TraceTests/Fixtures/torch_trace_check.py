"""Exercises tools/torch_trace.py without torch: duck-typed Conv2d/Linear modules whose forward
passes are computed in numpy, a torch.nn.utils.prune-style `weight_mask`, an explicit 2:4 mask and
a mask from the weights' non-zeros. Writes OUT.sstrace and prints, as JSON, what numpy computed
for each layer (shape, kept weights, input non-zeros) for the Swift test to compare.

    python3 torch_trace_check.py TOOLS_DIR OUT.sstrace
"""
import json
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import torch_trace  # noqa: E402


class Handle:
    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def remove(self):
        self.hooks.remove(self.fn)


class Module:
    def __init__(self):
        self.hooks = []

    def register_forward_hook(self, fn):
        self.hooks.append(fn)
        return Handle(self.hooks, fn)

    def __call__(self, x):
        y = self.forward(x)
        for h in list(self.hooks):
            h(self, (x,), y)
        return y


class Conv2d(Module):
    def __init__(self, weight, stride=(1, 1), padding=(0, 0), groups=1):
        super().__init__()
        self.weight, self.stride, self.padding, self.groups, self.dilation = weight, stride, padding, groups, (1, 1)

    def forward(self, x):
        n, c, h, w = x.shape
        k, cg, r, s = self.weight.shape
        st, pd = self.stride[0], self.padding[0]
        xp = np.pad(x, ((0, 0), (0, 0), (pd, pd), (pd, pd)))
        p, q = (h + 2 * pd - r) // st + 1, (w + 2 * pd - s) // st + 1
        out = np.zeros((n, k, p, q), dtype=np.float32)
        per = k // self.groups
        for o in range(k):
            g = o // per
            for i in range(p):
                for j in range(q):
                    patch = xp[:, g * cg:(g + 1) * cg, i * st:i * st + r, j * st:j * st + s]
                    out[:, o, i, j] = (patch * self.weight[o]).sum(axis=(1, 2, 3))
        return out


class Linear(Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = weight

    def forward(self, x):
        return x.reshape(x.shape[0], -1) @ self.weight.T


class Net:
    def __init__(self, rng):
        self.conv1 = Conv2d(rng.standard_normal((8, 2, 3, 3)).astype(np.float32), padding=(1, 1))
        self.dw = Conv2d(rng.standard_normal((8, 1, 3, 3)).astype(np.float32), stride=(2, 2), padding=(1, 1), groups=8)
        self.fc = Linear(rng.standard_normal((10, 8 * 3 * 3)).astype(np.float32))
        self.fc.weight_mask = rng.random(self.fc.weight.shape) < 0.3        # as torch prune leaves it
        self.fc.weight = self.fc.weight * self.fc.weight_mask
        w = self.dw.weight.copy()
        w[np.abs(w) < 0.5] = 0                                                  # mask from the non-zeros
        self.dw.weight = w

    def named_modules(self):
        return [("", self), ("conv1", self.conv1), ("dw", self.dw), ("fc", self.fc)]

    def eval(self):
        pass

    def __call__(self, x):
        y = np.maximum(self.conv1(x), 0)
        y = np.maximum(self.dw(y), 0)
        return self.fc(y)


rng = np.random.default_rng(5)
net = Net(rng)
conv_mask = np.zeros((8, 18), dtype=bool)       # 2:4 along each filter's 2*3*3 reduction (padded groups)
for row in range(8):
    for g in range(0, 18, 4):
        keep = rng.choice(range(g, min(g + 4, 18)), size=min(2, 18 - g), replace=False)
        conv_mask[row, keep] = True
batch = rng.standard_normal((3, 2, 5, 5)).astype(np.float32)
records = torch_trace.capture(net, batch, masks={"conv1": conv_mask.reshape(8, 2, 3, 3)})
torch_trace.write_trace(sys.argv[2], "fake-net", [2, 5, 5], records, method="torch", parameters={"note": "fake"})

expected = {}
for r in records:
    s = r["shape"]
    expected[s["name"]] = {"shape": [s[k] for k in ("n", "k", "c", "r", "s", "h", "w", "p", "q", "stride", "padding", "groups")],
                           "kind": s["kind"], "kept": int(r["mask"].sum()),
                           "input_nonzero": int(np.count_nonzero(r["inputs"]))}
print(json.dumps({"layers": [r["shape"]["name"] for r in records], "expected": expected}))

# Bad input is refused before anything is written.
try:
    torch_trace.layer_record("bad", np.zeros((4, 3, 3, 3)), inputs=np.zeros((1, 3, 8, 8)), stride=(1, 2))
    sys.exit("an unequal stride was accepted")
except torch_trace.TraceError as e:
    assert "stride (1, 2)" in str(e), e
try:
    torch_trace.layer_record("bad", np.zeros((4, 3)), mask=np.zeros((3, 4), dtype=bool))
    sys.exit("a mask of the wrong shape was accepted")
except torch_trace.TraceError as e:
    assert "mask shape" in str(e), e
