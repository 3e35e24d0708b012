#!/usr/bin/env python3
"""Write a SparseSim trace from a PyTorch model, with numpy doing all the writing.

The masks come from torch.nn.utils.prune (each pruned module's `weight_mask`), from any
boolean tensors you pass, or, when neither is there, from the weights' non-zeros. The input
activations come from forward hooks on one batch you give. The trace is then simulated like
one SparseSim trained itself:

    import torch, torch.nn.utils.prune, torchvision, torch_trace
    model = torchvision.models.resnet18()
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.utils.prune.l1_unstructured(m, "weight", amount=0.9)
    records = torch_trace.capture(model, torch.randn(4, 3, 224, 224))
    torch_trace.write_trace("resnet18-l1.sstrace", "resnet18", [3, 224, 224], records,
                            method="l1-unstructured", parameters={"sparsity": 0.9})

    sparsesim simulate --hw HardwareSpecs/scnn.xml --trace resnet18-l1.sstrace

Two layers of code: `capture` (the only part that touches torch, through duck typing: any
module whose class is named Conv2d, Linear or MultiheadAttention, any tensor with .detach())
and the numpy core `layer_record` / `attention_records` / `write_trace`, which needs only numpy
and sstrace.py and is what the tests exercise (Tests/TraceTests/InteropTests.swift).

Transformers: a Linear applied to tokens [N, T, C] (batch first) is one linear layer whose rows
are every token; an nn.MultiheadAttention call becomes NAME.q, NAME.k, NAME.v (the rows of its
in_proj_weight, masked by in_proj_weight_mask when torch.nn.utils.prune made one), NAME.qk and
NAME.pv (SparseSim's matmul layers: Q.K^T and P.V per sample and head, the probabilities
recomputed from the weights and checked against torch's output) and NAME.out_proj.

Command line (needs torch and torchvision):
    python3 tools/torch_trace.py --torchvision resnet18 --input-shape 3,224,224 --batch 2 \\
        --prune-l1 0.9 --out resnet18-l1.sstrace
"""

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstrace  # noqa: E402
from sstrace import TraceError  # noqa: E402


# ---------------------------------------------------------------------------
# The numpy core

def _pair(v, what, name, kernel=None, stride=1):
    """An int, or a pair whose two entries are equal (SparseSim has one stride and one padding).
    torch's padding strings: 'valid' is 0, 'same' is (kernel - 1) / 2 at stride 1."""
    if isinstance(v, str):
        if v == "valid":
            return 0
        if v == "same" and kernel is not None and stride == 1 and all(k % 2 == 1 for k in kernel) and len(set(kernel)) == 1:
            return (kernel[0] - 1) // 2
        raise TraceError(f"{name}: padding '{v}' pads unequally for this kernel; SparseSim layers pad equally on "
                         f"every side: give explicit padding, or leave the layer out (skip=['{name}'], --skip {name})")
    if isinstance(v, (tuple, list)):
        if len(v) != 2 or v[0] != v[1]:
            raise TraceError(f"{name}: {what} {tuple(v)} differs between height and width; SparseSim layers have "
                             f"one {what}: make them equal, or leave the layer out (skip=['{name}'], --skip {name})")
        v = v[0]
    return int(v)


