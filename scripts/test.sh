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
#
# Under CI (CI set) those two variables are ignored: CI always runs every step and every
# scenario, and fails unless the scenarios it ran are exactly EXPECTED_SCENARIOS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

ALL_STEPS="sysdeps deps docker images gradio unit sanity lint build molecule demo compat"
# Every scenario under molecule/, by name. A scenario added, renamed or removed without
# updating this list fails the run instead of being silently run or left out.
EXPECTED_SCENARIOS="benchmark default headless hostile llm mitogen proxy restore webui webui_flags"

if [ -n "${CI:-}" ]; then
  for var in VRAMFREE_STEPS VRAMFREE_SCENARIOS; do
    [ -z "${!var:-}" ] || echo "CI is set: ignoring $var=${!var}" >&2
  done
  unset VRAMFREE_STEPS VRAMFREE_SCENARIOS
fi
STEPS=${VRAMFREE_STEPS:-$ALL_STEPS}
timings=()
ran_scenarios=()

run_step() {
  local name=$1; shift
  local start=$SECONDS log
  # Each step's output is kept too, so that a failure ends with its own last lines: a CI
  # log that shows only its end still says why.
  log=$REPO_ROOT/build/logs/$(tr -cs 'A-Za-z0-9\n' '-' <<<"$name").log
  mkdir -p "${log%/*}"
  step "$name"
  if ! "$@" 2>&1 | tee "$log"; then
    summary
    printf '\nLast lines of step %s (all of them in %s):\n' "$name" "$log"
    tail -n 80 "$log" | sed 's/^/  | /'
    die "step '$name' failed (command: $*)"
  fi
  timings+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}

# Two steps side by side, each with its own log, its own timing and the same failure
# report as run_step. make demo and the newest ansible-core's checks share nothing (their
# own containers, ANSIBLE_HOME and venv) and the first mostly waits on its hosts, so the
# pair takes about as long as the longer one.
run_pair() {
  local names=("$1" "$3") commands=("$2" "$4") logs=() i rc secs failed=""
  step "${names[0]} and ${names[1]}, side by side (logs in build/logs/)"
  for i in 0 1; do
    logs[i]=$REPO_ROOT/build/logs/$(tr -cs 'A-Za-z0-9\n' '-' <<<"${names[i]}").log
    mkdir -p "${logs[i]%/*}"
    (
      start=$SECONDS rc=0
      bash -c "${commands[i]}" >"${logs[i]}" 2>&1 || rc=$?
      echo "$rc $((SECONDS - start))" >"${logs[i]}.result"
    ) &
  done
  wait
  for i in 0 1; do
    read -r rc secs <"${logs[i]}.result"
    timings+=("$(printf '%-28s %4d s' "${names[i]}" "$secs")")
    printf '  %s %s in %d s\n' "${names[i]}" "$([ "$rc" = 0 ] && echo passed || echo FAILED)" "$secs"
    [ "$rc" = 0 ] || failed+=" $i"
  done
  [ -z "$failed" ] && return 0
  summary
  for i in $failed; do
    printf '\nLast lines of step %s (all of them in %s):\n' "${names[i]}" "${logs[i]}"
    tail -n 80 "${logs[i]}" | sed 's/^/  | /'
  done
  die "step(s) failed:$(for i in $failed; do printf ' %s' "'${names[i]}'"; done)"
}

