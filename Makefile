# The README's commands. `make run` serves the app on the embedded default (SQLite, no
# Redis); `make test` runs the whole suite. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes side by side (pytest-xdist; tests/isolation.py keeps them apart): one per
# core, at most four, since past that the browsers and servers they start only queue.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(4, os.cpu_count() or 1))')
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: run test test-fast lint format check-python system-deps test-system-deps clean

run: $(VENV)/.installed system-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_problems
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) $(BIN)/honcho start --procfile Procfile --port $(PORT)

test: $(VENV)/.installed-dev system-deps test-system-deps
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The unit tier, while working: no browser, no server processes started.
test-fast: $(VENV)/.installed-dev system-deps
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not browser and not integration"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Mockboard needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/apt-ensure.sh python3-venv

# Graphviz draws diagrams; Pango is what WeasyPrint lays PDF reports out with.
system-deps:
	@scripts/apt-ensure.sh graphviz:dot libpango-1.0-0 libpangoft2-1.0-0

# The throwaway Redis of the integration tests, the browser of the browser tests, and nginx
# for the sample deploy/nginx.conf in front of two processes.
test-system-deps:
	@scripts/apt-ensure.sh redis-server:redis-server chromium:chromium fonts-dejavu-core nginx-light:nginx

$(VENV)/.installed: requirements.txt | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) var
