# Two entry points: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The CPU build of PyTorch; override e.g. TORCH_SPEC="torch>=2.2" for a CUDA machine.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test lint install clean

$(VENV)/.installed: pyproject.toml setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[all,test]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) -m sk_autoencoder.demo --out demo_output

lint: $(VENV)/.installed
	$(PY) -m ruff check sk_autoencoder tests benchmarks
	$(PY) -m ruff format --check sk_autoencoder tests benchmarks

test: lint
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) demo_output .pytest_cache .ruff_cache *.egg-info