def layer_record(name, weight, mask=None, inputs=None, stride=1, padding=0, groups=1):
    """One conv or linear layer as numpy arrays, and its SparseSim shape.

    weight: [K, C/groups, R, S] (conv) or [K, C] (linear), float.
    mask:   bool array of the weight's shape; None keeps the weight's non-zeros.
    inputs: the layer's input batch, [N, C, H, W] (conv) or [N, C] (linear); None records none
            (the trace then has no activations: pass `batch` to write_trace).
    """
    w = np.asarray(weight, dtype=np.float32)
    m = (w != 0) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != w.shape:
        raise TraceError(f"{name}: mask shape {m.shape} differs from the weight's {w.shape}")
    a = None if inputs is None else np.asarray(inputs, dtype=np.float32)
    stride = _pair(stride, "stride", name)
    padding = _pair(padding, "padding", name, kernel=w.shape[2:] if w.ndim == 4 else None, stride=stride)
    samples = None if a is None else a.shape[0]
    if w.ndim == 2:
        k, c = w.shape
        if a is not None:
            # Tokens [N, T, C] (batch first): every token a row of the product; else one row per sample.
            a = a.reshape(-1, c) if a.ndim > 2 and a.shape[-1] == c else a.reshape(a.shape[0], -1)
            if a.shape[1] != c:
                raise TraceError(f"{name}: input features {a.shape[1]} differ from the weight's {c}")
        n = 1 if a is None else a.shape[0]
        shape = sstrace.linear_shape(name, n, k, c)
    elif w.ndim == 4:
        k, cg, r, s = w.shape
        if a is None or a.ndim != 4:
            raise TraceError(f"{name}: a convolution needs its input batch [N, C, H, W] for its spatial size")
        n, c, h, wd = a.shape
        if c != cg * groups:
            raise TraceError(f"{name}: input channels {c} differ from weight channels {cg} x groups {groups}")
        p = (h + 2 * padding - r) // stride + 1
        q = (wd + 2 * padding - s) // stride + 1
        if p < 1 or q < 1:
            raise TraceError(f"{name}: the kernel {r}x{s} does not fit the padded input {h}x{wd}")
        kind = "depthwise" if groups > 1 and groups == c and k % c == 0 else "conv"
        shape = {"name": name, "kind": kind, "n": n, "k": k, "c": c, "r": r, "s": s, "h": h, "w": wd,
                 "p": p, "q": q, "stride": stride, "padding": padding, "groups": groups}
    else:
        raise TraceError(f"{name}: weight has {w.ndim} dimensions; expected 4 (conv) or 2 (linear)")
    return {"shape": shape, "weights": w, "mask": m, "inputs": a, "samples": samples}


def matmul_shape(name, n, heads, rows, reduction, columns):
    """SparseSim's matmul layer: per sample and head, (rows x reduction) . (reduction x columns)."""
    return {"name": name, "kind": "matmul", "n": n, "k": heads * columns, "c": heads * reduction, "r": 1, "s": 1,
            "h": rows, "w": 1, "p": rows, "q": 1, "stride": 1, "padding": 0, "groups": heads}


