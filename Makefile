# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
UNITS ?= 10000

.PHONY: run test install assets translations migrate seed lint ci-checks clean

$(BIN)/activate: requirements.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

static/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor/pico static/vendor/chartjs static/vendor/htmx
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chartjs/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	mkdir -p static/vendor/barcode-detector && cp node_modules/barcode-detector/dist/iife/ponyfill.js node_modules/zxing-wasm/dist/reader/zxing_reader.wasm node_modules/barcode-detector/LICENSE static/vendor/barcode-detector/
	touch static/vendor/.stamp

assets: static/vendor/.stamp

install: $(BIN)/activate assets translations

translations: $(BIN)/activate
	$(PYTHON) manage.py compile_translations

migrate: install
	$(PYTHON) manage.py migrate --noinput

seed: migrate
	$(PYTHON) manage.py seed_demo --once --units $(UNITS)

run: seed
	$(PYTHON) manage.py collectstatic --noinput --verbosity 0
	$(PYTHON) manage.py serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var node_modules static/vendor
