# Two commands: `make run` (install, database, demo data, serve) and `make test` (install, every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=server $(BIN)/flask
PORT ?= 5000

.PHONY: run test install test-tools db lint

install: $(VENV)/.installed node_modules/.installed pwa/data/communes.json

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The commune index the app searches offline, from the official package (gitignored).
pwa/data/communes.json: node_modules/.installed pwa/tools/build-communes.mjs
	node pwa/tools/build-communes.mjs

db: install
	$(FLASK) db upgrade
	$(FLASK) territoires import --if-empty
	$(FLASK) demo seed --if-empty
	$(FLASK) push keys --if-missing

run: db
	@$(FLASK) demo accounts
	@echo "coop-cra : http://127.0.0.1:$(PORT)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian packages the tests use: chromium (browser tests), poppler-utils (the PDF report read
# back as text and images).
TEST_PACKAGES := chromium:chromium pdftoppm:poppler-utils

test-tools:
	@missing=""; for pair in $(TEST_PACKAGES); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -qq $$missing >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)); \
	else \
		echo "Les tests ont besoin des paquets Debian :$$missing (sudo apt-get install$$missing)."; \
		exit 1; \
	fi

# pytest-xdist: one worker per core; the browser tests stay together on one worker (one Chromium).
XDIST ?= -n auto --dist loadgroup

test: install test-tools
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# Style and structure, as .ci/run checks them: lint, format, types, import contracts, JavaScript.
lint: install
	$(BIN)/ruff check server sync tests bench
	$(BIN)/ruff format --check server sync tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	npx eslint .