def attention_records(name, query, key, value, in_weight, in_bias, out_weight, out_bias, heads,
                      in_mask=None, out_mask=None, attn_mask=None, key_padding_mask=None, is_causal=False):
    """Multi-head attention (torch.nn.MultiheadAttention's computation, batch first) as SparseSim
    layers: NAME.q, NAME.k, NAME.v (linear, the rows of in_weight), NAME.qk and NAME.pv (matmul:
    Q_h.K_h^T and P_h.V_h, every sample and head), NAME.out_proj (linear). Returns (records,
    output): the output is recomputed here in float64, for the caller to check against torch's.

    query [N, T, E], key and value [N, S, E]; in_weight [3E, E], in_bias [3E] or None; masks
    as torch takes them (attn_mask [T, S] or [N*heads, T, S], bool True = not allowed, or float
    added; key_padding_mask [N, S], True = padding; is_causal without attn_mask: the upper triangle).
    """
    q_in, k_in, v_in = (np.asarray(t, dtype=np.float64) for t in (query, key, value))
    n, t, e = q_in.shape
    s_len = k_in.shape[1]
    if e % heads:
        raise TraceError(f"{name}: embed dim {e} does not divide into {heads} heads")
    d = e // heads
    w = np.asarray(in_weight, dtype=np.float64)
    b = np.zeros(3 * e) if in_bias is None else np.asarray(in_bias, dtype=np.float64)
    im = np.ones(w.shape, dtype=bool) if in_mask is None else np.asarray(in_mask, dtype=bool)
    wq, wk, wv = w[:e] * im[:e], w[e:2 * e] * im[e:2 * e], w[2 * e:] * im[2 * e:]
    q = q_in @ wq.T + b[:e]
    k = k_in @ wk.T + b[e:2 * e]
    v = v_in @ wv.T + b[2 * e:]
    qh = q.reshape(n, t, heads, d).transpose(0, 2, 1, 3)          # [N, h, T, d]
    kh = k.reshape(n, s_len, heads, d).transpose(0, 2, 1, 3)      # [N, h, S, d]
    vh = v.reshape(n, s_len, heads, d).transpose(0, 2, 1, 3)      # [N, h, S, d]
    scores = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(d)           # [N, h, T, S]
    if attn_mask is None and is_causal:
        attn_mask = np.triu(np.ones((t, s_len), dtype=bool), 1)
    if attn_mask is not None:
        am = np.asarray(attn_mask)
        am = am.reshape(n, heads, t, s_len) if am.ndim == 3 else am
        scores = np.where(am, -np.inf, scores) if am.dtype == bool else scores + am
    if key_padding_mask is not None:
        kp = np.asarray(key_padding_mask)
        scores = np.where(kp[:, None, None, :], -np.inf, scores) if kp.dtype == bool else scores + kp[:, None, None, :]
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    o = (p @ vh).transpose(0, 2, 1, 3).reshape(n, t, e)
    ow = np.asarray(out_weight, dtype=np.float64)
    om = np.ones(ow.shape, dtype=bool) if out_mask is None else np.asarray(out_mask, dtype=bool)
    output = o @ (ow * om).T + (0 if out_bias is None else np.asarray(out_bias, dtype=np.float64))
    f = np.float32
    records = [
        layer_record(f"{name}.q", w[:e], im[:e], q_in.astype(f)),
        layer_record(f"{name}.k", w[e:2 * e], im[e:2 * e], k_in.astype(f)),
        layer_record(f"{name}.v", w[2 * e:], im[2 * e:], v_in.astype(f)),
    ]
    keys, values_t = kh.astype(f), vh.transpose(0, 1, 3, 2).astype(f)   # values per head transposed [N, h, d, S]
    records.append({"shape": matmul_shape(f"{name}.qk", n, heads, t, d, s_len), "weights": keys, "mask": keys != 0,
                    "inputs": qh.astype(f), "samples": n})
    records.append({"shape": matmul_shape(f"{name}.pv", n, heads, t, s_len, d), "weights": values_t,
                    "mask": values_t != 0, "inputs": p.astype(f), "samples": n})
    records.append(layer_record(f"{name}.out_proj", ow, om, o.astype(f)))
    return records, output


def write_trace(path, model_name, input_shape, records, method="external", parameters=None, step=0, epoch=0,
                metrics=None, seed=None):
    """Writes `records` (from layer_record or capture) as a one-snapshot trace at `path`.

    Every layer's batch size must agree. Returns the path. Raises TraceError on bad input,
    before anything is written.
    """
    if not records:
        raise TraceError(f"{path}: no conv or linear layers to write")
    names = [r["shape"]["name"] for r in records]
    if len(set(names)) != len(names):
        raise TraceError(f"{path}: layer names repeat: {names}")
    batches = {r.get("samples") or r["shape"]["n"] for r in records if r["inputs"] is not None}
    if len(batches) > 1:
        raise TraceError(f"{path}: layers saw different batch sizes {sorted(batches)}")
    n = batches.pop() if batches else 1
    for r in records:
        if r["inputs"] is None:
            r["shape"]["n"] = n
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise TraceError(f"{path}: exists and is not an empty directory; not overwriting it")
    # Built under a temporary name beside `path` and renamed into place: an interrupted or failed
    # write leaves nothing under the final name.
    parent = os.path.dirname(os.path.abspath(path))
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(os.path.abspath(path)) + ".tmp-", dir=parent)
    try:
        writer = sstrace.TraceWriter(tmp, model_name, list(input_shape), [r["shape"] for r in records], method,
                                     parameters or {}, seed=seed)
        tensors = {r["shape"]["name"]: (r["weights"] * r["mask"], r["mask"], r["inputs"]) for r in records}
        writer.append(step, epoch, metrics or {}, tensors)
        if os.path.isdir(path):
            os.rmdir(path)  # empty, checked above
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


