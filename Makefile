# Two commands: `make run` sets everything up and serves the demo network; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# A local checkout runs in development mode unless told otherwise (see the README's settings table).
export DEBUG ?= True

.PHONY: run setup test lint bench bench-search bench-relevance

run: setup
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

setup: $(VENV)/.installed
	mkdir -p -m 0700 var && chmod 0700 var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py rebuild_search_index
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The benchmark (README, "Benchmarks"): everything at 100,000 services, into bench/RESULTS.md.
# A quicker run: make bench BENCH_ARGS="--services 10000". Needs wrk (Debian package) for the HTTP part.
# The slow baselines (naive ORM, Whoosh reading every match) take seconds a search at 100,000: 50 of the 200.
BENCH_ARGS ?= --services 100000 --baseline-queries 50
bench: $(VENV)/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)

# Search latency only, on the demo network and on 10,000 services (results beside each dataset in var/bench/).
bench-search: $(VENV)/.installed
	$(BIN)/python -m bench --demo --skip naive,edits,rebuild,hsds,ndjson,http
	$(BIN)/python -m bench --services 10000 --skip naive,edits,rebuild,hsds,ndjson,http

# Search relevance (bench/relevance/README.md): the judged queries on the demo network, nDCG@10, P@5, first result
# relevant and zero results per class of query; Whoosh on a temporary SQLite database, and with BENCH_POSTGRES_URL
# set, both backends on a database bench_relevance of that server too (created and dropped by the run).
bench-relevance: $(VENV)/.installed
	$(BIN)/python -m bench.relevance
	if [ -n "$$BENCH_POSTGRES_URL" ]; then \
		$(BIN)/python -m bench.relevance --backend all --database-url "$${BENCH_POSTGRES_URL%/*}/bench_relevance"; \
	fi

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
