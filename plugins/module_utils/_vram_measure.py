# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The VRAM measurement of a host, as the modules take it (gpu_vram_facts, and
converged_facts in the same call as its digests): the backends of _gpu with the host's
pynvml and nvidia-smi, and each process's systemd unit."""

from __future__ import annotations

import traceback

from ansible_collections.vramfree.webui.plugins.module_utils import _command, _gpu, _proc_unit

try:
    import pynvml
except ImportError:
    pynvml = None
    PYNVML_IMPORT_ERROR = traceback.format_exc()
else:
    PYNVML_IMPORT_ERROR = None

SYSFS_ROOT = "/sys"
PROC_ROOT = "/proc"


def load_nvml():
    if pynvml is None:
        raise _gpu.GpuProbeError("the pynvml module (nvidia-ml-py) is not installed")
    return pynvml


def nvidia_smi_runner(module, timeout):
    path = module.get_bin_path("nvidia-smi")
    if path is None:
        return None

    def run(args):
        # LC_ALL=C: the CSV and XML parsers rely on the tool's untranslated output.
        try:
            return _command.run([path] + list(args), timeout, env_update={"LC_ALL": "C", "LANG": "C"})
        except _command.CommandTimeout as exc:
            raise _gpu.SmiCommandTimeout(str(exc)) from exc

    return run


def measure(module, backend="auto", timeout=20):
    """``(facts, warnings, failures)`` of _gpu.gather, each process given its unit."""
    facts, warnings, failures = _gpu.gather(backend, load_nvml, nvidia_smi_runner(module, timeout), SYSFS_ROOT)
    _proc_unit.annotate_units(facts, PROC_ROOT)
    return facts, warnings, failures
