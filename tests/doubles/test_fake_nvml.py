# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in libnvidia-ml.so.1 against NVML's own interface."""

from __future__ import annotations

import subprocess

import pytest
from fake_host import build_nvml

# Entry points pynvml looks up for gpu_vram_facts, and the versions each driver has.
CURRENT_ONLY = {
    "nvmlDeviceGetMemoryInfo_v2",
    "nvmlDeviceGetComputeRunningProcesses_v3",
    "nvmlDeviceGetGraphicsRunningProcesses_v3",
}
BOTH = {
    "nvmlInitWithFlags",
    "nvmlInit_v2",
    "nvmlShutdown",
    "nvmlErrorString",
    "nvmlSystemGetDriverVersion",
    "nvmlSystemGetProcessName",
    "nvmlDeviceGetCount_v2",
    "nvmlDeviceGetHandleByIndex_v2",
    "nvmlDeviceGetName",
    "nvmlDeviceGetUUID",
    "nvmlDeviceGetPciInfo_v3",
    "nvmlDeviceGetMemoryInfo",
    "nvmlDeviceGetDisplayActive",
    "nvmlDeviceGetPersistenceMode",
    "nvmlDeviceGetComputeRunningProcesses_v2",
    "nvmlDeviceGetGraphicsRunningProcesses_v2",
}


@pytest.mark.parametrize("variant, expected", [("current", BOTH | CURRENT_ONLY), ("r470", BOTH)])
def test_exports_exactly_the_driver_branchs_symbols(variant, expected):
    lib = build_nvml() / variant / "libnvidia-ml.so.1"
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, stdout=subprocess.PIPE, text=True).stdout
    assert {line.split()[-1] for line in out.splitlines()} == expected
    soname = subprocess.run(["objdump", "-p", str(lib)], check=True, stdout=subprocess.PIPE, text=True).stdout
    assert "SONAME               libnvidia-ml.so.1" in soname
