# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE: the stand-in A1111's simulated generation (no GPU, no model, no image).

How long a txt2img request takes and whether it runs out of memory are made up here,
from figures that are documented, and every answer says "simulated": true:

- Speed: seconds per iteration measured on a GTX 970 4 GB with SD 1.5 at 512x512
  (1.22 s/it with no memory flag, 2.73 s/it with --lowvram; medvram in between, as the
  A1111 wiki describes it: "only a bit" slower), scaled by $VRAMFREE_STANDIN_TIME_SCALE
  (default 0.01) so that tests stay short.
- Memory: the least free VRAM each mode needs is the collection's own table
  (docs/memory-modes.md, plugins/module_utils/_memory_mode.py: SD 1.5 without a flag
  3584 MiB, --medvram 2048 MiB); --lowvram, the table's floor, is given 512 MiB here so
  that a GPU with almost nothing free runs out even then. --medvram-sdxl acts only while
  an SDXL model is loaded, so with SD 1.5 it needs and runs what no flag does. A unit
  test holds this table to the collection's.
- Free VRAM: read from the GPU double (the fake nvidia-smi the test hosts have, which
  follows the display manager's state), plus what this UI's own processes hold there:
  that is its own room, as the webui role counts it. launch.py reads it at the first
  request, as A1111 finds its room when it loads the model, and keeps it: a warm UI's
  requests then cost no nvidia-smi run, which would blur the simulated timings.

A mode that needs more than that answers HTTP 500 with the body A1111's API gives any
exception (modules/api/api.py, handle_exception): {"error": "OutOfMemoryError",
"detail": "", "body": "", "errors": "CUDA out of memory. Tried to allocate ..."}.
"""

import os
import subprocess

# Seconds per iteration by model family and mode, unscaled.
SECONDS_PER_IT = {
    'sd15': {'none': 1.22, 'medvram-sdxl': 1.22, 'medvram': 1.7, 'lowvram': 2.73},
    'sdxl': {'none': 3.4, 'medvram-sdxl': 4.6, 'medvram': 4.6, 'lowvram': 9.0},
}
# Least free MiB a mode needs, by model family (see the module's docstring).
NEED_MIB = {
    'sd15': {'none': 3584, 'medvram-sdxl': 3584, 'medvram': 2048, 'lowvram': 512},
    'sdxl': {'none': 10240, 'medvram-sdxl': 7168, 'medvram': 7168, 'lowvram': 512},
}


def model_family():
    """SD 1.5 unless the test asks for SDXL ($VRAMFREE_STANDIN_MODEL)."""
    return 'sdxl' if os.environ.get('VRAMFREE_STANDIN_MODEL') == 'sdxl' else 'sd15'


def _nvidia_smi(*args):
    out = subprocess.run(
        ['nvidia-smi'] + list(args) + ['--format=csv,noheader,nounits'],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=False,
        env=dict(os.environ, LC_ALL='C'),
        timeout=20,
    )
    return [[cell.strip() for cell in line.split(',')] for line in out.stdout.splitlines() if line.strip()]


def _cgroup(pid):
    try:
        with open('/proc/%s/cgroup' % pid, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return None


def free_vram_mib():
    """Free MiB of this UI's GPU (the one $CUDA_VISIBLE_DEVICES names, else the first)
    with what this UI's own processes (those of its cgroup) hold counted as free; None
    when the GPU double answers nothing."""
    gpus = _nvidia_smi('--query-gpu=index,uuid,memory.free')
    if not gpus:
        return None
    wanted = os.environ.get('CUDA_VISIBLE_DEVICES', '').split(',')[0].strip()
    gpu = next((g for g in gpus if wanted and wanted in (g[0], g[1])), gpus[0])
    free = int(gpu[2])
    mine = _cgroup('self')
    for uuid, pid, used in _nvidia_smi('--query-compute-apps=gpu_uuid,pid,used_memory'):
        if uuid == gpu[1] and used.isdigit() and _cgroup(pid) == mine:
            free += int(used)
    return free


def generate(mode, steps, width=512, height=512, free=None):
    """(HTTP status, seconds to wait, answer body) for one txt2img request in ``mode``
    with ``free`` MiB of VRAM (None: unknown, nothing runs out)."""
    family = model_family()
    # Memory grows with the pixels: 512x512 is the table's case.
    need = int(NEED_MIB[family][mode] * max(1.0, (width * height) / (512.0 * 512.0)))
    if free is not None and free < need:
        message = (
            'CUDA out of memory. Tried to allocate %d.00 MiB (GPU 0; %d MiB free; '
            'simulated by the stand-in web UI: mode %s needs %d MiB)' % (need - free, free, mode, need)
        )
        return (
            500,
            0.0,
            {
                'error': 'OutOfMemoryError',
                'detail': '',
                'body': '',
                'errors': message,
                'simulated': True,
                'memory_mode': mode,
                'free_mib': free,
                'need_mib': need,
            },
        )
    per_it = SECONDS_PER_IT[family][mode]
    scale = float(os.environ.get('VRAMFREE_STANDIN_TIME_SCALE', '0.01'))
    return (
        200,
        steps * per_it * scale,
        {
            'simulated': True,
            'memory_mode': mode,
            'seconds_per_iteration': per_it,
            'time_scale': scale,
            'free_mib': free,
            'need_mib': need,
        },
    )