# ---------------------------------------------------------------------------
# The torch adapter (duck-typed)

def _numpy(t):
    if hasattr(t, "to_dense") and getattr(t, "layout", None) is not None and "strided" not in str(t.layout):
        t = t.to_dense()                              # torch.sparse COO/CSR tensors
    elif type(t).__name__.startswith("SparseSemiStructured"):
        t = t.to_dense()                              # 2:4 semi-structured (to_sparse_semi_structured)
    if hasattr(t, "detach"):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def _is(module, *names):
    """Whether the module's class or one of its bases has one of these names (duck typing that
    also finds subclasses such as NonDynamicallyQuantizableLinear)."""
    return any(c.__name__ in names for c in type(module).__mro__)


def _parametrized_mask(module):
    """The mask of a parametrized weight (torch.nn.utils.parametrize): the first parametrization
    that holds a `mask` of the weight's shape, such as torch.ao.pruning's FakeSparsity. None
    when there is none (the effective weight's non-zeros are used then)."""
    plist = getattr(getattr(module, "parametrizations", None), "weight", None)
    if plist is None:
        return None
    for p in plist:
        mask = getattr(p, "mask", None)
        if mask is not None and tuple(mask.shape) == tuple(module.weight.shape):
            return mask
    return None


def capture(model, batch, masks=None, skip=()):
    """Runs `batch` through `model` once and returns a record per Conv2d and Linear module.

    masks: {module name: boolean tensor}; otherwise, in order: a parametrization's `mask`
    (torch.nn.utils.parametrize, torch.ao.pruning), a module's `weight_mask`
    (torch.nn.utils.prune), or the weight's non-zeros. The weight is the module's effective
    weight (parametrizations applied; sparse and 2:4 semi-structured tensors made dense).
    skip: module names to leave out. Layers that did not run in the forward pass are left out.
    """
    masks = masks or {}
    skip = set(skip)
    unknown = skip - {name for name, _ in model.named_modules()}
    if unknown:
        raise TraceError(f"skip: no module named {sorted(unknown)}")
    layers = [(name, m) for name, m in model.named_modules() if _is(m, "Conv2d", "Linear", "MultiheadAttention")
              and name not in skip]
    seen = {}
    handles = []
    for name, module in layers:
        if _is(module, "MultiheadAttention"):
            def attention_hook(mod, args, kwargs, output, name=name):
                if name in seen:
                    return
                names = ["query", "key", "value", "key_padding_mask", "need_weights", "attn_mask"]
                given = dict(zip(names, args))
                given.update(kwargs)
                seen[name] = ({k: (None if given.get(k) is None else _numpy(given[k]))
                               for k in ("query", "key", "value", "key_padding_mask", "attn_mask")},
                              bool(given.get("is_causal", False)), _numpy(output[0]))
            handles.append(module.register_forward_hook(attention_hook, with_kwargs=True))
            continue
        def hook(mod, args, output, name=name):
            if name not in seen:
                seen[name] = _numpy(args[0])
        handles.append(module.register_forward_hook(hook))
    try:
        if hasattr(model, "eval"):
            model.eval()
        model(batch)
    finally:
        for h in handles:
            h.remove()
    records = []
    for name, module in layers:
        if name not in seen:
            continue
        if _is(module, "MultiheadAttention"):
            records += _attention(name, module, *seen[name], masks)
            continue
        mask = masks.get(name)
        if mask is None:
            mask = _parametrized_mask(module)
        if mask is None and hasattr(module, "weight_mask"):
            mask = module.weight_mask
        weight = _numpy(module.weight)
        mask = None if mask is None else _numpy(mask).astype(bool)
        if _is(module, "Linear"):
            records.append(layer_record(name, weight, mask, seen[name]))
        else:
            if tuple(getattr(module, "dilation", (1, 1))) not in ((1, 1), (1,)):
                raise TraceError(f"{name}: dilation {tuple(module.dilation)}; dilated convolutions are not modelled: "
                                 f"leave the layer out (skip=['{name}'], --skip {name})")
            records.append(layer_record(name, weight, mask, seen[name],
                                        stride=module.stride, padding=module.padding, groups=module.groups))
    return records


