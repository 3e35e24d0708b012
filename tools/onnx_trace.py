#!/usr/bin/env python3
"""Write a SparseSim trace from an ONNX model: every Conv, Gemm and MatMul whose weight is stored
in the model becomes a layer, its mask the stored weight's non-zeros, its input activations what
onnxruntime computes for one input batch.

    python3 tools/onnx_trace.py model.onnx --input batch.npy --out model.sstrace
    python3 tools/onnx_trace.py model.onnx --batch 4 --seed 1 --out model.sstrace   # seeded random input
    sparsesim simulate --hw HardwareSpecs/scnn.xml --trace model.sstrace

Needs numpy, onnx and onnxruntime (`scripts/python-env` installs them into .venv/).

What becomes a layer:
- Conv (2-D): weight [K, C/groups, R, S] from an initializer; strides and pads equal in height and
  width (SparseSim layers have one stride and one padding), no dilation. Grouped and depthwise
  convolutions keep their groups.
- Gemm with transA = 0 and B an initializer: a linear layer (transB = 1: B is [K, C]; otherwise
  B is [C, K] and is transposed). alpha scales the stored weights; the bias is not a layer.
- MatMul X @ W with W a 2-D initializer: a linear layer over every row of X (a [B, T, C] input
  is B*T rows).
Nodes of other types are not layers and are passed over. A Conv, Gemm or MatMul that cannot be
placed is named on stderr with why and skipped (a MatMul of two activations, a weight computed at
run time), or refused when placing it differently would change the layer (unequal strides or
pads, dilation, 1-D/3-D convolution); refusals exit 1 and write nothing.

The trace is built under a temporary name beside --out and renamed into place; an existing --out
is never overwritten.
"""

import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_trace  # noqa: E402  (its numpy core: layer_record, write_trace)
from sstrace import TraceError  # noqa: E402


class Skip(Exception):
    """A node that is not placed: the message says which and why."""


def _attributes(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _node_label(node, index):
    return f"node {index} '{node.name or '(unnamed)'}' ({node.op_type})"


def _layer_name(node, weight_name, index, taken):
    """A name usable as a file name: the node's name (or its weight's), other characters as '_'."""
    raw = node.name or weight_name or f"{node.op_type.lower()}{index}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-") or f"{node.op_type.lower()}{index}"
    base, i = name, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def _one(values, what, label, default):
    """One value for height and width: the list's entries must agree."""
    values = [int(v) for v in values] if values is not None else []
    if not values:
        return default
    if len(set(values)) != 1:
        noun = {"pads": "padding", "strides": "stride"}.get(what, what)
        fix = ("pad explicitly with a Pad node before the Conv, or export with equal pads" if what == "pads"
               else "export the model with equal strides")
        raise TraceError(f"{label}: {what} {values} are not equal on every side; a SparseSim layer has one "
                         f"{noun}: {fix}")
    return values[0]


