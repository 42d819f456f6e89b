# Two commands on a fresh machine: `make run` (the app on the sample data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# `make serve` listens on this address (every interface); `make run` only on this machine.
ADDRESS ?= 0.0.0.0
CHROMIUM ?= /usr/bin/chromium
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run serve test install install-test chromium postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(TEST_STAMP): requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

# Only this machine can open it (127.0.0.1): safe on a shop's or a cafe's network.
run: install
	@echo "Open http://localhost:$(PORT) (Ctrl+C stops the app)"
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# For a team: open to the network, and only with sign-in configured (README, "Running it for a team").
serve: install
	@$(BIN)/python -m retail check-sign-in
	@echo "Serving on $(ADDRESS):$(PORT); everyone signs in (Ctrl+C stops the app)"
	$(BIN)/python -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# The team-server tests run the workspace on a real PostgreSQL (Debian's packages).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi

lint: install-test
	$(BIN)/ruff check .

test: install-test chromium postgres lint
	$(BIN)/python -m pytest

bench: install-test
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
