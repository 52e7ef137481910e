# Course commands. `make serve` installs, builds and serves the course;
# `make test` installs and runs the whole test suite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

# Data mirror: the folder named by DONNEESQC_MIRROR, else the course snapshot
# beside this project when it exists, else none (files come from the portal).
SNAPSHOT := $(abspath ../shared/portal-snapshot)
ifeq ($(strip $(DONNEESQC_MIRROR)),)
ifneq ($(wildcard $(SNAPSHOT)/MANIFEST.md),)
export DONNEESQC_MIRROR := $(SNAPSHOT)
endif
endif

.PHONY: install build serve test lint clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

build: install
	$(BIN)/python -m widgets.site build

serve: build
	$(BIN)/python -m widgets.site serve --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf _build test-artifacts
