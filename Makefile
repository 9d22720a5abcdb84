# Tavolo. The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INI    ?= development.ini
# Nodes the search benchmark generates (`make bench NODES=100000` for the issue's target).
NODES  ?= 10000
PIP    := $(BIN)/python -m pip
CONSTRAINTS := requirements/constraints.txt
LOCALE_DIR  := src/tavolo/locale
LANGUAGES   := it en
# tavolo.po is ours; a deform.po or colander.po beside it overrides single messages of that
# library's own catalogue (Pyramid merges same-domain catalogues, ours last).
PO_FILES := $(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run serve test lint install install-test assets locale browser initdb demo migrate \
        check i18n-extract bench clean distclean

## run: create the virtualenv, install, migrate, load the demo site and serve it on :6543
run: install assets locale demo serve

serve:
	$(BIN)/pserve $(INI)

## test: install what the tests need, check style and run the whole suite
test: install-test assets locale browser
	$(BIN)/ruff check src tests alembic benchmarks
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests alembic benchmarks
	$(BIN)/ruff format --check src tests alembic benchmarks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade 'pip>=23.2' 'setuptools>=65,<81' wheel

$(VENV)/.installed: setup.cfg pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[testing,dev]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## assets: Bootstrap Italia and jQuery 3 (for deform's widgets) from the npm registry (pinned in package-lock.json) into static/vendor
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed
	rm -rf static/vendor
	mkdir -p static/vendor/bootstrap-italia
	cp -R node_modules/bootstrap-italia/dist/css node_modules/bootstrap-italia/dist/js \
	      node_modules/bootstrap-italia/dist/fonts node_modules/bootstrap-italia/dist/svg \
	      static/vendor/bootstrap-italia/
	mkdir -p static/vendor/jquery
	cp node_modules/jquery/dist/jquery.min.js static/vendor/jquery/
	touch $@

assets: static/vendor/.installed

## locale: compile the translation catalogues
%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics

locale: $(MO_FILES)

## i18n-extract: refresh tavolo.pot and merge it into the catalogues (needs `make install-test`)
# Only the `tavolo` domain: templates that override deform's keep i18n:domain="deform".
# A language missing from LANGUAGES' catalogues is created from the template.
i18n-extract: install-test
	$(BIN)/pot-create --config lingva.cfg --domain=tavolo --package-name=Tavolo \
	    --package-version=1.0 -o $(LOCALE_DIR)/tavolo.pot src templates
	for lang in $(LANGUAGES); do $(BIN)/pybabel update --domain=tavolo --no-fuzzy-matching \
	    --init-missing --locale=$$lang -i $(LOCALE_DIR)/tavolo.pot \
	    -o $(LOCALE_DIR)/$$lang/LC_MESSAGES/tavolo.po || exit 1; done

var:
	mkdir -p var

## browser: Debian's Chromium for the browser tests, installed when missing (needs root)
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing and cannot be installed here: the browser tests will be skipped."; \
	  fi; \
	fi

## migrate: apply the alembic migrations only
migrate: install var
	$(BIN)/alembic -c $(INI) upgrade head

## initdb / demo: migrate and create the site (demo: with the demo network), idempotent
initdb: install var
	$(BIN)/tavolo-initdb $(INI)

demo: install var
	$(BIN)/tavolo-initdb $(INI) --demo

## check: migrations up to date with the models
check: install var
	$(BIN)/alembic -c $(INI) upgrade head
	$(BIN)/alembic -c $(INI) check

## bench: page latency, then search indexing and queries on NODES generated nodes
##        next to a bare Whoosh index (make bench NODES=100000)
bench: install-test
	$(BIN)/python benchmarks/bench_pages.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_search.py --nodes $(NODES)

clean:
	rm -rf .pytest_cache .ruff_cache build dist src/*.egg-info $(MO_FILES)
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules static/vendor var
