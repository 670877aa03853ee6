#!/usr/bin/env bash
# The collection on the newest ansible-core it claims (requirements-newest.txt), beside
# the main run's (requirements-dev.txt, also the lowest it claims: meta/runtime.yml):
# unit tests, ansible-test sanity and the webui_flags scenario, in a venv of their own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

find_python() {
  local candidate
  for candidate in python3.12 python3.13; do
    command -v "$candidate" >/dev/null && "$candidate" -c '' 2>/dev/null && { command -v "$candidate"; return; }
  done
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[23]*/bin/python3.1[23]; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  die "the newest ansible-core needs Python 3.12 or 3.13 on the controller, and none was found"
}

export VRAMFREE_VENV=$REPO_ROOT/.venv-newest
VENV=$VRAMFREE_VENV
export PATH="$VENV/bin:$PATH"
# Its own molecule state and installed collection, apart from the main run's.
export ANSIBLE_HOME=$REPO_ROOT/build/ansible-home-newest
stamp="$VENV/.requirements-newest.sha256"
want=$(sha256sum requirements-newest.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "virtual environment $VENV"
  "$(find_python)" -m venv --clear "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-newest.txt \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" >"$stamp"
fi
core=$(python -c 'import ansible.release as r; print(r.__version__)')

step "unit tests on ansible-core $core"
python -m pytest -q -p no:cacheprovider tests/unit

step "ansible-test sanity on ansible-core $core"
VRAMFREE_SANITY_DIR=$REPO_ROOT/build/sanity-newest bash scripts/sanity.sh

# Under the fleet strategy of the shipped ansible.cfg: mitogen is not installed in this
# venv, so this is its fall-back to linear, end to end.
step "molecule webui_flags on ansible-core $core, fleet strategy without mitogen"
python -c 'import ansible_mitogen' 2>/dev/null && die "mitogen is in $VENV: the fall-back would go untested"
ANSIBLE_STRATEGY=vramfree.webui.fleet bash scripts/molecule.sh test -s webui_flags
