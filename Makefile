# ewsemu — two commands do everything: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE ?= sqlite:///./ewsemu.db
WORKERS ?= 1

.PHONY: serve test test-sqlite test-postgresql browser bench migration clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(VENV)/bin/ewsemu serve --host $(HOST) --port $(PORT) --database $(DATABASE) --workers $(WORKERS) \
		--fixtures fixtures/demo.yaml

# The whole suite twice: on in-memory SQLite, then on a throw-away PostgreSQL database (127.0.0.1:5432).
test: test-sqlite test-postgresql

test-sqlite: $(STAMP)
	EWSEMU_TEST_DATABASE=sqlite $(PY) -m pytest

test-postgresql: $(STAMP)
	EWSEMU_TEST_DATABASE=postgresql $(PY) -m pytest

# Debian's Chromium and chromedriver, for the dashboard's browser test (tests/test_dashboard.py; skipped without
# them, except with CI=true). Installing needs root, as in CI, which runs this before `make test`.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

# Benchmarks (not part of `make test`): writes bench/RESULTS.md and bench/*.png.
bench: $(STAMP)
	$(PY) -m bench

# A new Alembic revision after a change to the field registry or store/schema.py: make migration MESSAGE="…"
migration: $(STAMP)
	$(PY) -m ewsemu.store.migrations revision "$(MESSAGE)"

clean:
	rm -rf $(VENV) ewsemu.db ewsemu.db-wal ewsemu.db-shm .pytest_cache
