# trigc developer and user entry points.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install test test-fast demo lint format clean

install:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; trigc needs Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@# Icarus Verilog has no PyPI wheel: install it from Debian when we can.
	@if command -v iverilog >/dev/null 2>&1; then echo "iverilog: $$(command -v iverilog)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iverilog >/dev/null) \
	  || echo "warning: could not install iverilog; Icarus tests will be skipped" >&2; \
	else echo "note: Icarus Verilog not installed (needs root + apt); Icarus tests will be skipped"; fi
	$(BIN)/trigc --version

test:
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast:
	$(BIN)/pytest -m "not slow and not sim and not synth" $(PYTEST_ARGS)

demo:
	$(BIN)/trigc compile models/demo/demo_tagger.keras -o build/demo --force
	$(BIN)/trigc verify build/demo --vectors 10000

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf build .pytest_cache
