#!/usr/bin/env bash
# Create or update a tool's own virtual environment: one pinned package, every other
# package constrained by the tool's lock file. Used by setup_airflow_env.sh and
# setup_fuzz_env.sh (tools whose dependencies must not move the project's pins).
#
#   scripts/setup_tool_venv.sh PACKAGE==VERSION LOCK VENV_DIR COMMAND   create or update
#   scripts/setup_tool_venv.sh PACKAGE==VERSION LOCK --relock           rewrite LOCK
#
# COMMAND is the executable the venv must provide (e.g. airflow). Idempotent: does
# nothing when the venv already has this version and this lock. TOOL_PYTHON chooses
# the interpreter (default: python3.11, else python3).
set -euo pipefail

REQUIREMENT="$1"
LOCK="$2"
PACKAGE="${REQUIREMENT%%==*}"
VERSION="${REQUIREMENT##*==}"
PYTHON="${TOOL_PYTHON:-$(command -v python3.11 || command -v python3)}"
PIP_ARGS=(--quiet --disable-pip-version-check)

if [[ "$3" == "--relock" ]]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$PYTHON" -m venv "$tmp/venv"
    "$tmp/venv/bin/python" -m pip install "${PIP_ARGS[@]}" "$REQUIREMENT"
    {
        echo "# Exact versions of the $PACKAGE venv (installed with them as constraints)."
        echo "# Refresh: the setup script of this venv with --relock"
        "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check
    } >"$LOCK"
    echo "Wrote $LOCK"
    exit 0
fi

VENV="$3"
COMMAND="$4"
STAMP="$VENV/.$PACKAGE-lock.sha256"
WANTED="$VERSION $(sha256sum "$LOCK" | cut -d' ' -f1)"

installed_version() {
    "$VENV/bin/python" -c \
        "import importlib.metadata as m; print(m.version('$PACKAGE'))" 2>/dev/null
}

if [[ -x "$VENV/bin/$COMMAND" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANTED" &&
    "$(installed_version || true)" == "$VERSION" ]]; then
    echo "$PACKAGE $VERSION already installed in $VENV"
    exit 0
fi

echo "Creating $VENV with $("$PYTHON" -V) and $REQUIREMENT"
start=$SECONDS
rm -f "$STAMP"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install "${PIP_ARGS[@]}" --constraint "$LOCK" "$REQUIREMENT"
"$VENV/bin/python" -m pip check --disable-pip-version-check
echo "$WANTED" >"$STAMP"
echo "$PACKAGE $(installed_version) installed in $VENV in $((SECONDS - start)) s"
