# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""gpu_vram_facts through the real nvidia-ml-py bindings.

Each case runs the module as Ansible does, one Python process per run, with the real
pynvml loading a libnvidia-ml.so.1 by name: the stand-in built from
tests/doubles/nvml/fake_nvml.c (its current or its 470-branch symbol set), or none at
all. So the ctypes layer is exercised for real: symbol lookup and pynvml's fallbacks,
the struct layouts, byte strings, NVML's return codes. The figures come from the same
profiles and systemd unit state as the fake nvidia-smi of the molecule hosts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fake_host import DESKTOP, DESKTOP_PIDS, PROFILES, ROOT, FakeHost, build_nvml

COLLECTIONS = ROOT / "build" / "collections"
MODULE = ROOT / "plugins" / "modules" / "gpu_vram_facts.py"

GTX970 = {
    "index": 0,
    "vendor": "nvidia",
    "name": "NVIDIA GeForce GTX 970",
    "uuid": "GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813",
    "pci_bus_id": "00000000:01:00.0",
    "memory_total_mib": 4096,
    "memory_used_mib": 701,
    "memory_free_mib": 3329,
    "memory_reserved_mib": 66,
    "display_active": True,
    "persistence_mode": False,
    "processes_supported": True,
    "processes": [
        {"pid": 1187, "name": "/usr/bin/gnome-shell", "type": "graphics", "used_memory_mib": 229},
        {"pid": 1201, "name": "/usr/lib/xorg/Xorg", "type": "graphics", "used_memory_mib": 431},
    ],
}
LOST_GPU = {
    "index": 1,
    "vendor": "nvidia",
    "name": None,
    "uuid": None,
    "pci_bus_id": None,
    "memory_total_mib": None,
    "memory_used_mib": None,
    "memory_free_mib": None,
    "memory_reserved_mib": None,
    "display_active": None,
    "persistence_mode": None,
    "processes_supported": False,
    "processes": [],
    "error": "GPU is lost",
}
GTX1070_DESKTOP = dict(
    GTX970,
    name="NVIDIA GeForce GTX 1070",
    uuid="GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08",
    memory_total_mib=8192,
    memory_used_mib=701,
    memory_free_mib=7413,
    memory_reserved_mib=78,
)
WEBUI = {"vramfree-fake-webui.service": {"main_pid": 2950}}


@pytest.fixture(scope="session")
def nvml_build():
    return build_nvml()


