# Shared shell helpers for the scripts in this folder (sourced, not run).
# shellcheck shell=bash

step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VRAMFREE_VENV:-$REPO_ROOT/.venv}
export PATH="$VENV/bin:$PATH"
# Molecule keeps its instance configs and an installed copy of the collection under
# ANSIBLE_HOME: one per checkout, so two checkouts on one machine never share them.
export ANSIBLE_HOME=${ANSIBLE_HOME:-$REPO_ROOT/build/ansible-home}

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

# Close the SSH master connections (ControlPersist) whose sockets are in folder $1 and
# remove it: Docker gives new test hosts the addresses of old ones, and a master left by
# an earlier run would carry the next run's tasks to a host that is gone.
forget_ssh_masters() {
  local socket
  [ -d "$1" ] || return 0
  for socket in "$1"/*; do
    [ -S "$socket" ] && { ssh -o ControlPath="$socket" -O exit vramfree-test 2>/dev/null || true; }
  done
  rm -rf -- "$1"
}