def _conv_padding(attrs, label, r, s, h, w, stride):
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("NOTSET", ""):
        return _one(attrs.get("pads"), "pads", label, 0)
    if auto == "VALID":
        return 0
    # SAME_UPPER / SAME_LOWER: output = ceil(input / stride); the total padding must split evenly.
    pads = []
    for size, k in ((h, r), (w, s)):
        out = -(-size // stride)
        total = max(0, (out - 1) * stride + k - size)
        if total % 2:
            raise TraceError(f"{label}: auto_pad {auto} pads {total} on a side of {size}, which does not split "
                             f"evenly; SparseSim layers pad equally on every side")
        pads.append(total // 2)
    return _one(pads, "pads", label, 0)


def plan(model):
    """The layers of `model`, in graph order: [(node, kind, weight initializer name, input value name)].
    Raises TraceError for a node it refuses; returns the skipped nodes' messages beside the plan."""
    inits = {t.name: t for t in model.graph.initializer}
    layers, skipped = [], []
    for index, node in enumerate(model.graph.node):
        label = _node_label(node, index)
        try:
            if node.op_type == "Conv":
                if len(node.input) < 2 or node.input[1] not in inits:
                    raise Skip(f"{label}: its weight is not stored in the model (computed at run time); skipped")
                layers.append((node, "conv", node.input[1], node.input[0], label))
            elif node.op_type == "Gemm":
                attrs = _attributes(node)
                if attrs.get("transA", 0):
                    raise Skip(f"{label}: transA = 1 (the activations transposed) is not a layer SparseSim models; skipped")
                if node.input[1] not in inits:
                    raise Skip(f"{label}: its B operand is not stored in the model; skipped")
                layers.append((node, "gemm", node.input[1], node.input[0], label))
            elif node.op_type == "MatMul":
                if node.input[1] in inits and len(inits[node.input[1]].dims) != 2:
                    raise Skip(f"{label}: its stored operand has {len(inits[node.input[1]].dims)} dimensions, "
                               f"not 2 (a batched MatMul); skipped")
                if node.input[1] in inits:
                    layers.append((node, "matmul", node.input[1], node.input[0], label))
                elif node.input[0] in inits:
                    raise Skip(f"{label}: a stored left operand (W @ X) is not a layer SparseSim models; skipped")
                else:
                    raise Skip(f"{label}: both operands are activations, no stored weight; skipped")
            elif node.op_type in ("ConvTranspose", "ConvInteger", "QLinearConv", "MatMulInteger", "QLinearMatMul"):
                raise Skip(f"{label}: not a layer SparseSim models; skipped")
        except Skip as skip:
            skipped.append(str(skip))
    return layers, skipped


def _input_value(model, batch, rng, given):
    """The feed for the model's one graph input: the given array, or a seeded standard normal."""
    inits = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise TraceError(f"the model has {len(inputs)} graph inputs ({', '.join(i.name for i in inputs)}); "
                         f"onnx_trace.py feeds exactly one")
    info = inputs[0]
    dims = []
    for d in info.type.tensor_type.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else None)
    if given is not None:
        if len(given.shape) != len(dims) or any(d is not None and d != g for d, g in zip(dims, given.shape)):
            raise TraceError(f"--input: shape {list(given.shape)} does not fit the model's input '{info.name}' "
                             f"{['?' if d is None else d for d in dims]}")
        return info.name, given.astype(np.float32)
    if not dims:
        raise TraceError(f"the model's input '{info.name}' has no shape; give --input")
    if any(d is None for d in dims[1:]):
        raise TraceError(f"the model's input '{info.name}' has unknown dimensions {dims}; give --input")
    shape = [batch if dims[0] is None else dims[0]] + dims[1:]
    return info.name, rng.standard_normal(shape).astype(np.float32)


def capture(model, feed_name, feed, layers):
    """Runs onnxruntime once with every layer's input added to the graph's outputs; returns
    {value name: array}."""
    import onnx
    import onnxruntime

    wanted = []
    outputs = {o.name for o in model.graph.output}
    for _, _, _, value, _ in layers:
        if value != feed_name and value not in outputs and value not in wanted:
            wanted.append(value)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for value in wanted:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(value))
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = dict(zip(names, session.run(names, {feed_name: feed})))
    values[feed_name] = feed
    return values


