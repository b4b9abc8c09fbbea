# gridmap: `make demo` serves the map, `make test` runs the suite. Both set everything up first.
VENV    ?= .venv
GRIDMAP := $(VENV)/bin/gridmap
PYTEST  := $(VENV)/bin/python -m pytest
# The suite in one process per core (at most 4), each with a database, server and browser of its
# own; a test file stays on one process (its module fixtures are made once).
TEST_WORKERS := -n auto --maxprocesses 4 --dist loadfile

.PHONY: setup postgres python web db demo test lint bench clean messages

setup: postgres python web db

postgres:
	bash scripts/setup-postgres.sh

python:
	VENV=$(VENV) bash scripts/setup-python.sh

web:
	bash scripts/setup-web.sh

db: python
	$(GRIDMAP) db migrate
	$(GRIDMAP) load huamao
	$(GRIDMAP) load xinghuananli

demo: setup
	$(GRIDMAP) users bootstrap
	$(GRIDMAP) serve --host 127.0.0.1 --port 8000

test: setup
	$(VENV)/bin/ruff check gis api tests data bench
	$(VENV)/bin/mypy
	$(PYTEST) $(TEST_WORKERS)

# The catalogue after messages changed: extract every msg(...) of gis/ and api/ and every RAISE
# EXCEPTION of gis/sql (babel.cfg), then add the new ones to each language's gridmap.po (untranslated:
# tests/test_messages.py fails until they are translated) and drop those the code no longer has.
messages:
	$(VENV)/bin/pybabel extract -F babel.cfg -k msg --no-default-keywords --add-location=file --sort-output \
		--no-wrap --project gridmap --copyright-holder gridmap -o gis/locale/gridmap.pot .
	$(VENV)/bin/pybabel update -i gis/locale/gridmap.pot -d gis/locale -D gridmap --no-wrap --ignore-obsolete
	rm gis/locale/gridmap.pot

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts node_modules

bench: setup
	bash scripts/setup-bench.sh
	$(VENV)/bin/python bench/patrol_bench.py > bench/results/patrol.md
	$(VENV)/bin/python bench/coverage_bench.py > bench/results/coverage.md
	$(VENV)/bin/python bench/grids_bench.py > bench/results/grids.md
	$(VENV)/bin/python bench/pages_bench.py > bench/results/pages.md
	$(VENV)/bin/python bench/serving_bench.py > bench/results/serving.md
	$(VENV)/bin/python bench/serving_bench.py --city > bench/results/serving_city.md
	$(VENV)/bin/python bench/load_bench.py > bench/results/load.md
	$(VENV)/bin/python bench/city_bench.py > bench/results/city.md
	$(VENV)/bin/python bench/cli_bench.py > bench/results/cli.md
	$(VENV)/bin/python bench/photo_burst.py > bench/results/photo_burst.md
	cat bench/RESULTS.md
