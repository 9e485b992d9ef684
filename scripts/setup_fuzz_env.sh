#!/usr/bin/env bash
# Create the separate virtual environment that fuzzes the API with Schemathesis.
#
#   scripts/setup_fuzz_env.sh [VENV_DIR]    create or update the venv
#   scripts/setup_fuzz_env.sh --relock      rewrite requirements-fuzz.lock
#
# VENV_DIR defaults to $IA_PORTFOLIO_FUZZ_VENV, else $FUZZ_VENV, else .venv-fuzz at the
# project root. The tests find it through IA_PORTFOLIO_FUZZ_VENV (same default).
#
# Schemathesis brings many dependencies (hypothesis, pytest, requests, ...) whose pins
# must not move the project's, so it lives in its own venv and only talks to the API
# over HTTP. schemathesis is pinned here and every other package by
# requirements-fuzz.lock. Idempotent: does nothing when the venv already has this
# Schemathesis and this lock.
# FUZZ_PYTHON chooses the interpreter (default: python3.11, else python3).
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK="$ROOT/requirements-fuzz.lock"
PYTHON="${FUZZ_PYTHON:-$(command -v python3.11 || command -v python3)}"
PIP_ARGS=(--quiet --disable-pip-version-check)

if [[ "${1:-}" == "--relock" ]]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$PYTHON" -m venv "$tmp/venv"
    "$tmp/venv/bin/python" -m pip install "${PIP_ARGS[@]}" "schemathesis==$SCHEMATHESIS_VERSION"
    {
        echo "# Exact versions of the fuzzing venv (scripts/setup_fuzz_env.sh installs with"
        echo "# them as constraints). Refresh: scripts/setup_fuzz_env.sh --relock"
        "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check
    } >"$LOCK"
    echo "Wrote $LOCK"
    exit 0
fi

VENV="${1:-${IA_PORTFOLIO_FUZZ_VENV:-${FUZZ_VENV:-$ROOT/.venv-fuzz}}}"
STAMP="$VENV/.fuzz-lock.sha256"
WANTED="$SCHEMATHESIS_VERSION $(sha256sum "$LOCK" | cut -d' ' -f1)"

installed_version() {
    "$VENV/bin/python" -c \
        'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null
}

if [[ -x "$VENV/bin/st" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANTED" &&
    "$(installed_version || true)" == "$SCHEMATHESIS_VERSION" ]]; then
    echo "Schemathesis $SCHEMATHESIS_VERSION already installed in $VENV"
    exit 0
fi

echo "Creating $VENV with $("$PYTHON" -V) and schemathesis==$SCHEMATHESIS_VERSION"
start=$SECONDS
rm -f "$STAMP"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install "${PIP_ARGS[@]}" \
    --constraint "$LOCK" "schemathesis==$SCHEMATHESIS_VERSION"
"$VENV/bin/python" -m pip check --disable-pip-version-check
echo "$WANTED" >"$STAMP"
echo "Schemathesis $(installed_version) installed in $VENV in $((SECONDS - start)) s"
