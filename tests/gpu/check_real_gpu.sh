#!/usr/bin/env bash
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On a machine with a real NVIDIA GPU: gather gpu_vram_facts with backend=nvml and
# backend=nvidia_smi and compare every GPU's figures with nvidia-smi's own CSV query.
# Prints PASS/FAIL per GPU and backend; exits non-zero on any FAIL.
#
#   tests/gpu/check_real_gpu.sh                 # from the repository root
#   PYTHON=/path/to/python TOLERANCE_MIB=16 tests/gpu/check_real_gpu.sh
#
# PYTHON is the interpreter the module runs with: it must have nvidia-ml-py for the
# nvml backend. Used/free move while the desktop draws, hence the tolerance.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}
ansible=${ANSIBLE:-ansible}
tolerance=${TOLERANCE_MIB:-8}

command -v nvidia-smi >/dev/null || { echo "FAIL: nvidia-smi not found: this check needs a real NVIDIA GPU"; exit 2; }

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    link="$root/build/collections/ansible_collections/vramfree/webui"
    [ -e "$link" ] || { mkdir -p "$(dirname "$link")"; ln -s "$root" "$link"; }
    export ANSIBLE_COLLECTIONS_PATH="$root/build/collections"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for backend in nvml nvidia_smi; do
    LC_ALL=C nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,memory.free \
        --format=csv,noheader,nounits > "$work/smi-$backend.csv"
    # The ad-hoc (minimal) output is "localhost | SUCCESS => {json}".
    if ! "$ansible" localhost -m vramfree.webui.gpu_vram_facts -a "backend=$backend required=true" \
            -e "ansible_python_interpreter=$python" > "$work/facts-$backend.txt" 2>"$work/err-$backend.txt"; then
        echo "FAIL backend=$backend: the module failed:"
        cat "$work/facts-$backend.txt" "$work/err-$backend.txt"
        continue
    fi
done

"$python" "$root/tests/gpu/compare_vram.py" --tolerance "$tolerance" "$work"
