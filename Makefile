# jixiao — `make demo` runs the nightly job on the bundled demo submissions; `make test` runs the test suite.
# Both create .venv and install the project into it first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

LANDING   ?= demo_landing
WAREHOUSE ?= warehouse/jixiao.duckdb
REPORTS   ?= reports

.PHONY: install demo demo-landing test bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo-landing: install
	$(BIN)/jixiao demo-landing --out $(LANDING)

demo: demo-landing
	AIRFLOW__COSMOS__ENABLE_TELEMETRY=False $(BIN)/jixiao run --landing $(LANDING) --warehouse $(WAREHOUSE) --reports $(REPORTS)
	@echo "marts:   $(WAREHOUSE) (schemas marts, audit) — e.g. $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(WAREHOUSE)', read_only=True).sql('select * from marts.fct_project_funds limit 5'))\""
	@echo "reports: $(REPORTS)/latest.html, $(REPORTS)/findings_latest.csv, $(REPORTS)/gx_data_docs/"

test: install
	AIRFLOW__COSMOS__ENABLE_TELEMETRY=False $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; echo $$rc > .pytest-exit; exit $$rc

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) warehouse reports demo_landing dbt_project/target dbt_project/logs .pytest_cache
