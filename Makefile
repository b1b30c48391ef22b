# Hybrid Threat Atlas — `make run` serves the app, `make test` runs the whole suite.
# Both bootstrap a virtualenv from nothing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: run test venv setup bench clean translations

$(BIN)/.installed: requirements.txt requirements-misp.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-misp.txt
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

test: venv $(MO)
	ATLAS_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/bench_countries.py

clean:
	rm -rf $(VENV) .pytest_cache
