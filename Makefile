# ewsemu — two commands do everything: `make serve` and `make test` (`make test-matrix` for every Python).
PYTHON ?= python3
# The other supported interpreters, each with its own venv (.venv-3.12, .venv-3.13) for `make test-matrix`
MATRIX_PYTHONS := 3.12 3.13
# pyenv's newest installed X.Y (also without pyenv on PATH), else pythonX.Y on PATH;
# `make PYTHON_3.12=/path/to/python test-matrix` overrides
find_python = $(or $(PYTHON_$(1)),$(shell { p=$$(pyenv prefix $(1) 2>/dev/null) && test -x "$$p/bin/python" \
	&& echo "$$p/bin/python"; } || ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1).*/bin/python 2>/dev/null \
	| sort -V | tail -n1 | grep . || command -v python$(1)))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE ?= sqlite:///./ewsemu.db
WORKERS ?= 1

.PHONY: captures serve test test-sqlite test-postgresql test-matrix $(MATRIX_PYTHONS:%=test-sqlite-%) browser bench \
	migration clean

# src/*.egg-info is what a setuptools-era editable install left; it would be a second, stale ewsemu distribution
$(STAMP): pyproject.toml
	rm -rf src/*.egg-info
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

.venv-%/.installed: pyproject.toml
	@test -n "$(call find_python,$*)" || { echo "make: no Python $* found (pyenv install $*, put python$* on" \
		"PATH, or pass PYTHON_$*=/path/to/python)" >&2; exit 1; }
	rm -rf src/*.egg-info
	$(call find_python,$*) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --upgrade pip
	.venv-$*/bin/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(STAMP)
	$(VENV)/bin/ewsemu serve --host $(HOST) --port $(PORT) --database $(DATABASE) --workers $(WORKERS) \
		--fixtures fixtures/demo.yaml

# The whole suite twice: on in-memory SQLite, then on a throw-away PostgreSQL database (127.0.0.1:5432).
test: test-sqlite test-postgresql

# lint-imports: the layer contracts in pyproject.toml ([tool.importlinter])
test-sqlite: $(STAMP)
	$(VENV)/bin/lint-imports
	EWSEMU_TEST_DATABASE=sqlite $(PY) -m pytest

test-postgresql: $(STAMP)
	EWSEMU_TEST_DATABASE=postgresql $(PY) -m pytest

# Every supported Python: the whole suite on 3.11 (SQLite and PostgreSQL, i.e. `make test`), the SQLite suite on
# 3.12 and 3.13. CI runs this. The database layer is the same on every interpreter, so PostgreSQL runs once.
test-matrix: test $(MATRIX_PYTHONS:%=test-sqlite-%)

$(MATRIX_PYTHONS:%=test-sqlite-%): test-sqlite-%: .venv-%/.installed
	EWSEMU_TEST_DATABASE=sqlite .venv-$*/bin/python -m pytest

# Debian's Chromium and chromedriver, for the dashboard's browser test (tests/double/test_dashboard.py; skipped without
# them, except with CI=true). Installing needs root, as in CI, which runs this before `make test`.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

# Re-record tests/captures/ (exchangelib 5.6.0 against an in-process ewsemu); review the diff and commit it.
captures: $(STAMP)
	$(PY) -m tests.captures.regenerate

# Benchmarks (not part of `make test`): writes bench/RESULTS.md and bench/*.png.
bench: $(STAMP)
	$(PY) -m bench

# A new Alembic revision after a change to the field registry or store/schema.py: make migration MESSAGE="…"
migration: $(STAMP)
	$(PY) -m ewsemu.store.migrations revision "$(MESSAGE)"

clean:
	rm -rf $(VENV) $(MATRIX_PYTHONS:%=.venv-%) dist ewsemu.db ewsemu.db-wal ewsemu.db-shm .pytest_cache
