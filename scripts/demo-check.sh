#!/usr/bin/env bash
# make demo as a newcomer runs it, checked: twice in a row on the same hosts, each run
# ending with every web UI answering through its proxy from this machine; then the hosts
# are removed. Part of make test (and so of CI).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
mkdir -p build

# The demo's hosts and their proxies (molecule/default/molecule.yml): what its last
# lines must say.
expected=(
  'vramfree-default-bookworm: http://[^ ]+ answers HTTP 200 through the proxy \(socat\)'
  'vramfree-default-trixie: http://[^ ]+ answers HTTP 200 through the proxy \(nginx, with user sd-user\)'
  'vramfree-default-nogpu: no web UI \('
)

bash scripts/demo.sh --destroy >build/demo-destroy.log 2>&1 || { tail -n 20 build/demo-destroy.log; die "could not remove earlier demo hosts"; }
for run in 1 2; do
  log=build/demo-run-$run.log
  step "make demo, run $run of 2 (log: $log)"
  if ! bash scripts/demo.sh >"$log" 2>&1; then
    tail -n 60 "$log"
    die "make demo failed on run $run"
  fi
  # The lines the demo ends with, before its closing text.
  answers=$(sed -n '/==> the web UIs from this machine/,/^Done\./p' "$log")
  printf '%s\n' "$answers"
  for line in "${expected[@]}"; do
    grep -Eq "^$line" <<<"$answers" || die "run $run of make demo did not end with a line matching: $line"
  done
done
bash scripts/demo.sh --destroy >build/demo-destroy.log 2>&1 || { tail -n 20 build/demo-destroy.log; die "could not remove the demo hosts"; }
echo "make demo ran twice; each time every web UI answered through its proxy."
