#!/usr/bin/env bash
# Create the separate virtual environment that runs Airflow for the exported DAGs.
#
#   scripts/setup_airflow_env.sh [VENV_DIR]
#
# VENV_DIR defaults to $IA_PORTFOLIO_AIRFLOW_VENV, else .venv-airflow at the project root.
# Airflow pins fastapi<0.137 while the project needs a newer one (kedro-viz, the API), so
# Airflow lives in its own venv: only Airflow is installed there. Its tasks run the Kedro
# nodes with the project's interpreter (see conf/airflow/dag_template.j2).
# Idempotent: does nothing when the venv already has the pinned Airflow.
# AIRFLOW_PYTHON chooses the interpreter that creates the venv (default: python3.11,
# else python3).
set -euo pipefail

AIRFLOW_VERSION="3.3.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${IA_PORTFOLIO_AIRFLOW_VENV:-$ROOT/.venv-airflow}}"

installed_version() {
    "$VENV/bin/python" -c \
        'import importlib.metadata as m; print(m.version("apache-airflow"))' 2>/dev/null
}

if [[ -x "$VENV/bin/airflow" && "$(installed_version || true)" == "$AIRFLOW_VERSION" ]]; then
    echo "Airflow $AIRFLOW_VERSION already installed in $VENV"
    exit 0
fi

PYTHON="${AIRFLOW_PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
    PYTHON="$(command -v python3.11 || command -v python3)"
fi

echo "Creating $VENV with $("$PYTHON" -V) and apache-airflow==$AIRFLOW_VERSION"
start=$SECONDS
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "apache-airflow==$AIRFLOW_VERSION"
"$VENV/bin/python" -m pip check
echo "Airflow $(installed_version) installed in $VENV in $((SECONDS - start)) s"
