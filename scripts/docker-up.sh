#!/usr/bin/env bash
# Start the Docker daemon when it is not answering. Debian's docker.io package does not
# start it inside containers or chroots (policy-rc.d), so the test run does it itself.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if docker info >/dev/null 2>&1; then
  exit 0
fi
command -v dockerd >/dev/null || die "dockerd not found: install Debian's docker.io (make deps)"
mkdir -p "$REPO_ROOT/build"
nohup dockerd >"$REPO_ROOT/build/dockerd.log" 2>&1 &
for _ in $(seq 1 120); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
tail -n 20 "$REPO_ROOT/build/dockerd.log" >&2
die "the Docker daemon did not answer within 60 s (log: build/dockerd.log)"
