# opsflow: `make run` serves the inbox on a fresh machine, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export OPSFLOW_DEMO_PASSWORD ?= opsflow-demo

INSTALL_LOG := $(VENV)/install.log

.PHONY: install frontend run test system lint typecheck bench translations clean dist

# pip's own output (per-file warnings, the editable-install notice) goes to .venv/install.log,
# shown only when something fails.
$(STAMP): pyproject.toml
	@echo "opsflow: installing the Python packages into $(VENV) (the first time takes a few minutes)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip > $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); exit 1; }
	@$(BIN)/pip install --quiet -e ".[dev]" >> $(INSTALL_LOG) 2>&1 || { cat $(INSTALL_LOG); exit 1; }
	@touch $(STAMP)

install: $(STAMP) frontend

# Front-end: the bpmn.io bundles, built from the pinned package-lock.json into webui/static/build/.
# npm ci runs only when node_modules is missing or older than the lockfile; the build only when a
# source, the lint config or the installed packages are newer than its output.
FRONTEND := webui/frontend
FRONTEND_MODULES := $(FRONTEND)/node_modules/.package-lock.json
FRONTEND_BUILT := webui/static/build/.built

$(FRONTEND_MODULES): $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	@echo "opsflow: installing the front-end packages (npm ci, from package-lock.json)"
	@cd $(FRONTEND) && npm ci --no-audit --no-fund --silent
	@touch $@

$(FRONTEND_BUILT): $(FRONTEND_MODULES) $(FRONTEND)/build.mjs $(FRONTEND)/.bpmnlintrc $(wildcard $(FRONTEND)/src/*) $(wildcard $(FRONTEND)/src/*/*)
	@echo "opsflow: building the front-end bundles into webui/static/build/"
	@cd $(FRONTEND) && node build.mjs > build.log 2>&1 || { cat build.log; exit 1; }
	@touch $@

frontend: $(FRONTEND_BUILT)

# Quiet on purpose: what is being set up, then the address and the demo users. The worker's and the
# server's own lines go to instance/worker.log and instance/serve.log (their errors still show here).
run: install
	@echo "opsflow: preparing the database with the demo organisation and processes"
	@$(BIN)/opsflow init --demo > /dev/null
	@mkdir -p instance
	@echo ""
	@echo "  opsflow is at http://$(HOST):$(PORT)/   (Ctrl-C stops it)"
	@echo "  demo users, password '$(OPSFLOW_DEMO_PASSWORD)':"
	@echo "    chen.yu director, sun.hao branch GM, li.na marketing manager, wang.lei research supervisor,"
	@echo "    zhang.min planning supervisor, liu.yang promotion supervisor, zhou.jie wu.fang zheng.hui feng.yi staff,"
	@echo "    gao.yan analyst, he.ping auditor, admin administrator (operations page)"
	@echo ""
	@$(BIN)/opsflow worker > instance/worker.log & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/opsflow serve --host $(HOST) --port $(PORT) > instance/serve.log

lint: install
	$(BIN)/ruff check engine opsflow opsflow_verify webui tests bench

typecheck: install
	$(BIN)/mypy

# What the machine must have (Chromium, CJK fonts, PostgreSQL...): installed as root with apt-get,
# else make stops here, in the first seconds, with the command to run (.ci/system-deps).
system:
	@bash .ci/system-deps

test: system install lint typecheck
	$(BIN)/pytest --durations=15

bench: install
	bash bench/run_all.sh

translations: install
	$(BIN)/pybabel extract -F webui/babel.cfg -k N_ --no-location --sort-output --project=opsflow -o webui/translations/messages.pot .
	$(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d webui/translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# The standalone verifier as a wheel of its own (stdlib + cryptography), built offline into dist/:
# packaging/opsflow-verify/pyproject.toml beside a copy of opsflow_verify/, built without build isolation.
VERIFY_BUILD := build/opsflow-verify
dist: $(STAMP)
	@rm -rf $(VERIFY_BUILD) && mkdir -p $(VERIFY_BUILD) dist
	@cp packaging/opsflow-verify/pyproject.toml $(VERIFY_BUILD)/
	@cp -r opsflow_verify $(VERIFY_BUILD)/ && rm -rf $(VERIFY_BUILD)/opsflow_verify/__pycache__
	@$(BIN)/pip wheel --quiet --no-deps --no-build-isolation --no-index -w dist $(VERIFY_BUILD) > $(VERIFY_BUILD).log 2>&1 \
		|| { cat $(VERIFY_BUILD).log; exit 1; }
	@ls dist/opsflow_verify-*.whl
