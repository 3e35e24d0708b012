# SparseSim: the two commands the README promises, plus the benchmarks.
#   make test   set up the machine, build, run every test (debug, then release)
#   make demo   set up the machine, build in release, run the main job
#   make bench  release benchmarks for Docs/performance.md
#   make bench-reference  training speed against PyTorch on this CPU, alternately in one run (.venv-interop/)
#   make test-interop  the exporters against real PyTorch and torchvision (.venv-interop/, ~4 GB)
#   make fuzz   every libFuzzer target for FUZZ_TIME seconds (Docs/reliability.md)
SWIFT ?= swift
RELEASE_BIN := .build/release/sparsesim
DEMO_EPOCHS ?= 3
DEMO_THREADS ?= 2
DEMO_SEEDS ?= 0,1,2
FUZZ_TIME ?= 30

.PHONY: all bootstrap build release test test-interop demo bench bench-reference fuzz clean schema

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

# Every test runs twice: in a debug build (assertions, the development configuration) and in
# an optimized one (what ships, and the tests too slow for debug code, which skip themselves
# there: SynFlow's 100 rounds over VGG-16).
test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --disable-xctest
	@echo "== release phase: the same tests in an optimized build"
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c release -Xswiftc -enable-testing --disable-xctest --skip-build

# tools/torch_trace.py against the real torch and torchvision from PyPI (too large for make test
# and CI): the tests that need them run with .venv-interop's Python and fail if it cannot import them.
test-interop: bootstrap
	scripts/python-env --interop
	$(SWIFT) build --build-tests
	SPARSESIM_PYTHON=$(CURDIR)/.venv-interop/bin/python3 SPARSESIM_REQUIRE_TORCH=1 $(SWIFT) test --disable-xctest --skip-build \
		--filter 'TorchInteropTests|TorchTraceTests|ONNXTraceTests|InteropTests'

# SparseSim against PyTorch (installed from PyPI into .venv-interop/), the same models and batches,
# alternately in one run; not part of make test or CI. BENCH_ROUNDS alternating rounds.
BENCH_ROUNDS ?= 3
bench-reference: release
	scripts/python-env --interop
	.venv-interop/bin/python3 tools/bench_reference.py --sparsesim $(RELEASE_BIN) --rounds $(BENCH_ROUNDS) --json bench-reference.json

# OpenBLAS fixes its kernels when it loads, so OPENBLAS_CORETYPE is unset before the process
# starts: the demo and the benchmarks show this CPU's real speed. Tests keep the environment.
demo: release
	@echo "== sparsesim env  (OPENBLAS_CORETYPE unset: OpenBLAS picks the best kernels for this CPU)"
	@env -u OPENBLAS_CORETYPE $(RELEASE_BIN) env | sed -n '1,4p'
	@echo
	@echo "== sparsesim spec validate HardwareSpecs/*.xml"
	@$(RELEASE_BIN) spec validate HardwareSpecs/*.xml
	@echo
	@echo "== sparsesim study structure: LeNet-5 on Fashion-MNIST, dense and RigL at 90 % (unstructured, 2:4),"
	@echo "   $(DEMO_EPOCHS) epochs each, seeds $(DEMO_SEEDS) (accuracy as mean ± std), traced and simulated on the"
	@echo "   systolic, SCNN, 2:4 and ESCALATE presets"
	@echo "   (a re-run reuses the runs in demo/; remove demo/ to train again)"
	@env -u OPENBLAS_CORETYPE $(RELEASE_BIN) study structure --model lenet5 --dataset fashion-mnist \
		--methods rigl --structures unstructured,nm:2:4 --sparsity 0.9 --epochs $(DEMO_EPOCHS) --seeds $(DEMO_SEEDS) --threads $(DEMO_THREADS) \
		--hw HardwareSpecs/systolic-ws.xml --hw HardwareSpecs/scnn.xml --hw HardwareSpecs/stc-2to4.xml --hw HardwareSpecs/escalate.xml \
		--out demo
	@echo
	@echo "== open demo/report.html in a browser: the comparison, per-layer speedup, energy, DRAM traffic and mask images"

bench: release
	@echo "== sgemm with OPENBLAS_CORETYPE unset (the kernels OpenBLAS picks for this CPU)"
	@env -u OPENBLAS_CORETYPE $(RELEASE_BIN) bench blas --sizes 512,2048 --threads 1,2
	@echo
	@echo "== sgemm with OPENBLAS_CORETYPE=Haswell (the AVX2 kernels this workplace pins by default)"
	@env OPENBLAS_CORETYPE=Haswell $(RELEASE_BIN) bench blas --sizes 512,2048 --threads 1,2
	@echo
	@echo "== training throughput (batch 128, real Fashion-MNIST)"
	@env -u OPENBLAS_CORETYPE $(RELEASE_BIN) bench train --models mlp,lenet5,vgg-small --threads 1,2
	@echo
	@echo "== SynFlow's 100 rounds on ImageNet-shape networks vs bare network passes"
	@env -u OPENBLAS_CORETYPE $(RELEASE_BIN) bench prune --models resnet18,resnet50 --threads 1,2
	@echo
	@echo "== whole-network simulation time per spec"
	@$(RELEASE_BIN) bench simulate HardwareSpecs/systolic-ws.xml HardwareSpecs/systolic-os.xml HardwareSpecs/systolic-is.xml HardwareSpecs/tpu-v1-like.xml HardwareSpecs/eyeriss-v1.xml

fuzz: bootstrap
	scripts/fuzz --time $(FUZZ_TIME)

clean:
	rm -rf .build Fuzz/.build

# Regenerate the schema compiled into Sim after editing HardwareSpecs/accelerator.xsd.
schema:
	scripts/embed-schema
