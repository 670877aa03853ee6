# Shared shell helpers for the scripts in this folder (sourced, not run).
# shellcheck shell=bash

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VRAMFREE_VENV:-$REPO_ROOT/.venv}
export PATH="$VENV/bin:$PATH"

# A collections path in which this checkout is vramfree.webui, so playbooks and
# ansible-doc use the working tree as it is.
collections_path() {
  local base="$REPO_ROOT/build/collections"
  local link="$base/ansible_collections/vramfree/webui"
  if [ ! -e "$link" ]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$REPO_ROOT" "$link"
  fi
  echo "$base"
}
