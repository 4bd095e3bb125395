# The two commands of the README: `make run` (the demo) and `make test`. Each sets up what it
# needs first. `make serve` runs the real server for a Slack workspace.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install migrate run serve test lint bench clean

# uv (from PyPI, into the venv) installs in about 12 s what pip takes a minute for; where uv
# cannot be had or fails, pip does it.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	($(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv~=0.13' \
		&& $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]') \
	|| $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/leadloop migrate

run: $(STAMP)
	$(BIN)/leadloop demo $(ARGS)

serve: migrate
	$(BIN)/leadloop serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# The suite on TEST_WORKERS processes (pytest-xdist), each with its own databases and Slack
# stand-in; TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= 2

# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set (an empty value unsets it):
# otherwise every worker of every run compiles the libraries (uv leaves them uncompiled) and
# rewrites the test modules' asserts again, about 10 s of CPU each.
test: export PYTHONDONTWRITEBYTECODE :=
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Every figure of the speed issue on SQLite and PostgreSQL, into BENCHMARKS.md (see there).
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
