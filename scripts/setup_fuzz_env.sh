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
# requirements-fuzz.lock. FUZZ_PYTHON chooses the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${IA_PORTFOLIO_FUZZ_VENV:-${FUZZ_VENV:-$ROOT/.venv-fuzz}}}"
TOOL_PYTHON="${FUZZ_PYTHON:-}" exec bash "$ROOT/scripts/setup_tool_venv.sh" \
    "schemathesis==4.32.5" "$ROOT/requirements-fuzz.lock" "$VENV" st