def _attention(name, module, inputs, is_causal, output, masks):
    """The records of one nn.MultiheadAttention call, checked against torch's own output."""
    if not getattr(module, "_qkv_same_embed_dim", True) or getattr(module, "bias_k", None) is not None \
            or getattr(module, "add_zero_attn", False):
        raise TraceError(f"{name}: MultiheadAttention with separate q/k/v weights, bias_k/bias_v or add_zero_attn "
                         f"is not modelled: leave it out (skip=['{name}'], --skip {name})")
    q, k, v = inputs["query"], inputs["key"], inputs["value"]
    out = output
    if not getattr(module, "batch_first", False):   # [T, N, E] -> [N, T, E]
        q, k, v, out = (np.swapaxes(x, 0, 1) for x in (q, k, v, out))
    in_mask = masks.get(name + ".in_proj_weight", getattr(module, "in_proj_weight_mask", None))
    out_mask = masks.get(name + ".out_proj", getattr(module.out_proj, "weight_mask", None))
    records, mine = attention_records(
        name, q, k, v, _numpy(module.in_proj_weight), None if module.in_proj_bias is None else _numpy(module.in_proj_bias),
        _numpy(module.out_proj.weight), None if module.out_proj.bias is None else _numpy(module.out_proj.bias),
        module.num_heads, None if in_mask is None else _numpy(in_mask).astype(bool),
        None if out_mask is None else _numpy(out_mask).astype(bool), inputs["attn_mask"], inputs["key_padding_mask"], is_causal)
    scale = max(1.0, float(np.abs(out).max()))
    if not np.allclose(mine, out, atol=1e-4 * scale, rtol=1e-4):
        raise TraceError(f"{name}: the attention recomputed from its weights differs from torch's output by "
                         f"{float(np.abs(mine - out).max())}: an option this capture does not model")
    return records


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a SparseSim trace from a torchvision model (needs torch).")
    ap.add_argument("--torchvision", required=True, metavar="NAME", help="a torchvision.models constructor, e.g. resnet18")
    ap.add_argument("--input-shape", required=True, metavar="C,H,W")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--prune-l1", type=float, metavar="AMOUNT", help="torch.nn.utils.prune.l1_unstructured on every conv/linear")
    ap.add_argument("--skip", action="append", default=[], metavar="MODULE",
                    help="leave this module out of the trace (repeatable), e.g. one SparseSim cannot model")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    try:
        import torch
        import torch.nn.utils.prune  # a submodule: `import torch` alone does not load it
        import torchvision
    except ImportError:
        print("torch_trace.py: error: torch and torchvision are not installed; the numpy core "
              "(layer_record, write_trace) works without them", file=sys.stderr)
        return 1
    try:
        shape = [int(v) for v in args.input_shape.split(",")]
        torch.manual_seed(args.seed)
        model = getattr(torchvision.models, args.torchvision)()
        if args.prune_l1 is not None:
            for m in model.modules():
                if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                    torch.nn.utils.prune.l1_unstructured(m, "weight", amount=args.prune_l1)
        records = capture(model, torch.randn([args.batch] + shape), skip=args.skip)
        params = {"prune_l1": args.prune_l1} if args.prune_l1 is not None else {}
        write_trace(args.out, args.torchvision, shape, records, method="torch", parameters=params, seed=args.seed)
        print(f"{args.out}: {len(records)} layers")
        return 0
    except (TraceError, ValueError, AttributeError) as exc:
        print(f"torch_trace.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
