#!/usr/bin/env bash
# TEST DOUBLE of AUTOMATIC1111's webui.sh (stable-diffusion-webui), for the molecule
# hosts, which have no GPU and no network. It keeps the parts of the real launcher the
# collection depends on: it sources webui-user.sh from its own folder, refuses to run
# as root unless given -f, and runs launch.py with python_cmd (not exec'd, in the real
# one's restart loop, so it exits 0 when Python is killed), which reads COMMANDLINE_ARGS. It makes the venv as the real one does, and
# installs nothing into it.
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
# As A1111 v1.10.1's webui.sh does: make venv_dir (default venv) in the install folder when
# it is missing, activate it and run launch.py with its Python. The real launch.py then
# pip-installs torch and the requirements into it; these hosts are offline, so the
# stand-in's venv sees the system's packages (the stand-in Gradio) instead, and has no pip.
venv_dir=${venv_dir:-venv}
if [[ -z "${VIRTUAL_ENV}" ]]; then
  if [[ ! -d "${venv_dir}" ]]; then
    "${python_cmd:-python3}" -m venv --system-site-packages --without-pip "${venv_dir}" || exit 1
  fi
  # shellcheck source=/dev/null
  source "${venv_dir}"/bin/activate || exit 1
  python_cmd="${venv_dir}"/bin/python
fi
# And as its webui.sh ends: launch.py in a loop that goes round again only when the UI asked
# for a restart (tmp/restart). The loop's last command is that test, so the script exits 0
# whatever became of Python, even when the kernel's OOM killer took it.
KEEP_GOING=1
export SD_WEBUI_RESTART=tmp/restart
while [[ "$KEEP_GOING" -eq "1" ]]; do
  "${python_cmd:-python3}" -u launch.py "$@"
  if [[ ! -f tmp/restart ]]; then
    KEEP_GOING=0
  fi
done
