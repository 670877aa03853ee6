#!/usr/bin/env bash
# Gradio 3.41.2 (the version A1111 pins) with fastapi 0.94.0 (A1111's own pin, without
# which that Gradio cannot serve), installed once into build/ for the stand-in web UI of
# the molecule hosts, which have no network: they mount it read-only. Built with this
# machine's pip configuration, for Python 3.11 (Debian 12's python3 on the hosts).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dest=$REPO_ROOT/build/gradio-3.41.2
stamp=$dest/.complete
[ -f "$stamp" ] && exit 0
py=$(command -v python3.11 || command -v python3)
"$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "the stand-in web UI's Gradio must be built with Python 3.11 (the test hosts'), found $("$py" -V)"
rm -rf "$dest"
"$py" -m pip install --quiet --disable-pip-version-check --target "$dest" gradio==3.41.2 fastapi==0.94.0 \
  2> >(grep -v -e 'is ignored: it is neither' -e 'dependency conflicts' -e 'which is incompatible' -e 'Running pip as' >&2)
touch "$stamp"
