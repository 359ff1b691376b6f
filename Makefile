# Two commands: `make run` (install, database, demo data, serve) and `make test` (install, every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=server $(BIN)/flask
PORT ?= 5000

.PHONY: run test install static app-tools test-tools db lint

install: app-tools $(VENV)/.installed node_modules/.installed pwa/data/communes.json static

# The browsers' static files (server/pages/assets.py): the DSFR subset, hashed names, gzip and
# Brotli copies, in build/static/<version>/ (the app also builds it at start when missing).
static: $(VENV)/.installed node_modules/.installed pwa/data/communes.json
	$(BIN)/python -m server.pages.assets

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

# Debian packages, as `what:package` (a command, or a shared library looked up by ldconfig):
# the app draws its PDF report with WeasyPrint, which needs Pango; the tests also use chromium
# (browser tests) and poppler-utils (the PDF report read back as text and images).
APP_PACKAGES := libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0
TEST_PACKAGES := chromium:chromium pdftoppm:poppler-utils

# $(call apt_install,pairs): install the Debian packages missing (as root), else say which.
define apt_install
	@missing=""; for pair in $(1); do \
		what=$${pair%%:*}; \
		case $$what in \
			*.so*) /sbin/ldconfig -p 2>/dev/null | grep -q "$$what" ;; \
			*) command -v $$what >/dev/null 2>&1 ;; \
		esac || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -qq $$missing >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)); \
	else \
		echo "Paquets Debian nécessaires :$$missing (sudo apt-get install$$missing)."; \
		exit 1; \
	fi
endef

app-tools:
	$(call apt_install,$(APP_PACKAGES))

test-tools:
	$(call apt_install,$(TEST_PACKAGES))

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
