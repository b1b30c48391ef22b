# Hybrid Threat Atlas — `make run` serves the app, `make test` runs the whole suite,
# `make test-quick` a change's first check. All bootstrap a virtualenv from nothing:
# `run` installs the runtime lock (requirements.txt) only, the tests add the
# development lock (requirements-dev.txt). `make lock` regenerates both from
# pyproject.toml. Settings come from the environment or .env (PORT=8000 make run).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi
# The header pip-compile writes into the locks.
export CUSTOM_COMPILE_COMMAND := make lock
LOCK_OPTS := --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --extra postgres --extra redis

.PHONY: run test test-quick venv dev setup bench clean translations lock

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

# requirements-misp.txt: MISP's STIX converter, a test tool whose pins clash with the
# app's (see the file); installed beside the development lock without its resolver.
$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt requirements-misp.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-misp.txt
	touch $@

venv: $(BIN)/.installed
dev: $(BIN)/.installed-dev

# Re-pin both locks from pyproject.toml (existing pins are kept unless a declared
# range excludes them; `make lock LOCK_UPGRADE=--upgrade` moves everything forward).
lock: venv
	$(BIN)/python -c "import piptools" 2>/dev/null || $(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_OPTS) $(LOCK_UPGRADE) -o requirements.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTS) $(LOCK_UPGRADE) --extra dev -c requirements.txt \
		-o requirements-dev.txt pyproject.toml

# Compiled French catalog (committed; rebuilt when the .po file is newer).
MO := app/translations/fr/LC_MESSAGES/messages.mo
$(MO): app/translations/fr/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile -d app/translations
	touch $@

# Re-extract the messages, merge them into the French catalog and compile it.
translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --project="Hybrid Threat Atlas" -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l fr \
		--no-fuzzy-matching --ignore-obsolete --width 88
	$(BIN)/pybabel compile -d app/translations

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

# The app reads instance/secret_key itself when SECRET_KEY is unset, and .env
# (config.py) for every command below.
setup: venv $(MO) instance/secret_key
	$(BIN)/flask db upgrade
	$(BIN)/flask setup

run: setup
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Tests run on every core (pytest-xdist, TEST_WORKERS=1 for one process): each test file
# stays whole on one worker and every browser test runs on the same worker, one after
# another (tests/conftest.py groups them). Each worker has its own databases.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist loadgroup

test: dev $(MO)
	ATLAS_ENV=testing $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# A change's first check: SQLite only, no browser, no server processes or big files.
test-quick: dev $(MO)
	ATLAS_ENV=testing $(BIN)/python -m pytest $(XDIST) -m "not slow" -k "not postgis" \
		--ignore=tests/e2e $(PYTEST_ARGS)

bench: dev
	$(BIN)/python bench/bench_countries.py

clean:
	rm -rf $(VENV) .pytest_cache
