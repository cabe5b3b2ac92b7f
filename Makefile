# trigc developer and user entry points.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?= -n 2

.PHONY: install test test-fast demo data lint format clean

install:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; trigc needs Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,data]'
	@# HGQ2 (hgq2 + quantizers + da4ml) and HGQ v1 cannot share this environment (hgq2 ships its
	@# own top-level qkeras; HGQ v1 needs Keras 2): each goes into a folder of the venv, without
	@# dependencies, and runs on this environment's TensorFlow (trigc/quantize/hgq_env.py).
	$(BIN)/pip install --quiet --no-deps --upgrade --target $(VENV)/hgq2 hgq2==0.2.0 quantizers==1.2.2 da4ml==0.6.0
	$(BIN)/pip install --quiet --no-deps --upgrade --target $(VENV)/hgq1 hgq==0.2.6
	@# Icarus Verilog, Chromium (to check report.html renders), clang (the emulator is also
	@# compiled with it), GHDL (the EMP payload shim) and tclsh (the vendor scripts' recorded-call
	@# tests) have no PyPI wheels:
	@# install them from Debian when we can.
	@missing=""; command -v iverilog >/dev/null 2>&1 || missing="$$missing iverilog"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v clang++ >/dev/null 2>&1 || missing="$$missing clang"; \
	command -v ghdl >/dev/null 2>&1 || missing="$$missing ghdl"; \
	command -v tclsh >/dev/null 2>&1 || missing="$$missing tcl"; \
	if [ -z "$$missing" ]; then echo "iverilog, chromium, clang, ghdl, tclsh: installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "warning: could not install$$missing; tests that need them will be skipped" >&2; \
	else echo "note:$$missing not installed (needs root + apt); tests that need them will be skipped"; fi
	$(BIN)/trigc --version

test:
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast:
	$(BIN)/pytest -m "not slow and not sim and not synth" $(PYTEST_ARGS)

# The pruned 6-bit jet tagger (models/jet_tagger) to RTL and an hls4ml project, verified bit for bit.
demo:
	$(BIN)/trigc compile models/jet_tagger/jet_tagger_q6_pruned.keras -o build/demo --force --backend rtl,hls
	$(BIN)/trigc verify build/demo

# Regenerate the committed jet data set (about 50 min on 2 cores; see models/data/README.md).
data:
	nice -n 10 $(BIN)/python -m trigc.models.data.generate --jets-per-class 50000 \
	  --test-jets-per-class 10000 --seed 1 --out models/data/jets.npz --cache-dir build/jets-cache

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf build .pytest_cache
