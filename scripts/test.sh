#!/usr/bin/env bash
# The one command for all tests (`make test`). On a fresh Debian machine, as root, it
# installs what it needs, starts Docker, builds the base images when missing, then runs
# the unit tests, ansible-test sanity, ansible-lint, the collection build and every
# molecule scenario, in that order, stopping at the first failure. Prints how long each
# step took.
#
#   scripts/test.sh                   everything
#   VRAMFREE_STEPS="unit lint" scripts/test.sh     only some steps
#   VRAMFREE_SCENARIOS="default headless" scripts/test.sh   only some scenarios
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

STEPS=${VRAMFREE_STEPS:-"deps docker images gradio unit sanity lint build molecule"}
timings=()

run_step() {
  local name=$1; shift
  local start=$SECONDS
  step "$name"
  if ! "$@"; then
    summary
    die "step '$name' failed (command: $*)"
  fi
  timings+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}

summary() {
  [ ${#timings[@]} -gt 0 ] || return 0
  printf '\n%s\n' "Step timings:"
  printf '  %s\n' "${timings[@]}"
  printf '  %-28s %4d s\n' total "$SECONDS"
}

molecule_scenarios() {
  if [ -n "${VRAMFREE_SCENARIOS:-}" ]; then
    echo "$VRAMFREE_SCENARIOS"
  else
    find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort
  fi
}

for s in $STEPS; do
  case $s in
    deps)    run_step deps bash scripts/deps.sh ;;
    docker)  run_step docker bash scripts/docker-up.sh ;;
    images)  run_step images bash scripts/build-images.sh ;;
    gradio)  run_step "stand-in web UI's Gradio" bash scripts/gradio-standin.sh ;;
    unit)    run_step "unit tests" python -m pytest -q ;;
    sanity)  run_step "ansible-test sanity" bash scripts/sanity.sh ;;
    # ansible-lint resolves vramfree.webui.* through the collections path: point it at
    # this checkout, not at whatever copy may be installed in ~/.ansible/collections.
    lint)    run_step "ansible-lint" env ANSIBLE_COLLECTIONS_PATH="$(collections_path)" \
               ansible-lint --profile production ;;
    build)   run_step "collection build" bash scripts/build-check.sh ;;
    molecule)
      for scenario in $(molecule_scenarios); do
        run_step "molecule $scenario" bash scripts/molecule.sh test -s "$scenario"
      done ;;
    *) die "unknown step '$s'" ;;
  esac
done
summary
echo "All steps passed."
