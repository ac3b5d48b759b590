# Two entry points for a newcomer: `make demo` and `make test`. Both install into .venv first.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench

# The package is byte-compiled, as an installed one is: an editable install writes no
# bytecode of its own where PYTHONDONTWRITEBYTECODE is set, and every command would compile it.
$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q compengine
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/compengine run plans/relationship-first.yaml --data fixtures/demo --out out/demo

lint: install
	$(BIN)/ruff check compengine tests benchmarks
	$(BIN)/mypy compengine

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/run.py --record