summary() {
  [ ${#timings[@]} -gt 0 ] || return 0
  printf '\n%s\n' "Step timings:"
  printf '  %s\n' "${timings[@]}"
  printf '  %-28s %4d s\n' total "$SECONDS"
}

sorted_words() { tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

molecule_scenarios() {
  if [ -n "${VRAMFREE_SCENARIOS:-}" ]; then
    echo "$VRAMFREE_SCENARIOS"
  else
    local found
    found=$(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -rn1 basename)
    [ "$(sorted_words "$found")" = "$(sorted_words "$EXPECTED_SCENARIOS")" ] ||
      die "scenarios under molecule/ ($(sorted_words "$found")) differ from EXPECTED_SCENARIOS ($(sorted_words "$EXPECTED_SCENARIOS"))"
    echo "$EXPECTED_SCENARIOS"
  fi
}

# The whole suite (the default steps) must have run every expected scenario, no fewer.
check_scenarios_ran() {
  if [ "$STEPS" != "$ALL_STEPS" ] || [ -n "${VRAMFREE_SCENARIOS:-}" ]; then
    return 0
  fi
  local ran expected
  ran=$(sorted_words "${ran_scenarios[@]}")
  expected=$(sorted_words "$EXPECTED_SCENARIOS")
  if [ -z "$ran" ] || [ "$ran" != "$expected" ]; then
    die "molecule ran '$ran', expected '$expected'"
  fi
  echo "Molecule scenarios run: $ran"
}

# Scenarios at a time (VRAMFREE_MOLECULE_JOBS, default 2): most of a scenario's time is
# spent waiting on systemd, SSH and apt in its containers, so two lanes share the cores.
# Each lane has its own ANSIBLE_HOME (molecule installs the collection there at every
# run) and takes the longest scenario left; container names are the scenarios' own.
MOLECULE_JOBS=${VRAMFREE_MOLECULE_JOBS:-2}
# Longest first, from the step timings in README.md; a scenario not named here goes last.
SCENARIO_ORDER="proxy hostile headless webui default benchmark llm restore webui_flags mitogen"

molecule_lanes() {
  local dir=$REPO_ROOT/build/molecule-lanes lane scenario name secs rc failed=""
  rm -rf "$dir" && mkdir -p "$dir" "$REPO_ROOT/build/logs"
  for scenario in $SCENARIO_ORDER; do
    [[ " $* " == *" $scenario "* ]] && echo "$scenario"
  done >"$dir/queue"
  for scenario in "$@"; do
    grep -qx "$scenario" "$dir/queue" || echo "$scenario" >>"$dir/queue"
  done
  step "molecule: $(wc -l <"$dir/queue") scenarios, $MOLECULE_JOBS at a time (logs in build/logs/molecule-*.log)"
  for ((lane = 1; lane <= MOLECULE_JOBS; lane++)); do
    (
      export ANSIBLE_HOME=$REPO_ROOT/build/ansible-home-lane$lane
      while [ ! -e "$dir/failed" ]; do
        # sed -i replaces the queue file: the lock is on a file of its own.
        # shellcheck disable=SC2016  # $1 is the inner shell's
        scenario=$(flock "$dir/lock" sh -c 'head -n 1 "$1"; sed -i 1d "$1"' _ "$dir/queue")
        [ -n "$scenario" ] || break
        start=$SECONDS
        printf '  lane %d: %s\n' "$lane" "$scenario"
        rc=0
        bash scripts/molecule.sh test -s "$scenario" >"$REPO_ROOT/build/logs/molecule-$scenario.log" 2>&1 || rc=$?
        echo "$scenario $((SECONDS - start)) $rc" >>"$dir/results"
        printf '  lane %d: %s %s in %d s\n' "$lane" "$scenario" "$([ $rc = 0 ] && echo passed || echo FAILED)" \
          $((SECONDS - start))
        [ $rc = 0 ] || touch "$dir/failed"
      done
    ) &
  done
  wait
  while read -r name secs rc; do
    timings+=("$(printf '%-28s %4d s' "molecule $name" "$secs")")
    if [ "$rc" = 0 ]; then ran_scenarios+=("$name"); else failed+=" $name"; fi
  done <"$dir/results"
  if [ -n "$failed" ]; then
    summary
    for name in $failed; do
      printf '\nLast lines of molecule %s (all of them in build/logs/molecule-%s.log):\n' "$name" "$name"
      tail -n 80 "$REPO_ROOT/build/logs/molecule-$name.log" | sed 's/^/  | /'
    done
    die "molecule failed:$failed"
  fi
}

for s in $STEPS; do
  case $s in
    sysdeps) run_step "system packages" bash scripts/deps.sh --system ;;
    deps)    run_step "virtual environment" bash scripts/deps.sh ;;
    docker)  run_step docker bash scripts/docker-up.sh ;;
    images)  run_step images bash scripts/build-images.sh ;;
    gradio)  run_step "stand-in web UI's Gradio" bash scripts/gradio-standin.sh ;;
    # The collection's tests and the GPU doubles' own tests, counted apart.
    unit)    run_step "unit tests" python -m pytest -q tests/unit
             run_step "test doubles" python -m pytest -q tests/doubles ;;
    sanity)  run_step "ansible-test sanity" bash scripts/sanity.sh ;;
    compat)  [ -n "${compat_done:-}" ] || run_step "newest ansible-core" bash scripts/compat.sh ;;
    # make demo twice, as a newcomer runs it, ending with each web UI through its proxy;
    # beside the newest ansible-core's checks when both are asked for.
    demo)
      if [[ " $STEPS " == *" compat "* ]]; then
        run_pair "make demo, twice" "bash scripts/demo-check.sh" "newest ansible-core" "bash scripts/compat.sh"
        compat_done=1
      else
        run_step "make demo, twice" bash scripts/demo-check.sh
      fi ;;
    lint)    run_step "lint (ansible-lint, changelog)" bash scripts/lint.sh ;;
    build)   run_step "collection build" bash scripts/build-check.sh ;;
    molecule)
      scenarios=$(molecule_scenarios)
      if [ "$MOLECULE_JOBS" -gt 1 ]; then
        # shellcheck disable=SC2086  # one word per scenario
        molecule_lanes $scenarios
      else
        for scenario in $scenarios; do
          run_step "molecule $scenario" bash scripts/molecule.sh test -s "$scenario"
          ran_scenarios+=("$scenario")
        done
      fi ;;
    *) die "unknown step '$s'" ;;
  esac
done
summary
check_scenarios_ran
echo "All steps passed."
