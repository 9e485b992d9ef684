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
# Idempotent: does nothing when the venv already has this Airflow and this lock.
# AIRFLOW_PYTHON chooses the interpreter (default: python3.11, else python3).
set -euo pipefail

AIRFLOW_VERSION="3.3.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK="$ROOT/requirements-airflow.lock"
PYTHON="${AIRFLOW_PYTHON:-$(command -v python3.11 || command -v python3)}"
PIP_ARGS=(--quiet --disable-pip-version-check)

if [[ "${1:-}" == "--relock" ]]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$PYTHON" -m venv "$tmp/venv"
    "$tmp/venv/bin/python" -m pip install "${PIP_ARGS[@]}" "apache-airflow==$AIRFLOW_VERSION"
    {
        echo "# Exact versions of Airflow's venv (scripts/setup_airflow_env.sh installs with"
        echo "# them as constraints). Refresh: scripts/setup_airflow_env.sh --relock"
        "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check
    } >"$LOCK"
    echo "Wrote $LOCK"
    exit 0
fi

VENV="${1:-${IA_PORTFOLIO_AIRFLOW_VENV:-${AIRFLOW_VENV:-$ROOT/.venv-airflow}}}"
STAMP="$VENV/.airflow-lock.sha256"
WANTED="$AIRFLOW_VERSION $(sha256sum "$LOCK" | cut -d' ' -f1)"

installed_version() {
    "$VENV/bin/python" -c \
        'import importlib.metadata as m; print(m.version("apache-airflow"))' 2>/dev/null
}

if [[ -x "$VENV/bin/airflow" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANTED" &&
    "$(installed_version || true)" == "$AIRFLOW_VERSION" ]]; then
    echo "Airflow $AIRFLOW_VERSION already installed in $VENV"
    exit 0
fi

echo "Creating $VENV with $("$PYTHON" -V) and apache-airflow==$AIRFLOW_VERSION"
start=$SECONDS
rm -f "$STAMP"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install "${PIP_ARGS[@]}" \
    --constraint "$LOCK" "apache-airflow==$AIRFLOW_VERSION"
"$VENV/bin/python" -m pip check --disable-pip-version-check
echo "$WANTED" >"$STAMP"
echo "Airflow $(installed_version) installed in $VENV in $((SECONDS - start)) s"
