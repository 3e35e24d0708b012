#!/usr/bin/env python3
"""Read, check and write SparseSim traces with numpy alone.

A trace is a directory NAME.sstrace/ holding manifest.json and .npy tensors
(see Docs/trace-format.md). This module needs only the standard library and numpy.

    import sstrace
    t = sstrace.load("run.sstrace")
    w = t["snapshots"][-1]["layers"]["fc1"]["weights"]        # numpy float32 array
    m = t["snapshots"][-1]["layers"]["fc1"]["weight_mask"]    # numpy bool array

Command line:
    python3 tools/sstrace.py --check run.sstrace           # verify; exit 1 on any problem
    python3 tools/sstrace.py --check run.sstrace --json    # also print per-layer statistics
    python3 tools/sstrace.py --example out.sstrace --seed 7  # write a small example trace
    python3 tools/sstrace.py --check run.sstrace --nm 2:4  # every sparse mask keeps 2 of each 4
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

FORMAT = "sparsesim-trace"
VERSION = 1
DENSITY_TOLERANCE = 1e-6
VERSION_STRING = "0.1.0"


class TraceError(Exception):
    """A problem with a trace, as 'file:where: message'."""


# ---------------------------------------------------------------------------
# Shapes

# A matmul layer (attention's Q·Kᵀ and P·V) multiplies two activations per sample, one GEMM per
# head (groups): its input is [N, heads, rows, reduction], its "weights" the second operand of
# every sample, [N, heads, columns, reduction], its output [N, heads, rows, columns].

def weight_shape(layer):
    g = layer["groups"]
    if layer["kind"] == "linear":
        return [layer["k"], layer["c"]]
    if layer["kind"] == "matmul":
        return [layer["n"], g, layer["k"] // g, layer["c"] // g]
    return [layer["k"], layer["c"] // g, layer["r"], layer["s"]]


def input_shape(layer):
    if layer["kind"] == "linear":
        return [layer["n"], layer["c"]]
    if layer["kind"] == "matmul":
        return [layer["n"], layer["groups"], layer["p"], layer["c"] // layer["groups"]]
    return [layer["n"], layer["c"], layer["h"], layer["w"]]


def output_shape(layer):
    if layer["kind"] == "linear":
        return [layer["n"], layer["k"]]
    if layer["kind"] == "matmul":
        return [layer["n"], layer["groups"], layer["p"], layer["k"] // layer["groups"]]
    return [layer["n"], layer["k"], layer["p"], layer["q"]]


def kept_fraction(values, threshold=None):
    """Share of non-zero values, or with a positive threshold of values with |x| >= threshold
    (a layer's input_threshold: attention probabilities counted as effectively zero below it)."""
    if values.size == 0:
        return 0.0
    if threshold:
        return float(np.count_nonzero(np.abs(values) >= np.float32(threshold))) / values.size
    return float(np.count_nonzero(values)) / values.size


def conv_shape(name, n, k, c, r, h, stride=1, padding=0, groups=1):
    p = (h + 2 * padding - r) // stride + 1
    return {"name": name, "kind": "conv", "n": n, "k": k, "c": c, "r": r, "s": r, "h": h, "w": h,
            "p": p, "q": p, "stride": stride, "padding": padding, "groups": groups}


def linear_shape(name, n, k, c):
    return {"name": name, "kind": "linear", "n": n, "k": k, "c": c, "r": 1, "s": 1, "h": 1, "w": 1,
            "p": 1, "q": 1, "stride": 1, "padding": 0, "groups": 1}


# ---------------------------------------------------------------------------
# Reading

def _resolve(root, rel, where):
    """Full path of a tensor path, refusing anything that leaves the trace directory."""
    if not isinstance(rel, str) or not rel:
        raise TraceError(f"{where}: empty or non-string path")
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "" in parts or "." in parts or "\\" in rel:
        raise TraceError(f"{where}: path '{rel}' is not a plain relative path inside the trace")
    full = os.path.join(root, rel)
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    if not real.startswith(real_root + os.sep):
        raise TraceError(f"{where}: '{rel}' resolves outside the trace directory")
    if not os.path.isfile(real):
        raise TraceError(f"{where}: '{rel}' does not exist or is not a file")
    return full


def _load_npy(path, dtype, shape, what):
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # numpy's own message names the problem
        raise TraceError(f"{path}: cannot read: {exc}") from exc
    if arr.dtype != np.dtype(dtype):
        raise TraceError(f"{path}: {what} must be {dtype}, found {arr.dtype.str}")
    if list(arr.shape) != list(shape):
        raise TraceError(f"{path}: {what} must have shape {list(shape)}, found {list(arr.shape)}")
    return arr


def load(path):
    """Loads and checks a trace: a dict with 'manifest' and 'snapshots'.

    snapshots[i] = {"step", "epoch", "metrics", "layers": {name: {"kind", "weights", "weight_mask",
    "input_activations" (or None), "output_activations" (or None), "weight_density", "activation_density",
    "input_threshold" (or None), "backward_activation_density" (SWAT, or None)}}}
    A matmul layer's "weights" are its second operand (keys or values per head), not weights.
    Raises TraceError on any inconsistency.
    """
    mpath = os.path.join(path, "manifest.json")
    try:
        with open(mpath, "rb") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise TraceError(f"{mpath}: missing manifest") from None
    except json.JSONDecodeError as exc:
        raise TraceError(f"{mpath}:line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if manifest.get("format") != FORMAT:
        raise TraceError(f"{mpath}:format: expected '{FORMAT}'")
    if manifest.get("version") != VERSION:
        raise TraceError(f"{mpath}:version: unsupported version {manifest.get('version')}")
    shapes = {l["name"]: l for l in manifest["model"]["layers"]}
    snapshots = []
    for si, snap in enumerate(manifest["snapshots"]):
        layers = {}
        for li, entry in enumerate(snap["layers"]):
            where = f"{mpath}:snapshots[{si}].layers[{li}]"
            shape = shapes.get(entry["name"])
            if shape is None:
                raise TraceError(f"{where}.name: layer '{entry['name']}' is not in the model")
            w = _load_npy(_resolve(path, entry["weights"], where + ".weights"), "<f4", weight_shape(shape), "weights")
            m = _load_npy(_resolve(path, entry["weight_mask"], where + ".weight_mask"), "|b1", weight_shape(shape), "weight_mask")
            mask_density = float(m.mean()) if m.size else 0.0
            if abs(mask_density - entry["weight_density"]) > DENSITY_TOLERANCE:
                raise TraceError(f"{where}.weight_density: recorded {entry['weight_density']}, mask has {mask_density}")
            a = None
            if entry.get("input_activations") is not None:
                a = _load_npy(_resolve(path, entry["input_activations"], where + ".input_activations"), "<f4",
                              input_shape(shape), "input_activations")
                actual = kept_fraction(a, entry.get("input_threshold"))
                if entry.get("activation_density") is None or abs(actual - entry["activation_density"]) > DENSITY_TOLERANCE:
                    raise TraceError(f"{where}.activation_density: recorded {entry.get('activation_density')}, activations have {actual}")
            o = None
            if entry.get("output_activations") is not None:
                o = _load_npy(_resolve(path, entry["output_activations"], where + ".output_activations"), "<f4",
                              output_shape(shape), "output_activations")
            layers[entry["name"]] = {"weights": w, "weight_mask": m, "input_activations": a, "output_activations": o,
                                     "weight_density": entry["weight_density"],
                                     "activation_density": entry.get("activation_density"),
                                     "input_threshold": entry.get("input_threshold"),
                                     "kind": shape["kind"],
                                     "backward_activation_density": entry.get("backward_activation_density")}
        snapshots.append({"step": snap["step"], "epoch": snap["epoch"], "metrics": snap.get("metrics", {}),
                          "layers": layers})
    return {"manifest": manifest, "snapshots": snapshots}


def statistics(trace):
    """Per snapshot and layer: sums, counts and densities computed by numpy (float64)."""
    out = []
    for snap in trace["snapshots"]:
        layers = {}
        for name, t in snap["layers"].items():
            w, m, a = t["weights"], t["weight_mask"], t["input_activations"]
            s = {"weight_shape": list(w.shape), "weight_sum": float(w.astype(np.float64).sum()),
                 "weight_abs_sum": float(np.abs(w.astype(np.float64)).sum()),
                 "weight_first": float(w.flat[0]) if w.size else None,
                 "weight_last": float(w.flat[-1]) if w.size else None,
                 "mask_popcount": int(m.sum()), "mask_density": float(m.mean()) if m.size else 0.0,
                 "masked_weight_sum": float((w.astype(np.float64) * m).sum())}
            if a is not None:
                s.update({"input_shape": list(a.shape), "activation_sum": float(a.astype(np.float64).sum()),
                          "activation_nonzero": int(np.count_nonzero(a))})
            layers[name] = s
        out.append({"step": snap["step"], "layers": layers})
    return out


def nm_report(trace, n, m, skip_dense=True):
    """Checks an N:M pattern on every snapshot's masks: each run of m consecutive weights along
    a row of the K x (C*R*S) matrix keeps exactly n (a row's last, shorter run min(n, length)).

    Layers whose masks are all true (kept dense) are skipped when skip_dense. Returns
    {"groups": checked, "violations": [(step, layer, row, start, kept)], "layers": [names]}.
    """
    groups, violations, names = 0, [], set()
    for snap in trace["snapshots"]:
        for name, t in snap["layers"].items():
            mask = t["weight_mask"]
            if t.get("kind") == "matmul":
                continue  # its "weights" are activations (keys, values)
            if skip_dense and mask.all():
                continue
            names.add(name)
            rows = mask.reshape(mask.shape[0], -1)
            length = rows.shape[1]
            for start in range(0, length, m):
                kept = rows[:, start:start + m].sum(axis=1)
                want = min(n, min(m, length - start))
                groups += rows.shape[0]
                for row in np.nonzero(kept != want)[0]:
                    violations.append((snap["step"], name, int(row), start, int(kept[row])))
    return {"groups": groups, "violations": violations, "layers": sorted(names)}


# ---------------------------------------------------------------------------
# Writing (for numpy/PyTorch users and for test fixtures)

def _atomic_write_bytes(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _atomic_save_npy(path, array):
    import io
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    _atomic_write_bytes(path, buf.getvalue())


class TraceWriter:
    """Writes a trace incrementally: tensors first, then the manifest, each atomically."""

    def __init__(self, path, model_name, model_input_shape, layers, method, params=None, seed=None):
        if os.path.exists(path) and os.listdir(path):
            raise TraceError(f"{path}: exists and is not empty; not overwriting it")
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.shapes = {l["name"]: l for l in layers}
        created = os.environ.get("SOURCE_DATE_EPOCH")
        created = int(created) if created else int(time.time())
        self.manifest = {
            "format": FORMAT, "version": VERSION,
            "provenance": {"tool": "sstrace.py", "tool_version": VERSION_STRING, "git_commit": None,
                           "command_line": sys.argv, "seed": seed, "threads": None, "dataset": None,
                           "blas_core": None,
                           "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))},
            "model": {"name": model_name, "input_shape": list(model_input_shape), "layers": layers},
            "method": {"name": method, "parameters": params or {}},
            "snapshots": [],
        }
        self._write_manifest()

    def _write_manifest(self):
        text = json.dumps(self.manifest, indent=2, sort_keys=True) + "\n"
        _atomic_write_bytes(os.path.join(self.path, "manifest.json"), text.encode())

    def append(self, step, epoch, metrics, tensors):
        """tensors: {layer name: (weights float32, mask bool, input activations float32 or None)}"""
        d = "snapshots/step-%08d" % step
        os.makedirs(os.path.join(self.path, d), exist_ok=True)
        entries = []
        for name, (w, m, a) in tensors.items():
            shape = self.shapes[name]
            w = np.asarray(w, dtype="<f4").reshape(weight_shape(shape))
            m = np.asarray(m, dtype=bool).reshape(weight_shape(shape))
            entry = {"name": name, "weights": f"{d}/{name}.weights.npy", "weight_mask": f"{d}/{name}.mask.npy",
                     "weight_density": float(m.mean()) if m.size else 0.0,
                     "input_activations": None, "activation_density": None}
            _atomic_save_npy(os.path.join(self.path, entry["weights"]), w)
            _atomic_save_npy(os.path.join(self.path, entry["weight_mask"]), m)
            if a is not None:
                a = np.asarray(a, dtype="<f4").reshape(input_shape(shape))
                entry["input_activations"] = f"{d}/{name}.inputs.npy"
                entry["activation_density"] = float(np.count_nonzero(a)) / a.size if a.size else 0.0
                _atomic_save_npy(os.path.join(self.path, entry["input_activations"]), a)
            entries.append(entry)
        self.manifest["snapshots"].append({"step": step, "epoch": epoch, "metrics": metrics, "layers": entries})
        self._write_manifest()


def write_example(path, seed=7):
    """A small CNN trace: 3 snapshots whose masks keep the largest weights at falling density."""
    rng = np.random.default_rng(seed)
    n = 2
    layers = [conv_shape("conv1", n, 4, 1, 3, 8, padding=1),
              conv_shape("conv2", n, 8, 4, 3, 8, stride=2, padding=1),
              linear_shape("fc", n, 10, 128)]
    writer = TraceWriter(path, "tiny-cnn", [1, 8, 8], layers, "magnitude",
                         {"sparsity": 0.75, "schedule": "linear", "first_layer_dense": True}, seed=seed)
    weights = {l["name"]: rng.standard_normal(weight_shape(l)).astype(np.float32) for l in layers}
    inputs = {l["name"]: np.maximum(rng.standard_normal(input_shape(l)), 0).astype(np.float32) for l in layers}
    for i, (step, density) in enumerate([(0, 1.0), (50, 0.5), (100, 0.25)]):
        tensors = {}
        for l in layers:
            w = weights[l["name"]] * np.float32(1.0 - 0.1 * i)
            keep = w.size if l["name"] == "conv1" else int(round(density * w.size))
            order = np.argsort(-np.abs(w).ravel(), kind="stable")
            m = np.zeros(w.size, dtype=bool)
            m[order[:keep]] = True
            tensors[l["name"]] = (w, m.reshape(w.shape), inputs[l["name"]])
        writer.append(step, i, {"loss": 2.3 / (i + 1), "accuracy": 0.1 + 0.3 * i}, tensors)


# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description="Check or write SparseSim traces with numpy.")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", metavar="PATH", help="load and verify a trace; exit 1 on any problem")
    g.add_argument("--example", metavar="PATH", help="write a small example trace")
    ap.add_argument("--json", action="store_true", help="with --check: print per-layer statistics as JSON")
    ap.add_argument("--seed", type=int, default=7, help="with --example: random seed (default 7)")
    ap.add_argument("--nm", metavar="N:M", help="with --check: verify every sparse mask is N:M; exit 1 otherwise")
    args = ap.parse_args(argv)
    try:
        if args.example:
            write_example(args.example, args.seed)
            return 0
        trace = load(args.check)
        if args.nm:
            try:
                n, m = (int(v) for v in args.nm.split(":"))
                if not 1 <= n <= m:
                    raise ValueError
            except ValueError:
                raise TraceError(f"--nm: expected N:M with 1 <= N <= M, got '{args.nm}'") from None
            report = nm_report(trace, n, m)
            if not report["layers"]:
                raise TraceError(f"{args.check}: no sparse layer to check for {n}:{m}")
            if report["violations"]:
                step, name, row, start, kept = report["violations"][0]
                raise TraceError(f"{args.check}:step {step}.{name}: row {row}, weights {start}..{start + m - 1} keep "
                                 f"{kept}, not {n} ({len(report['violations'])} groups violate {n}:{m})")
            print(f"{args.check}: {n}:{m} ok ({report['groups']} groups in {', '.join(report['layers'])})")
            return 0
        if args.json:
            print(json.dumps(statistics(trace), indent=1, sort_keys=True))
        else:
            n = sum(len(s["layers"]) for s in trace["snapshots"])
            print(f"{args.check}: ok ({len(trace['snapshots'])} snapshots, {n} layer records)")
        return 0
    except TraceError as exc:
        print(f"sstrace.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