@pytest.fixture
def gpu_host(tmp_path, nvml_build):
    fake = FakeHost(tmp_path)

    def run(args=None, nvml="current", profile="gtx970.json", units=None, cgroups=None):
        params = tmp_path / "args.json"
        params.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}), encoding="utf-8")
        env = fake.env(
            PROFILES / profile if isinstance(profile, str) else profile,
            DESKTOP if units is None else units,
            DESKTOP_PIDS if cgroups is None else cgroups,
            nvml,
        )
        env["PYTHONPATH"] = str(COLLECTIONS)
        proc = subprocess.run(
            [sys.executable, str(MODULE), str(params)],
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.stderr == ""
        result = json.loads(proc.stdout)
        warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        return result, warnings

    return run


def facts(result):
    """The facts, less each process's systemd unit: the pids here are the double's, so the
    unit read from this machine's /proc says nothing (test_proc_unit and the molecule
    scenarios check it on real processes); every process must carry the key."""
    gpu_vram = result["ansible_facts"]["gpu_vram"]
    for gpu in gpu_vram["gpus"]:
        for proc in gpu["processes"]:
            assert "unit" in proc and (proc["unit"] is None or proc["unit"].endswith((".service", ".scope")))
            del proc["unit"]
    return gpu_vram


@pytest.mark.parametrize("check_mode", [False, True])
def test_desktop_on_a_gtx970_through_nvml(gpu_host, check_mode):
    result, warnings = gpu_host({"_ansible_check_mode": check_mode})
    assert facts(result) == {"backend": "nvml", "driver_version": "535.247.01", "gpus": [GTX970]}
    assert warnings == []
    assert result["changed"] is False


def test_desktop_stopped_nvml_follows_the_units(gpu_host):
    result, _warnings = gpu_host(units={})
    (gpu,) = facts(result)["gpus"]
    assert (gpu["memory_used_mib"], gpu["memory_free_mib"], gpu["display_active"], gpu["processes"]) == (
        1,
        4029,
        False,
        [],
    )


def test_470_driver_without_v2_and_v3_symbols(gpu_host):
    # No nvmlDeviceGetMemoryInfo_v2: the v1 figures, used counting the reservation;
    # no *RunningProcesses_v3: the _v2 calls.
    result, warnings = gpu_host(nvml="r470", profile="gtx970-470.json")
    assert facts(result) == {
        "backend": "nvml",
        "driver_version": "470.256.02",
        "gpus": [
            dict(GTX970, memory_total_mib=4043, memory_used_mib=702, memory_free_mib=3341, memory_reserved_mib=None)
        ],
    }
    assert warnings == []


def test_old_geforce_processes_not_supported(gpu_host):
    result, warnings = gpu_host(nvml="r470", profile="no-processes.json")
    assert facts(result) == {
        "backend": "nvml",
        "driver_version": "470.256.02",
        "gpus": [
            {
                "index": 0,
                "vendor": "nvidia",
                "name": "NVIDIA GeForce GT 730",
                "uuid": "GPU-8c41f0d2-6a7e-4b35-9d1c-2e5f7a9b3c60",
                "pci_bus_id": "00000000:01:00.0",
                "memory_total_mib": 1999,
                "memory_used_mib": 178,
                "memory_free_mib": 1821,
                "memory_reserved_mib": None,
                "display_active": None,
                "persistence_mode": False,
                "processes_supported": False,
                "processes": [],
            }
        ],
    }
    assert warnings == []


def test_two_gpus_desktop_on_one_web_ui_on_the_other(gpu_host):
    result, warnings = gpu_host(profile="two-gpu.json", units=dict(DESKTOP, **WEBUI))
    assert facts(result) == {
        "backend": "nvml",
        "driver_version": "535.247.01",
        "gpus": [
            GTX1070_DESKTOP,
            {
                "index": 1,
                "vendor": "nvidia",
                "name": "NVIDIA GeForce GTX 1080 Ti",
                "uuid": "GPU-3a9e51c4-7d20-4f86-a5b3-c18e6f0d2b97",
                "pci_bus_id": "00000000:02:00.0",
                "memory_total_mib": 11264,
                "memory_used_mib": 3875,
                "memory_free_mib": 7215,
                "memory_reserved_mib": 174,
                "display_active": False,
                "persistence_mode": True,
                "processes_supported": True,
                "processes": [
                    {"pid": 2950, "name": "/opt/sd/venv/bin/python3", "type": "compute", "used_memory_mib": 3874}
                ],
            },
        ],
    }
    assert warnings == []


def test_lost_gpu_is_reported_and_the_other_read(gpu_host, tmp_path):
    profile = json.loads((PROFILES / "two-gpu.json").read_text(encoding="utf-8"))
    profile["gpus"][1]["lost_flag"] = str(tmp_path / "lost")
    (tmp_path / "lost").touch()
    path = tmp_path / "two-gpu-lost.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    result, warnings = gpu_host({"required": True}, profile=path, units=dict(DESKTOP, **WEBUI))
    assert facts(result) == {"backend": "nvml", "driver_version": "535.247.01", "gpus": [GTX1070_DESKTOP, LOST_GPU]}
    assert warnings == ["GPU 1 could not be read through NVML: GPU is lost"]


def test_no_library_auto_reads_the_same_through_nvidia_smi(gpu_host):
    result, warnings = gpu_host(nvml=None)
    assert facts(result) == {"backend": "nvidia_smi", "driver_version": "535.247.01", "gpus": [GTX970]}
    assert warnings == []


def test_no_library_explicit_nvml_fails_naming_it(gpu_host):
    result, _warnings = gpu_host({"backend": "nvml", "required": True}, nvml=None)
    assert result["failed"] is True
    assert result["msg"] == "No GPU found (tried nvml: NVML could not be initialised: NVML Shared Library Not Found)"


def test_driver_not_loaded(gpu_host, tmp_path):
    # The library is there but the kernel driver answers nothing (the state source fails).
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    result, _warnings = gpu_host({"backend": "nvml", "required": True}, profile=path)
    assert result["msg"] == "No GPU found (tried nvml: NVML could not be initialised: Driver Not Loaded)"
