"""Builds the ONNX models the onnx_trace tests run on, with the onnx helper API, and computes in
numpy alone (no onnxruntime) what each traced layer must hold.

    python3 onnx_models.py OUTDIR

Writes into OUTDIR:
  cnn.onnx           Conv (pruned, pad 1) - Relu - grouped Conv (groups 2, stride 2) - Relu -
                     depthwise Conv - Relu - Flatten - Gemm (transB, alpha 0.5, 2:4 weights) - Relu -
                     MatMul (stored [64, 10]) and a MatMul of two activations (skipped)
  input.npy          the batch fed to cnn.onnx (2 x 3 x 8 x 8)
  bad_pads.onnx      a Conv padded [0, 0, 1, 1]: refused
  dilated.onnx       a Conv with dilations [2, 2]: refused
  transpose.onnx     ConvTranspose then Conv: the first skipped, the second traced
  not_a_model.onnx   text
and prints JSON: per layer of cnn.onnx, its SparseSim shape fields, kept weights, the input
batch's sum, absolute sum and non-zero count, computed by numpy's own forward pass.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 13)]


def model(nodes, inputs, outputs, inits, name):
    graph = helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(v, k) for k, v in inits.items()])
    m = helper.make_model(graph, opset_imports=OPSET, producer_name="sparsesim-tests")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def conv(x, w, stride, pad, groups):
    """Reference convolution, one output position at a time (float64)."""
    n, c, h, wd = x.shape
    k, cg, r, s = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    p, q = (h + 2 * pad - r) // stride + 1, (wd + 2 * pad - s) // stride + 1
    out = np.zeros((n, k, p, q))
    per = k // groups
    for o in range(k):
        g = o // per
        for i in range(p):
            for j in range(q):
                patch = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + r, j * stride:j * stride + s]
                out[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3))
    return out


def layer(shape, w, x):
    return {"shape": shape, "kept": int(np.count_nonzero(w)), "input_sum": float(x.sum()),
            "input_abs_sum": float(np.abs(x).sum()), "input_nonzero": int(np.count_nonzero(x)),
            "input_size": int(x.size)}


def main(out):
    rng = np.random.default_rng(11)
    f32 = lambda a: np.asarray(a, dtype=np.float32)  # noqa: E731
    w1 = f32(rng.standard_normal((8, 3, 3, 3)))
    w1[np.abs(w1) < 0.8] = 0                                      # pruned: about 58 % zeros
    b1 = f32(rng.standard_normal(8) * 0.1)
    w2 = f32(rng.standard_normal((8, 4, 3, 3)))
    w2[rng.random(w2.shape) < 0.5] = 0
    w3 = f32(rng.standard_normal((8, 1, 3, 3)))
    fc1 = f32(rng.standard_normal((64, 128)))                     # [K, C]: transB = 1
    for row in fc1:                                               # 2:4 along C: the 2 largest of each 4 kept
        for g in range(0, 128, 4):
            small = np.argsort(np.abs(row[g:g + 4]))[:2]
            row[g + small] = 0
    fc1b = f32(rng.standard_normal(64) * 0.1)
    fc2 = f32(rng.standard_normal((64, 10)))                      # [C, K]
    fc2[np.abs(fc2) < 0.3] = 0

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="features/conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="features/gconv", pads=[1, 1, 1, 1], strides=[2, 2], group=2),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", "w3"], ["c3"], name="features/dw", pads=[1, 1, 1, 1], group=8),
        helper.make_node("Relu", ["c3"], ["r3"], name="relu3"),
        helper.make_node("Flatten", ["r3"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc1", "fc1b"], ["g1"], name="classifier/fc1", transB=1, alpha=0.5),
        helper.make_node("Relu", ["g1"], ["r4"], name="relu4"),
        helper.make_node("MatMul", ["r4", "fc2"], ["logits"], name="classifier/fc2"),
        helper.make_node("Transpose", ["logits"], ["logits_t"], name="transpose"),
        helper.make_node("MatMul", ["logits", "logits_t"], ["gram"], name="gram"),
    ]
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])
    outs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10]),
            helper.make_tensor_value_info("gram", TensorProto.FLOAT, ["batch", "batch"])]
    inits = {"w1": w1, "b1": b1, "w2": w2, "w3": w3, "fc1": fc1, "fc1b": fc1b, "fc2": fc2}
    onnx.save(model(nodes, [x_info], outs, inits, "cnn"), os.path.join(out, "cnn.onnx"))

    x = f32(rng.standard_normal((2, 3, 8, 8)))
    np.save(os.path.join(out, "input.npy"), x)

    # numpy's forward pass (float64), the inputs each layer sees
    a1 = x.astype(np.float64)
    a2 = np.maximum(conv(a1, w1, 1, 1, 1) + b1[None, :, None, None], 0)
    a3 = np.maximum(conv(a2, w2, 2, 1, 2), 0)
    a4 = np.maximum(conv(a3, w3, 1, 1, 8), 0).reshape(2, -1)
    a5 = np.maximum(0.5 * a4 @ fc1.T + fc1b, 0)
    # name, kind, N K C R S H W P Q stride padding groups
    expected = {
        "features_conv1": layer([2, 8, 3, 3, 3, 8, 8, 8, 8, 1, 1, 1], w1, a1),
        "features_gconv": layer([2, 8, 8, 3, 3, 8, 8, 4, 4, 2, 1, 2], w2, a2),
        "features_dw": layer([2, 8, 8, 3, 3, 4, 4, 4, 4, 1, 1, 8], w3, a3),
        "classifier_fc1": layer([2, 64, 128, 1, 1, 1, 1, 1, 1, 1, 0, 1], fc1, a4),
        "classifier_fc2": layer([2, 10, 64, 1, 1, 1, 1, 1, 1, 1, 0, 1], fc2, a5),
    }
    expected["features_dw"]["kind"] = "depthwise"
    expected["classifier_fc1"]["weight_sum"] = float((0.5 * fc1.astype(np.float64)).sum())

    def single_conv(name, out_size, **attrs):
        w = f32(rng.standard_normal((4, 3, 3, 3)))
        nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)]
        return model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, out_size, out_size])], {"w": w}, name)

    onnx.save(single_conv("bad_pads", 7, pads=[0, 0, 1, 1]), os.path.join(out, "bad_pads.onnx"))
    onnx.save(single_conv("dilated", 4, dilations=[2, 2]), os.path.join(out, "dilated.onnx"))
    wt = f32(rng.standard_normal((3, 4, 2, 2)))
    wc = f32(rng.standard_normal((5, 4, 3, 3)))
    nodes = [helper.make_node("ConvTranspose", ["x", "wt"], ["u"], name="up", strides=[2, 2]),
             helper.make_node("Conv", ["u", "wc"], ["y"], name="after", pads=[1, 1, 1, 1])]
    onnx.save(model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, 8, 8])], {"wt": wt, "wc": wc}, "transpose"),
              os.path.join(out, "transpose.onnx"))
    with open(os.path.join(out, "not_a_model.onnx"), "w") as f:
        f.write("this is not a protobuf\n")
    print(json.dumps(expected, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