def records(model, values, layers):
    """A torch_trace layer record per planned layer."""
    from onnx import numpy_helper
    inits = {t.name: t for t in model.graph.initializer}
    taken, out = set(), []
    for node, kind, weight_name, value, label in layers:
        w = numpy_helper.to_array(inits[weight_name]).astype(np.float32)
        x = np.asarray(values[value], dtype=np.float32)
        name = _layer_name(node, weight_name, len(out), taken)
        try:
            if kind == "conv":
                if w.ndim != 4 or x.ndim != 4:
                    raise TraceError(f"{label}: a {w.ndim - 2}-D convolution; SparseSim models 2-D convolutions only")
                attrs = _attributes(node)
                if any(d != 1 for d in attrs.get("dilations", [1, 1])):
                    raise TraceError(f"{label}: dilations {list(attrs['dilations'])}; dilated convolutions are not modelled")
                stride = _one(attrs.get("strides"), "strides", label, 1)
                padding = _conv_padding(attrs, label, w.shape[2], w.shape[3], x.shape[2], x.shape[3], stride)
                out.append(torch_trace.layer_record(name, w, None, x, stride=stride, padding=padding,
                                                    groups=int(attrs.get("group", 1))))
            elif kind == "gemm":
                attrs = _attributes(node)
                if w.ndim != 2:
                    raise TraceError(f"{label}: B has {w.ndim} dimensions, not 2")
                k_by_c = w if attrs.get("transB", 0) else w.T
                alpha = np.float32(attrs.get("alpha", 1.0))
                out.append(torch_trace.layer_record(name, k_by_c * alpha, k_by_c != 0, x))
            else:  # matmul: X[..., C] @ W[C, K]
                out.append(torch_trace.layer_record(name, w.T, None, x.reshape(-1, x.shape[-1])))
        except TraceError as exc:
            msg = str(exc)
            raise TraceError(msg if msg.startswith(label) else f"{label}: {msg}") from None
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a SparseSim trace from an ONNX model (needs numpy, onnx, onnxruntime).",
        epilog="examples:\n"
               "  python3 tools/onnx_trace.py resnet18.onnx --input batch.npy --out r18.sstrace\n"
               "  python3 tools/onnx_trace.py net.onnx --batch 2 --seed 7 --out net.sstrace",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", metavar="MODEL.onnx")
    ap.add_argument("--input", metavar="X.npy", help="the input batch (float32, the model input's shape); "
                    "default: a standard normal batch drawn with --seed, labelled random in the trace")
    ap.add_argument("--batch", type=int, default=1, help="batch size of the random input when the model's is symbolic (default 1)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random input (default 0)")
    ap.add_argument("--name", help="the model's name in the trace (default: the file's name)")
    ap.add_argument("--out", required=True, metavar="T.sstrace")
    args = ap.parse_args(argv)
    try:
        import onnx
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnx_trace.py: error: the Python packages onnx and onnxruntime are not installed "
              "(scripts/python-env installs them into .venv/)", file=sys.stderr)
        return 1
    try:
        if args.batch < 1:
            raise TraceError(f"--batch: {args.batch} is not a positive batch size")
        if os.path.exists(args.out):
            raise TraceError(f"{args.out}: exists; not overwriting it")
        try:
            model = onnx.load(args.model)
            onnx.checker.check_model(model)
        except FileNotFoundError:
            raise TraceError(f"{args.model}: no such file") from None
        except Exception as exc:  # onnx's own message names the problem
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TraceError(f"{args.model}: not a valid ONNX model: {first}") from None
        given = None
        if args.input:
            try:
                given = np.load(args.input, allow_pickle=False)
            except Exception as exc:
                raise TraceError(f"{args.input}: cannot read as .npy: {exc}") from None
        layers, skipped = plan(model)
        for line in skipped:
            print(f"onnx_trace.py: warning: {args.model}: {line}", file=sys.stderr)
        if not layers:
            raise TraceError(f"{args.model}: no Conv, Gemm or MatMul with a stored weight; nothing to trace")
        feed_name, feed = _input_value(model, args.batch, np.random.default_rng(args.seed), given)
        try:
            values = capture(model, feed_name, feed, layers)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TraceError(f"{args.model}: onnxruntime could not run the model: {first}") from None
        try:
            recs = records(model, values, layers)
        except TraceError as exc:
            raise TraceError(f"{args.model}: {exc}") from None
        input_shape = list(feed.shape[1:])
        params = {"source": "onnx", "input": os.path.basename(args.input) if args.input else "random",
                  "opset": int(max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0))}
        name = args.name or os.path.splitext(os.path.basename(args.model))[0]
        torch_trace.write_trace(args.out, name, input_shape, recs, method="onnx", parameters=params,
                                seed=None if args.input else args.seed)
        print(f"{args.out}: {len(recs)} layers from {args.model}" + (f" ({len(skipped)} nodes skipped)" if skipped else ""))
        return 0
    except TraceError as exc:
        print(f"onnx_trace.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
