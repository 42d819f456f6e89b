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
# The single sign-on test's OpenID provider (npm's oidc-provider, pinned by tests/oidc/package-lock.json)
OIDC := tests/oidc
OIDC_STAMP := $(OIDC)/node_modules/.ci-installed

.PHONY: run serve test install install-test lock chromium postgres node oidc lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# requirements.txt and requirements-test.txt are lock files (every package pinned), made from
# pyproject.toml by `make lock`: an install gets exactly the versions the tests ran on.
$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(TEST_STAMP): requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@ $(RUN_STAMP)

UV := $(VENV)/uv/bin/uv
$(UV):
	$(PYTHON) -m venv $(VENV)/uv
	$(VENV)/uv/bin/python -m pip install --quiet uv==0.13.9

# After changing pyproject.toml's dependencies: new pins only where they must change.
lock: $(UV)
	$(UV) pip compile pyproject.toml --python-version 3.11 --annotation-style line -o requirements.txt
	$(UV) pip compile pyproject.toml --all-extras --python-version 3.11 --annotation-style line \
		-o requirements-test.txt

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

# Only this machine can open it (127.0.0.1): safe on a shop's or a cafe's network.
run: install
	@echo "Open http://localhost:$(PORT) (Ctrl+C stops the app)"
	$(BIN)/python -m streamlit run serve.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

# For a team: open to the network, only with sign-in configured, errors without tracebacks (README, "Running it for a team").
serve: install
	@$(BIN)/python -m retail check-sign-in
	@echo "Serving on $(ADDRESS):$(PORT); everyone signs in (Ctrl+C stops the app)"
	$(BIN)/python -m streamlit run serve.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true \
		--client.showErrorDetails none

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

# The single sign-on test runs a real OpenID provider on Node.js (Debian's nodejs and npm when missing).
node:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	fi

# Exactly the locked versions, into tests/oidc/node_modules (git-ignored); again only when the lock changes.
$(OIDC_STAMP): $(OIDC)/package.json $(OIDC)/package-lock.json | node
	cd $(OIDC) && npm ci --no-audit --no-fund --silent
	touch $@

oidc: $(OIDC_STAMP)

lint: install-test
	$(BIN)/ruff check .

test: install-test chromium postgres oidc lint
	$(BIN)/python -m pytest

bench: install-test
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(OIDC)/node_modules
