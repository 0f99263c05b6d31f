# ewsemu — two commands do everything: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE ?= sqlite:///./ewsemu.db

.PHONY: serve test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/ewsemu serve --host $(HOST) --port $(PORT) --database $(DATABASE) --fixtures fixtures/demo.yaml

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pytest bench --benchmark-only

clean:
	rm -rf $(VENV) ewsemu.db ewsemu.db-wal ewsemu.db-shm .pytest_cache
