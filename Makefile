# The two commands of the README: `make run` (the demo) and `make test`. Each sets up what it
# needs first. `make serve` runs the real server for a Slack workspace.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install migrate run serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
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

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Every figure of the speed issue on SQLite and PostgreSQL, into BENCHMARKS.md (see there).
bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
