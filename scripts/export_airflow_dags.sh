#!/usr/bin/env bash
# Export every registered Kedro pipeline (except __default__, the sum of them all) as its
# own Airflow 3 DAG file, dag_id ia_portfolio__<pipeline>, one task per group of nodes
# linked by in-memory datasets.
#
#   scripts/export_airflow_dags.sh [--target-dir DIR] [--env ENV] [--params k=v,...]
#
# --target-dir  where to write the DAG files (default: airflow_dags/ at the project root;
#               point it at Airflow's dags folder, or point that folder here)
# --env         Kedro environment the DAGs run with (default: local)
# --params      DAG options overriding conf/<env>/airflow.yml, e.g. retries=0,owner=ml
#               (YAML values: quote what YAML would not read as text, schedule='@daily')
#
# Run it with the project's venv active: that interpreter (or $IA_PORTFOLIO_KEDRO_PYTHON)
# is written into the DAGs and runs the nodes. Template: conf/airflow/dag_template.j2.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="$ROOT/airflow_dags"
KEDRO_ENV="local"
DAG_PARAMS=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        -t | --target-dir) TARGET_DIR="$2"; shift 2 ;;
        --target-dir=*) TARGET_DIR="${1#*=}"; shift ;;
        -e | --env) KEDRO_ENV="$2"; shift 2 ;;
        --env=*) KEDRO_ENV="${1#*=}"; shift ;;
        --params) DAG_PARAMS+=("$2"); shift 2 ;;
        --params=*) DAG_PARAMS+=("${1#*=}"); shift ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

if [[ -n "${IA_PORTFOLIO_KEDRO_PYTHON:-}" ]]; then
    KEDRO_PYTHON="$IA_PORTFOLIO_KEDRO_PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" && -x "$VIRTUAL_ENV/bin/python" ]]; then
    KEDRO_PYTHON="$VIRTUAL_ENV/bin/python"
else
    KEDRO_PYTHON="$ROOT/.venv/bin/python"
fi
if ! "$KEDRO_PYTHON" -c 'import ia_portfolio, kedro_airflow' 2>/dev/null; then
    echo "$KEDRO_PYTHON cannot import ia_portfolio and kedro_airflow:" \
        "activate the project's venv or set IA_PORTFOLIO_KEDRO_PYTHON" >&2
    exit 1
fi
mkdir -p "$TARGET_DIR"
TARGET_DIR="$(cd "$TARGET_DIR" && pwd)"
cd "$ROOT"

# Every registered pipeline but __default__ (Kedro's logging goes to stdout too).
PIPELINES="$("$KEDRO_PYTHON" - <<'PY' | sed -n 's/^PIPELINES=//p'
from pathlib import Path

from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project

bootstrap_project(Path.cwd())
print("PIPELINES=" + ",".join(sorted(name for name in pipelines if name != "__default__")))
PY
)"
if [[ -z "$PIPELINES" ]]; then
    echo "No pipeline registered: nothing to export" >&2
    exit 1
fi

PARAMS="kedro_python=$KEDRO_PYTHON"
for extra in "${DAG_PARAMS[@]}"; do
    PARAMS+=",$extra"
done

echo "Exporting pipelines $PIPELINES (env $KEDRO_ENV) to $TARGET_DIR"
"$KEDRO_PYTHON" -m kedro airflow create \
    --pipelines "$PIPELINES" \
    --env "$KEDRO_ENV" \
    --group-by memory \
    --jinja-file "$ROOT/conf/airflow/dag_template.j2" \
    --target-dir "$TARGET_DIR" \
    --params "$PARAMS"
