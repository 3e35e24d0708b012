#!/usr/bin/env python3
"""Training throughput of SparseSim against PyTorch on this CPU, measured alternately in one run
(`make bench-reference`; needs torch, which `scripts/python-env --interop` installs).

Both sides train the same models (mlp, lenet5, vgg-small with BatchNorm, resnet20 with padded
shortcuts) on the same Fashion-MNIST batches (the first batch * steps training images, batch 128),
forward + backward + SGD (lr 0.05, momentum 0.9, weight decay 5e-4), after warm-up steps. Each
round runs every (model, threads) pair once on each side, SparseSim first, each in its own
process; the table gives the median over the rounds of samples/s and the ratio. Sparse rows:
SparseSim's RigL and SWAT-U at 90 % and RigL 2:4 against PyTorch's dense (PyTorch masks train at
its dense speed) and against SparseSim's dense.

    python3 tools/bench_reference.py --sparsesim .build/release/sparsesim [--models ...] [--threads 1,2]
        [--rounds 3] [--steps 20] [--json out.json]

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from SparseSim's environment (OpenBLAS reads
them at load time), so each side uses the best kernels it finds; the table names them.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MODELS = ["mlp", "lenet5", "vgg-small", "resnet20"]
DATA = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
LABELS = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"


# ---------------------------------------------------------------------------
# The PyTorch side (run in its own process: --torch-worker)

def torch_model(name):
    import torch.nn as nn

    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, 10))
    if name == "vgg-small":
        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]
        return nn.Sequential(*block(1, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, 10))
    if name == "resnet20":
        import torch
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, cin, cout, stride):
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(cout)
                self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(cout)
                self.stride, self.pad = stride, cout - cin

            def forward(self, x):
                y = F.relu(self.bn1(self.conv1(x)))
                y = self.bn2(self.conv2(y))
                s = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
                if self.pad:
                    s = F.pad(s, (0, 0, 0, 0, 0, self.pad))  # option A: zero channels
                return F.relu(y + s)

        layers = [nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
        cin = 16
        for stage in range(3):
            width = 16 << stage
            for b in range(3):
                layers.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
        return nn.Sequential(*layers)
    raise SystemExit(f"bench_reference.py: error: unknown model '{name}' (known: {', '.join(MODELS)})")


def fashion_mnist(count):
    import gzip

    import numpy as np
    with gzip.open(DATA, "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: count * 784].reshape(count, 1, 28, 28)
    with gzip.open(LABELS, "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:count].astype(np.int64)
    return (images.astype(np.float32) / 255 - 0.2860) / 0.3530, labels


def torch_worker(args):
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = torch_model(args.model)
    model.train()
    x, y = fashion_mnist(args.batch * args.steps)
    x, y = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()

    def steps(n):
        start = time.perf_counter()
        for s in range(n):
            b = s % args.steps
            xb, yb = x[b * args.batch:(b + 1) * args.batch], y[b * args.batch:(b + 1) * args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    steps(args.warmup)
    rates = [args.steps * args.batch / steps(args.steps) for _ in range(args.repetitions)]
    config = torch.__config__.show()
    onednn = next((line.strip() for line in config.splitlines() if "oneDNN" in line or "MKL-DNN" in line), "oneDNN: ?")
    capability = next((line.strip() for line in config.splitlines() if "CPU capability" in line), "")
    print(json.dumps({"samples_per_second": statistics.median(rates), "torch": torch.__version__,
                      "kernels": f"{onednn}; {capability}".strip("; ")}))


# ---------------------------------------------------------------------------
# The driver

def run_sparsesim(binary, model, threads, steps, repetitions, methods, sparsity=0.9, structure="unstructured",
                  convolutions="auto"):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    cmd = [binary, "bench", "train", "--models", model, "--threads", str(threads), "--methods", methods,
           "--steps", str(steps), "--repetitions", str(repetitions), "--convolutions", convolutions, "--format", "json"]
    if methods != "dense":
        cmd += ["--sparsity", str(sparsity), "--structure", structure]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench_reference.py: error: {' '.join(cmd)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def run_torch(model, threads, steps, reps):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", "--model", model, "--threads", str(threads),
           "--steps", str(steps), "--repetitions", str(reps)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench_reference.py: error: the PyTorch worker failed on {model}: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description="SparseSim against PyTorch, training throughput, alternately in one run.",
                                 epilog="example:\n  python3 tools/bench_reference.py --sparsesim .build/release/sparsesim "
                                        "--models vgg-small --threads 1,2 --rounds 3",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sparsesim", default=".build/release/sparsesim", help="the release binary")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the medians are over them")
    ap.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    ap.add_argument("--repetitions", type=int, default=1, help="timed repetitions per process (median)")
    ap.add_argument("--convolutions", default="auto", help="SparseSim's --convolutions (auto, onednn, im2col)")
    ap.add_argument("--sparse", default="vgg-small", help="models whose sparse methods are also measured ('' for none)")
    ap.add_argument("--json", help="also write every measurement here")
    # the worker
    ap.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--batch", type=int, default=128, help=argparse.SUPPRESS)
    ap.add_argument("--warmup", type=int, default=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.torch_worker:
        args.threads = int(args.threads)
        torch_worker(args)
        return 0
    models = [m for m in args.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            ap.error(f"--models: unknown model '{m}' (known: {', '.join(MODELS)})")
    threads = [int(t) for t in args.threads.split(",")]
    sparse_models = [m for m in args.sparse.split(",") if m]
    if not os.access(args.sparsesim, os.X_OK):
        ap.error(f"--sparsesim: {args.sparsesim} is not an executable (make release builds it)")
    rows = {}   # (model, threads, what) -> [samples/s]
    kernels = {}
    for r in range(args.rounds):
        for model in models:
            for t in threads:
                print(f"round {r + 1}/{args.rounds}: {model}, {t} thread{'s' if t > 1 else ''}", file=sys.stderr)
                for res in run_sparsesim(args.sparsesim, model, t, args.steps, args.repetitions, "dense",
                                         convolutions=args.convolutions):
                    rows.setdefault((model, t, "sparsesim dense"), []).append(res["samples_per_second"])
                    kernels["sparsesim"] = f"OpenBLAS {res['blas_core']}, convolutions {res['convolutions']}"
                if model in sparse_models:
                    for method, structure, label in (("rigl", "unstructured", "rigl 90%"), ("swat-u", "unstructured", "swat-u 90%"),
                                                     ("rigl", "nm:2:4", "rigl nm:2:4")):
                        sparsity = 0.5 if structure == "nm:2:4" else 0.9
                        for res in run_sparsesim(args.sparsesim, model, t, args.steps, args.repetitions, method, sparsity,
                                                 structure, args.convolutions):
                            rows.setdefault((model, t, f"sparsesim {label}"), []).append(res["samples_per_second"])
                pt = run_torch(model, t, args.steps, args.repetitions)
                rows.setdefault((model, t, "pytorch dense"), []).append(pt["samples_per_second"])
                kernels["pytorch"] = f"torch {pt['torch']}, {pt['kernels']}"
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"SparseSim: {kernels.get('sparsesim')}; PyTorch: {kernels.get('pytorch')}; "
          f"batch 128, {args.steps} steps a measurement, median of {args.rounds} alternating rounds")
    print(f"{'model':<10} {'threads':>7} {'what':<22} {'samples/s':>10} {'x PyTorch dense':>16} {'x SparseSim dense':>18}")
    for model in models:
        for t in threads:
            pt = med[(model, t, "pytorch dense")]
            dense = med[(model, t, "sparsesim dense")]
            for what in ["pytorch dense", "sparsesim dense", "sparsesim rigl 90%", "sparsesim swat-u 90%", "sparsesim rigl nm:2:4"]:
                if (model, t, what) not in med:
                    continue
                v = med[(model, t, what)]
                print(f"{model:<10} {t:>7} {what:<22} {v:>10.0f} {v / pt:>16.2f} {v / dense:>18.2f}")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"kernels": kernels, "rounds": args.rounds, "steps": args.steps,
                       "measurements": [{"model": m, "threads": t, "what": w, "samples_per_second": v}
                                        for (m, t, w), v in rows.items()]}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
