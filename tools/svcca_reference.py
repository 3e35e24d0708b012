#!/usr/bin/env python3
"""SVCCA between two traces' recorded activations, computed independently of SparseSim with
numpy's SVD and QR (Raghu et al. 2017): the reference `sparsesim analyze svcca` is tested against.

For each layer with recorded input activations in the last snapshot of both traces: neurons are
the channels (over samples x positions) or features (over samples); each neuron is centred;
the top singular directions explaining VARIANCE of the variance are kept (numpy.linalg.svd);
the canonical correlations are the singular values of Qa^T Qb, Qa and Qb orthonormal bases
(numpy.linalg.qr) of the reduced data. Prints JSON: {layer: {"kept_a", "kept_b", "mean"}}.

Usage: svcca_reference.py TRACE_A TRACE_B [VARIANCE]
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sstrace  # noqa: E402


def neurons_by_points(a):
    a = a.astype(np.float64)
    if a.ndim == 4:  # [N, C, H, W] -> C x (N*H*W)
        return a.transpose(1, 0, 2, 3).reshape(a.shape[1], -1)
    return a.T  # [N, C] -> C x N


def reduce(x, variance):
    x = x - x.mean(axis=1, keepdims=True)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    energy = s ** 2
    usable = energy > 1e-12 * energy[0]
    energy, s, vt = energy[usable], s[usable], vt[usable]
    k = int(np.searchsorted(np.cumsum(energy), variance * energy.sum() * (1 - 1e-12)) + 1)
    k = min(k, len(s))
    return (s[:k, None] * vt[:k]).T  # points x k


def svcca(x, y, variance):
    rx, ry = reduce(x, variance), reduce(y, variance)
    qx, _ = np.linalg.qr(rx)
    qy, _ = np.linalg.qr(ry)
    rho = np.clip(np.linalg.svd(qx.T @ qy, compute_uv=False), 0, 1)
    return rx.shape[1], ry.shape[1], float(rho.mean())


def main(argv):
    a, b = sstrace.load(argv[1]), sstrace.load(argv[2])
    variance = float(argv[3]) if len(argv) > 3 else 0.99
    la, lb = a["snapshots"][-1]["layers"], b["snapshots"][-1]["layers"]
    out = {}
    for layer in a["manifest"]["model"]["layers"]:
        name = layer["name"]
        if la.get(name, {}).get("input_activations") is None or lb.get(name, {}).get("input_activations") is None:
            continue
        ka, kb, mean = svcca(neurons_by_points(la[name]["input_activations"]), neurons_by_points(lb[name]["input_activations"]), variance)
        out[name] = {"kept_a": ka, "kept_b": kb, "mean": mean}
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
