# The two commands: `make run` starts the portal with demo data, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PORT ?= 8000

.PHONY: run test lint install

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	PORT=$(PORT) scripts/run.sh

test:
	PYTHON=$(PYTHON) scripts/test.sh

lint: install
	$(VENV)/bin/python -m ruff check .
