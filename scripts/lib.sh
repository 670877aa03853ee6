# Shared shell helpers for the scripts in this folder (sourced, not run).
# shellcheck shell=bash

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VRAMFREE_VENV:-$REPO_ROOT/.venv}
export PATH="$VENV/bin:$PATH"
