#!/usr/bin/env bash
# Create the separate virtual environment that runs Airflow for the exported DAGs.
#
#   scripts/setup_airflow_env.sh [VENV_DIR]    create or update the venv
#   scripts/setup_airflow_env.sh --relock      rewrite requirements-airflow.lock
#
# VENV_DIR defaults to $IA_PORTFOLIO_AIRFLOW_VENV, else $AIRFLOW_VENV, else .venv-airflow
# at the project root. The tests find it through IA_PORTFOLIO_AIRFLOW_VENV (same default).
#
# Airflow pins fastapi<0.137 while the project needs a newer one (kedro-viz, the API), so
# Airflow lives in its own venv and only Airflow is installed there: its tasks run the
# Kedro nodes with the project's interpreter (see conf/airflow/dag_template.j2).
# apache-airflow is pinned here and every other package by requirements-airflow.lock
# (Airflow's own constraint files are not reachable from every machine).
# AIRFLOW_PYTHON chooses the interpreter (default: python3.11, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${IA_PORTFOLIO_AIRFLOW_VENV:-${AIRFLOW_VENV:-$ROOT/.venv-airflow}}}"
TOOL_PYTHON="${AIRFLOW_PYTHON:-}" exec bash "$ROOT/scripts/setup_tool_venv.sh" \
    "apache-airflow==3.3.2" "$ROOT/requirements-airflow.lock" "$VENV" airflow
