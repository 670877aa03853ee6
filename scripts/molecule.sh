#!/usr/bin/env bash
# molecule with the collection's scenarios selected and the venv on PATH.
#   scripts/molecule.sh test -s default
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
# The scenarios live in molecule/ at the top of the collection, as the design card says.
export MOLECULE_GLOB='molecule/*/molecule.yml'
# A half-written instance config left by an interrupted run makes every later molecule
# command crash; start each scenario from a clean state.
if [ "${1:-}" = test ]; then
  scenario=default
  for ((i = 1; i <= $#; i++)); do
    [ "${!i}" = -s ] && { j=$((i + 1)); scenario=${!j}; }
  done
  rm -rf "$ANSIBLE_HOME"/tmp/molecule.*."$scenario"
  # molecule's testinfra verifier passes, saying only "Skipping, no tests found", when a
  # scenario has no tests: a scenario that proves nothing must fail.
  compgen -G "molecule/$scenario/tests/test_*.py" >/dev/null ||
    die "molecule/$scenario/tests/ has no test_*.py: its verifier would prove nothing"
fi
exec molecule "$@"
