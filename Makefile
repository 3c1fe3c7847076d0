# The README's two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX := var/index/CURRENT

.PHONY: install run test test-needs index bench teams-package admin

install: $(STAMP)

# torch is pinned and installed first: an unpinned torch pulls gigabytes of CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

$(INDEX): | $(STAMP)
	$(BIN)/protocol-bot index

index: install
	$(BIN)/protocol-bot index

run: install $(INDEX)
	$(BIN)/protocol-bot run

# The admin console for clerks, on http://127.0.0.1:3980/ (PROTOCOL_BOT_ADMIN_SECRET must be set).
admin: install $(INDEX)
	$(BIN)/protocol-bot admin

# What the tests need from the system (PostgreSQL, Chromium): installed when missing, or the command to run.
test-needs:
	scripts/test-needs

# Lint and type checks first (pyproject.toml configures both); then the whole suite.
test: test-needs install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The Teams app package to upload; MicrosoftAppId (the bot's Azure app id) must be set.
teams-package: install
	$(BIN)/python teams-package/build.py

bench: install $(INDEX)
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/speed.py
