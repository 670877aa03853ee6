#!/usr/bin/env bash
# What the tests need on a Debian 12/13 machine. Re-running it is cheap: each part is
# skipped when present.
#   scripts/deps.sh            the virtual environment with the pinned tools of
#                              requirements-dev.txt (no root needed: unit tests, lint)
#   scripts/deps.sh --system   Debian's Docker engine, debootstrap, iptables, shellcheck,
#                              git, ssh, systemd (as root: the steps that run containers,
#                              sanity, the unit tests' systemd-analyze)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --system ]; then
  need_pkgs=()
  command -v dockerd >/dev/null || need_pkgs+=(docker.io)
  command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
  command -v iptables >/dev/null || need_pkgs+=(iptables)
  # ansible-test sanity skips its shellcheck test without it.
  command -v shellcheck >/dev/null || need_pkgs+=(shellcheck)
  command -v git >/dev/null || need_pkgs+=(git)
  # The stand-in libnvidia-ml.so.1 of the GPU double is compiled in the test run.
  command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
  command -v ssh >/dev/null || need_pkgs+=(openssh-client)
  # The unit tests check the roles' systemd units with systemd-analyze verify.
  command -v systemd-analyze >/dev/null || need_pkgs+=(systemd)
  python3 -c 'import ensurepip, venv' 2>/dev/null || need_pkgs+=(python3-venv)
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "run as root to install ${need_pkgs[*]} (or install them yourself)"
    step "apt-get install ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  fi
  exit 0
fi

# The venv is rebuilt when requirements-dev.txt changes, so every run uses the pins.
stamp="$VENV/.requirements-dev.sha256"
want=$(sha256sum "$REPO_ROOT/requirements-dev.txt" | cut -d' ' -f1)
python3 -c 'import ensurepip, venv' 2>/dev/null \
  || die "python3 cannot make virtual environments: install python3-venv (scripts/deps.sh --system, as root)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "virtual environment $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REPO_ROOT/requirements-dev.txt" \
    2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
  echo "$want" >"$stamp"
fi
