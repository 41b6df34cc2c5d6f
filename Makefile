# The README's two commands: `make demo` (the main job) and `make test`.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/boundlab demo --out results
	$(VENV)/bin/boundlab check --quick --out results

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 --dist loadfile -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[peers]"
	$(PY) benchmarks/planning.py
	$(PY) benchmarks/simulation.py
	$(PY) benchmarks/learners.py
	$(PY) benchmarks/store.py
	$(PY) benchmarks/executors.py

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
