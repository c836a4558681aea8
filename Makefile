# Two commands: `make run` sets everything up and serves the demo network; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# A local checkout runs in development mode unless told otherwise (see the README's settings table).
export DEBUG ?= True

.PHONY: run setup test lint bench-search

run: setup
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

setup: $(VENV)/.installed
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py rebuild_search_index
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Search latency on the demo network and on a 10k-service synthetic directory (see bench/).
bench-search: $(VENV)/.installed
	$(BIN)/python bench/search_latency.py --demo
	$(BIN)/python bench/search_latency.py --services 10000

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@
