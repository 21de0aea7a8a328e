# The two commands: `make run` starts the portal with demo data, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PORT ?= 8000

.PHONY: run test lint install bench

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	PORT=$(PORT) exec scripts/run.sh

test:
	PYTHON=$(PYTHON) scripts/test.sh

lint: install
	$(VENV)/bin/python -m ruff check .

# make bench: bench/run.py against the local PostgreSQL and Redis; prints the table, writes BENCHMARKS.md.
# BENCH_ARGS=--quick for a ~2-minute smoke run (report in var/bench/BENCHMARKS-quick.md).
bench: install
	command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)
