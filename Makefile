# Two commands on a fresh machine: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/lssinvoice
STAMP  := $(VENV)/.installed

.PHONY: setup artefacts test demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(STAMP) artefacts

artefacts: $(STAMP)
	$(CLI) schemas install

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

demo: setup
	$(CLI) demo

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
