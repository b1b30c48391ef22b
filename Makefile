# Hybrid Threat Atlas — `make run` serves the app, `make test` runs the whole suite,
# `make test-quick` a change's first check. All bootstrap a virtualenv from nothing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: run test test-quick venv setup bench clean translations

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

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

setup: venv $(MO) instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask setup

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)"
	SECRET_KEY=$$(cat instance/secret_key) PORT=$(PORT) WORKERS=$(WORKERS) \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Tests run on every core (pytest-xdist, TEST_WORKERS=1 for one process): each test file
# stays whole on one worker and every browser test runs on the same worker, one after
# another (tests/conftest.py groups them). Each worker has its own databases.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist loadgroup

test: venv $(MO)
	ATLAS_ENV=testing $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# A change's first check: SQLite only, no browser, no server processes or big files.
test-quick: venv $(MO)
	ATLAS_ENV=testing $(BIN)/python -m pytest $(XDIST) -m "not slow" -k "not postgis" \
		--ignore=tests/e2e $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/bench_countries.py

clean:
	rm -rf $(VENV) .pytest_cache
