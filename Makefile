# nekg: set-up and the main jobs. Each target creates the virtual environment
# it needs (.venv) from pyproject.toml, so a fresh clone needs only Python 3.11.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install build run test browser coverage serve clean

$(BIN)/nekg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/nekg

install: $(BIN)/nekg

## build the graph (validated, inferred) into dist/ and print its summary
build: install
	$(BIN)/nekg build

## the main job: the SPARQL endpoint and the pages on the embedded store
## (builds the graph first when dist/ is missing or older than its inputs)
run: serve

## headless Chromium for the browser tests (Debian packages), installed only when missing
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else \
		echo "the browser tests need the Debian packages chromium and chromium-driver" >&2; exit 1; \
	fi

## the test suite
test: install browser
	$(BIN)/python -m pytest

## the SPARQL endpoint and the pages at http://127.0.0.1:8000/ (builds first if needed)
serve: install
	$(BIN)/nekg serve

## number-like tokens of the sources that no claim quotes
coverage: install
	$(BIN)/nekg coverage

clean:
	rm -rf dist .dist-* $(VENV) src/*.egg-info
