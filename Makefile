# opsflow: `make run` serves the inbox on a fresh machine, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export OPSFLOW_DEMO_PASSWORD ?= opsflow-demo

.PHONY: install frontend run test lint typecheck bench translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) frontend

# Front-end: the bpmn.io bundles, built from the pinned package-lock.json into webui/static/build/.
# npm ci runs only when node_modules is missing or older than the lockfile; the build only when a
# source, the lint config or the installed packages are newer than its output.
FRONTEND := webui/frontend
FRONTEND_MODULES := $(FRONTEND)/node_modules/.package-lock.json
FRONTEND_BUILT := webui/static/build/.built

$(FRONTEND_MODULES): $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --silent
	touch $@

$(FRONTEND_BUILT): $(FRONTEND_MODULES) $(FRONTEND)/build.mjs $(FRONTEND)/.bpmnlintrc $(wildcard $(FRONTEND)/src/*)
	cd $(FRONTEND) && node build.mjs
	touch $@

frontend: $(FRONTEND_BUILT)

run: install
	$(BIN)/opsflow init --demo
	@echo "opsflow: serving http://$(HOST):$(PORT)/ - demo users (e.g. li.na, wang.lei, chen.yu) sign in with password '$(OPSFLOW_DEMO_PASSWORD)'"
	$(BIN)/opsflow worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/opsflow serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check engine opsflow opsflow_verify webui tests bench

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/pytest

bench: install
	bash bench/run_all.sh

translations: install
	$(BIN)/pybabel extract -F webui/babel.cfg -k N_ --no-location --sort-output --project=opsflow -o webui/translations/messages.pot .
	$(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d webui/translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
