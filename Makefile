# Salvo — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: demo test bench lock docs clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# The Spark engine's extra, where Java is here to run it (its tests skip, saying why, elsewhere).
	if command -v java >/dev/null; then $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,spark]'; fi
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)  ## Build out/demo.db from the shipped data, print the tables, draw out/per-year.*
	$(BIN)/salvo demo --db out/demo.db --out out

test: $(STAMP)  ## Run the whole suite (PostgreSQL too when SALVO_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## Benchmarks against peers on generated data (prints figures; asserts nothing)
	$(BIN)/python bench/run.py

docs: $(STAMP)  ## Regenerate docs/codebook.md from the codebook data
	$(BIN)/salvo codebook --markdown > docs/codebook.md

lock: ## Re-pin every dependency after changing pyproject.toml
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^salvo' > requirements.lock

clean:
	rm -rf out .pytest_cache
