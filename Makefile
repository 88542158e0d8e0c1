# Plain runner: `make run` installs everything and starts Kabar on the bundled articles; `make test` tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint eval eval-dev eval-heldout clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Ingest data/articles, then the REPL on a terminal, or one sample question when stdin is not a terminal.
run: $(STAMP)
	$(BIN)/kabar ingest data/articles
	@if [ -t 0 ]; then $(BIN)/kabar repl; \
	else echo "Berapa orang yang ditangkap?" | $(BIN)/kabar repl; fi

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

eval: $(STAMP)
	$(BIN)/kabar eval data/gold/seed.jsonl

# The development stories with the seed articles in one store; tune on these only.
eval-dev: $(STAMP)
	$(BIN)/kabar eval data/gold/dev --articles data/stories/dev data/articles

# The held-out stories among every story: report, never tune.
eval-heldout: $(STAMP)
	$(BIN)/kabar eval data/gold/heldout --articles data/stories data/articles

clean:
	rm -rf .kabar
