# Two commands set everything up on a fresh machine:
#   make train   creates .venv if missing, then trains the default experiment on MNIST
#   make test    creates .venv if missing, then runs the test suite
# Extra Hydra overrides go in ARGS, e.g. make train ARGS="model=conv trainer.max_epochs=5".
PYTHON ?= python3
VENV ?= .venv
ARGS ?=

.PHONY: train test lint benchmark

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[dev]"
	touch $@

train: $(VENV)/.installed
	$(VENV)/bin/aelab-train $(ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

benchmark: $(VENV)/.installed
	$(VENV)/bin/python scripts/benchmark.py $(ARGS)
