#!/usr/bin/env bash
# make bench-fleet: site on fleets of 1, 4 and 8 local test hosts, first run and re-run,
# under Ansible's defaults, the shipped ansible.cfg and Mitogen: wall and CPU time, changes
# and tasks evaluated per host, and whether Mitogen's interpreter ran the modules. Prints a
# table and writes build/bench-fleet.json; not part of the tests (it judges nothing). About
# 15 minutes on a 2-core machine. Options go to tests/bench/bench_fleet.py (--sizes, --configs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
bash scripts/deps.sh
bash scripts/docker-up.sh
bash scripts/build-images.sh
# Each systemd container takes about five inotify instances of root's, and the kernel's
# default of 128 per user stops the 27th container's systemd (it exits 255). The full
# run has 39 up at once.
if [ "$(sysctl -n fs.inotify.max_user_instances)" -lt 1024 ]; then
  step "raising fs.inotify.max_user_instances to 1024 for the test hosts' systemd (was $(sysctl -n fs.inotify.max_user_instances))"
  sysctl -qw fs.inotify.max_user_instances=1024
fi
# site by its FQCN from this checkout, not from a copy installed elsewhere.
ANSIBLE_COLLECTIONS_PATH=$(collections_path)
export ANSIBLE_COLLECTIONS_PATH
step "fleet benchmark: site under Ansible's defaults, the shipped ansible.cfg and Mitogen"
exec python tests/bench/bench_fleet.py "$@"
