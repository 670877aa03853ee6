#!/usr/bin/env bash
# TEST DOUBLE of AUTOMATIC1111's webui.sh (stable-diffusion-webui), for the molecule
# hosts, which have no GPU and no network. It keeps the parts of the real launcher the
# collection depends on: it sources webui-user.sh from its own folder, refuses to run
# as root unless given -f, and runs launch.py with python_cmd (not exec'd, as the real
# one does), which reads COMMANDLINE_ARGS. It installs nothing.
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

can_run_as_root=0
while getopts "f" flag; do
  case ${flag} in
    f) can_run_as_root=1 ;;
    *) break ;;
  esac
done

if [[ -f "$SCRIPT_DIR"/webui-user.sh ]]; then
  # shellcheck source=/dev/null
  source "$SCRIPT_DIR"/webui-user.sh
fi

if [[ $(id -u) -eq 0 && $can_run_as_root -eq 0 ]]; then
  printf '%s\n' "ERROR: This script must not be launched as root, aborting..." >&2
  exit 1
fi

cd "$SCRIPT_DIR" || exit 1
"${python_cmd:-python3}" -u launch.py "$@"
