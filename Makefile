# Region Bridge: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
export DJANGO_SETTINGS_MODULE := regionbridge.settings
# The deployment's server command, defined once: `make run` starts it on $(HOST):$(PORT), and
# `make bench` on a free loopback port of its own (each sets HOST and PORT in the environment).
# ASGI (decision 0006): live streams are async views that hold no thread; pages run in a pool of
# PAGE_THREADS threads a worker. Each open stream counts against --backpressure, so it stays above
# LIVE_MAX_STREAMS (a worker's streams; past it a stream answers 503 + Retry-After).
BACKPRESSURE ?= 2200
SERVER = $(BIN)/granian --interface asgi --host "$$HOST" --port "$$PORT" --workers $(WORKERS) \
	--backpressure $(BACKPRESSURE) --no-ws --log-level warning \
	--pid-file "$${TMPDIR:-/tmp}/regionbridge-granian-$$PORT.pid" regionbridge.asgi:application
# A killed granian main process can leave its workers listening on the port (their parent is then
# init): stop the main and its workers by PID, then any process of this server (named by its PID
# file) still listening on PORT.
STOP_SERVER = pidfile="$${TMPDIR:-/tmp}/regionbridge-granian-$$PORT.pid"; \
	if [ -f "$$pidfile" ]; then main=$$(cat "$$pidfile"); \
	kill $$(ps -o pid= --ppid "$$main") "$$main" 2>/dev/null; fi; \
	for try in 1 2 3 4 5; do left=; \
	for pid in $$(ss -Hltnp "sport = :$$PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do \
	grep -qa "regionbridge-granian-$$PORT.pid" /proc/$$pid/cmdline 2>/dev/null && left="$$left $$pid"; \
	done; [ -z "$$left" ] && break; kill $$left 2>/dev/null; sleep 0.5; done; rm -f "$$pidfile"

.PHONY: run install install-dev migrate static data test test-deps lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"

# Reinstall only when the dependency files change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	@mkdir -p "$${VAR_DIR:-var}"
	$(BIN)/regionbridge migrate --noinput -v0

static: install
	$(BIN)/regionbridge collectstatic --noinput -v0

data: migrate
	$(BIN)/regionbridge load-reference
	$(BIN)/regionbridge load-facts
	$(BIN)/regionbridge load-demo

run: data static
	@echo "Region Bridge on http://$(HOST):$(PORT)  (Ctrl-C stops the server and the worker)"
	@echo "Second factor: $${TWO_FACTOR:-optional} here. To try passkeys: TWO_FACTOR=required make run,"
	@echo "  open http://localhost:$(PORT) and sign in as coordinator@demo.regionbridge.example (README)."
	@export HOST=$(HOST) PORT=$(PORT); ulimit -n "$$(ulimit -Hn)"; \
	trap '$(STOP_SERVER); kill 0' INT TERM EXIT; \
	$(BIN)/regionbridge worker --queue-name default & \
	$(BIN)/regionbridge mailgate & \
	$(SERVER)

test-deps: install-dev
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/regionbridge makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

# mypy checks the files [tool.mypy] in pyproject.toml names: the policy and the services.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	cd regionbridge && ../$(BIN)/regionbridge makemessages -l uk -l en --no-obsolete --no-location
	cd regionbridge && ../$(BIN)/regionbridge compilemessages

# Drives the real server with wrk on databases of its own under VAR_DIR/bench (never yours);
# BENCH_SCALES, BENCH_DURATION, DATABASE_URL=postgres://… (a scratch database there): PERFORMANCE.md.
bench: install
	@command -v wrk >/dev/null || { \
		echo "Installing Debian's wrk for the benchmark"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python scripts/bench.py --server '$(SERVER)'

clean:
	rm -rf $(VENV) var/static
