# Hybrid Threat Atlas — `make run` serves the app, `make test` runs the whole suite.
# Both bootstrap a virtualenv from nothing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: run test venv setup bench clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

setup: venv instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask setup

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)"
	SECRET_KEY=$$(cat instance/secret_key) PORT=$(PORT) WORKERS=$(WORKERS) \
		$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: venv
	ATLAS_ENV=testing $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/bench_countries.py

clean:
	rm -rf $(VENV) .pytest_cache
