# Course commands. `make serve` installs, builds and serves the course;
# `make lab` starts JupyterLab with the lessons, exercises and apps, set up
# as on Binder; `make test` installs and runs the whole test suite.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
LAB_PORT ?= 8888
# Jupyter refuses to run as root unless told to (CI and containers run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Data mirror: the folder named by DONNEESQC_MIRROR, else the course snapshot
# beside this project when it exists, else none (files come from the portal).
SNAPSHOT := $(abspath ../shared/portal-snapshot)
ifeq ($(strip $(DONNEESQC_MIRROR)),)
ifneq ($(wildcard $(SNAPSHOT)/MANIFEST.md),)
export DONNEESQC_MIRROR := $(SNAPSHOT)
endif
endif

.PHONY: install build serve lab test lint clean

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

# postBuild is Binder's last build step; here it configures .venv the same way.
$(VENV)/.postbuild: $(VENV)/.installed postBuild widgets/labconfig.py $(wildcard widgets/apps/jupyter/voila/templates/*/*)
	$(BIN)/python postBuild
	touch $@

lab: $(VENV)/.postbuild
	@echo "JupyterLab on http://127.0.0.1:$(LAB_PORT)/ - open the link with the token printed below."
	@echo "Apps: http://127.0.0.1:$(LAB_PORT)/voila/tree/notebooks once logged in. Press Ctrl+C twice to stop."
	$(BIN)/jupyter lab --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) \
		--ServerApp.port_retries=0 --ServerApp.root_dir=$(CURDIR) $(ALLOW_ROOT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf _build test-artifacts
