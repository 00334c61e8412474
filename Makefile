# nekg: set-up and the main jobs. Each target creates the virtual environment
# it needs (.venv) from pyproject.toml, so a fresh clone needs only Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install build run test coverage clean

$(BIN)/nekg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/nekg

install: $(BIN)/nekg

## build the graph (validated, inferred) into dist/ and print its summary
build: install
	$(BIN)/nekg build

## the main job: build the graph and print its summary
run: build

## the test suite
test: install
	$(BIN)/python -m pytest

## number-like tokens of the sources that no claim quotes
coverage: install
	$(BIN)/nekg coverage

clean:
	rm -rf dist .dist-* $(VENV) src/*.egg-info
