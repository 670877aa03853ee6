# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in libnvidia-ml.so.1 against NVML's own interface."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fake_host import DESKTOP, DESKTOP_PIDS, PROFILES, FakeHost, build_nvml

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


def test_nvml_counts_a_used_mib_file_holder(tmp_path):
    """The library reads fake-nvidia-smi --x-vramfree-state, so a stand-in LLM server's
    declared VRAM reaches pynvml too."""
    build = build_nvml()
    fake = FakeHost(tmp_path)
    profile = json.loads((PROFILES / "two-gpus-llamacpp.json").read_text(encoding="utf-8"))
    held = tmp_path / "llamacpp.mib"
    profile["holders"][-1]["used_mib_file"] = str(held)
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    env = fake.env(path, dict(DESKTOP, **{"llamacpp.service": {"main_pid": 3131}}), DESKTOP_PIDS, "current")
    script = (
        "import pynvml\n"
        "pynvml.nvmlInit()\n"
        "h = pynvml.nvmlDeviceGetHandleByIndex(1)\n"
        "m = pynvml.nvmlDeviceGetMemoryInfo(h)\n"
        "p = pynvml.nvmlDeviceGetComputeRunningProcesses(h)\n"
        "print(m.used // 2**20, m.free // 2**20, [(x.pid, x.usedGpuMemory // 2**20) for x in p])\n"
    )

    def read():
        return subprocess.run(
            [sys.executable, "-c", script], env=env, check=True, stdout=subprocess.PIPE, text=True
        ).stdout

    assert build.exists()
    assert read() == "175 11089 []\n"
    held.write_text("8334\n", encoding="ascii")
    assert read() == "8509 2755 [(3131, 8334)]\n"
