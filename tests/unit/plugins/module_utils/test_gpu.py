# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The GPU backends on modelled cards: fake NVML, recorded nvidia-smi, fake sysfs.

What each case is modelled on is in tests/unit/fixtures/gpu/README.md. Expected facts
are written out in full from the modelled figures (bytes // 1048576).
"""

from __future__ import annotations

import os

import pynvml
import pytest
from gpu_doubles import FIXTURES, MIB, FakeNvml, RecordedSmi

from ansible_collections.vramfree.webui.plugins.module_utils import _gpu


def b(mib, extra=0):
    """MiB as NVML's byte counts, which are rarely whole MiB."""
    return mib * MIB + extra


def gpu(**values):
    base = {
        "vendor": "nvidia",
        "uuid": None,
        "pci_bus_id": None,
        "memory_reserved_mib": None,
        "display_active": None,
        "persistence_mode": None,
        "processes_supported": True,
        "processes": [],
    }
    base.update(values)
    assert set(base) == set(_gpu.GPU_KEYS) | ({"error"} if "error" in values else set())
    return base


def proc(pid, name, kind, used):
    return {"pid": pid, "name": name, "type": kind, "used_memory_mib": used}


GTX970 = dict(name="NVIDIA GeForce GTX 970", uuid="GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813", bus_id="00000000:01:00.0")
GTX1070 = dict(
    name="NVIDIA GeForce GTX 1070", uuid="GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08", bus_id="00000000:01:00.0"
)
GTX1080TI = dict(
    name="NVIDIA GeForce GTX 1080 Ti", uuid="GPU-3a9e51c4-7d20-4f86-a5b3-c18e6f0d2b97", bus_id="00000000:02:00.0"
)
GNOME_NAMES = {1201: "/usr/lib/xorg/Xorg", 1874: "/usr/bin/gnome-shell"}

NVML_CASES = {
    "gtx970 with GNOME on Xorg, driver 535": dict(
        nvml=dict(
            driver="535.247.01",
            names=GNOME_NAMES,
            devices=[
                dict(
                    GTX970,
                    total=b(4096),
                    reserved=b(66, 12288),
                    used=b(701, 327680),
                    free=b(4096) - b(66, 12288) - b(701, 327680),
                    display=1,
                    persistence=0,
                    graphics=[(1874, b(229)), (1201, b(431))],
                    compute=[],
                )
            ],
        ),
        facts={
            "backend": "nvml",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 970",
                    uuid=GTX970["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=4096,
                    memory_used_mib=701,
                    memory_free_mib=3328,
                    memory_reserved_mib=66,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1201, "/usr/lib/xorg/Xorg", "graphics", 431),
                        proc(1874, "/usr/bin/gnome-shell", "graphics", 229),
                    ],
                )
            ],
        },
    ),
    "gtx970 after the desktop stopped": dict(
        nvml=dict(
            driver="535.247.01",
            devices=[
                dict(
                    GTX970,
                    total=b(4096),
                    reserved=b(66, 12288),
                    used=b(0, 786432),
                    free=b(4096) - b(66, 12288) - b(0, 786432),
                    display=0,
                    persistence=0,
                    graphics=[],
                    compute=[],
                )
            ],
        ),
        facts={
            "backend": "nvml",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 970",
                    uuid=GTX970["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=4096,
                    memory_used_mib=0,
                    memory_free_mib=4029,
                    memory_reserved_mib=66,
                    display_active=False,
                    persistence_mode=False,
                )
            ],
        },
    ),
    "gtx1070 with KDE: krunner's name only from /proc": dict(
        nvml=dict(
            driver="535.247.01",
            names={1432: "/usr/lib/xorg/Xorg", 1688: "/usr/bin/kwin_x11", 1701: "denied", 1733: "/usr/bin/plasmashell"},
            devices=[
                dict(
                    GTX1070,
                    total=b(8192),
                    reserved=b(78),
                    used=b(1509, 4096),
                    free=b(8192) - b(78) - b(1509, 4096),
                    display=1,
                    persistence=0,
                    graphics=[(1432, b(1025)), (1688, b(313)), (1701, b(3)), (1733, b(58))],
                    compute=[],
                )
            ],
        ),
        comm={1701: "krunner"},
        facts={
            "backend": "nvml",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 1070",
                    uuid=GTX1070["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=8192,
                    memory_used_mib=1509,
                    memory_free_mib=6604,
                    memory_reserved_mib=78,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1432, "/usr/lib/xorg/Xorg", "graphics", 1025),
                        proc(1688, "/usr/bin/kwin_x11", "graphics", 313),
                        proc(1701, "krunner", "graphics", 3),
                        proc(1733, "/usr/bin/plasmashell", "graphics", 58),
                    ],
                )
            ],
        },
    ),
    "two GPUs: desktop on one, a compute job also drawing on the other": dict(
        nvml=dict(
            driver="535.247.01",
            names={
                1432: "/usr/lib/xorg/Xorg",
                1688: "/usr/bin/kwin_x11",
                5120: "/opt/sd/venv/bin/python3",
                4310: "ollama",
            },
            devices=[
                dict(
                    GTX1070,
                    total=b(8192),
                    reserved=b(78),
                    used=b(1509),
                    free=b(8192) - b(78) - b(1509),
                    display=1,
                    persistence=0,
                    graphics=[(1432, b(1025)), (1688, b(313))],
                    compute=[],
                ),
                dict(
                    GTX1080TI,
                    total=b(11264),
                    reserved=b(174),
                    used=b(3961),
                    free=b(11264) - b(174) - b(3961),
                    display=0,
                    persistence=1,
                    # In both lists; NVML has no figure in the graphics one here.
                    graphics=[(5120, None)],
                    compute=[(5120, b(3874)), (4310, None)],
                ),
            ],
        ),
        facts={
            "backend": "nvml",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 1070",
                    uuid=GTX1070["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=8192,
                    memory_used_mib=1509,
                    memory_free_mib=6605,
                    memory_reserved_mib=78,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1432, "/usr/lib/xorg/Xorg", "graphics", 1025),
                        proc(1688, "/usr/bin/kwin_x11", "graphics", 313),
                    ],
                ),
                gpu(
                    index=1,
                    name="NVIDIA GeForce GTX 1080 Ti",
                    uuid=GTX1080TI["uuid"],
                    pci_bus_id="00000000:02:00.0",
                    memory_total_mib=11264,
                    memory_used_mib=3961,
                    memory_free_mib=7129,
                    memory_reserved_mib=174,
                    display_active=False,
                    persistence_mode=True,
                    processes=[
                        proc(4310, "ollama", "compute", None),
                        proc(5120, "/opt/sd/venv/bin/python3", "compute", 3874),
                    ],
                ),
            ],
        },
    ),
    "gtx970 on a 470 driver: no _v3 process calls, no memory v2": dict(
        nvml=dict(
            driver="470.256.02",
            names=GNOME_NAMES,
            has_v3=False,
            has_memory_v2=False,
            devices=[
                dict(
                    GTX970,
                    v1_total=b(4043, 262144),
                    v1_used=b(702, 524288),
                    v1_free=b(3341, 786432 - 524288),
                    display=1,
                    persistence=0,
                    graphics=[(1201, b(431)), (1874, b(229))],
                    compute=[],
                )
            ],
        ),
        facts={
            "backend": "nvml",
            "driver_version": "470.256.02",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 970",
                    uuid=GTX970["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=4043,
                    memory_used_mib=702,
                    memory_free_mib=3341,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1201, "/usr/lib/xorg/Xorg", "graphics", 431),
                        proc(1874, "/usr/bin/gnome-shell", "graphics", 229),
                    ],
                )
            ],
        },
    ),
    "old GeForce: processes and display Not Supported": dict(
        nvml=dict(
            driver="470.256.02",
            has_v3=False,
            has_memory_v2=False,
            devices=[
                dict(
                    name="NVIDIA GeForce GT 730",
                    uuid="GPU-8c41f0d2-6a7e-4b35-9d1c-2e5f7a9b3c60",
                    bus_id="00000000:01:00.0",
                    v1_total=b(1999),
                    v1_used=b(125),
                    v1_free=b(1874),
                    display="unsupported",
                    persistence=0,
                    graphics="unsupported",
                    compute="unsupported",
                )
            ],
        ),
        facts={
            "backend": "nvml",
            "driver_version": "470.256.02",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GT 730",
                    uuid="GPU-8c41f0d2-6a7e-4b35-9d1c-2e5f7a9b3c60",
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=1999,
                    memory_used_mib=125,
                    memory_free_mib=1874,
                    persistence_mode=False,
                    processes_supported=False,
                )
            ],
        },
    ),
    "two GPUs, the first lost": dict(
        nvml=dict(
            driver="535.247.01",
            names={5120: "/opt/sd/venv/bin/python3"},
            devices=[
                dict(GTX1070, lost=True),
                dict(
                    GTX1080TI,
                    total=b(11264),
                    reserved=b(174),
                    used=b(3961),
                    free=b(11264) - b(174) - b(3961),
                    display=0,
                    persistence=1,
                    graphics=[],
                    compute=[(5120, b(3874))],
                ),
            ],
        ),
        warnings=["GPU 0 could not be read through NVML: GPU is lost"],
        facts={
            "backend": "nvml",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name=None,
                    memory_total_mib=None,
                    memory_used_mib=None,
                    memory_free_mib=None,
                    processes_supported=False,
                    error="GPU is lost",
                ),
                gpu(
                    index=1,
                    name="NVIDIA GeForce GTX 1080 Ti",
                    uuid=GTX1080TI["uuid"],
                    pci_bus_id="00000000:02:00.0",
                    memory_total_mib=11264,
                    memory_used_mib=3961,
                    memory_free_mib=7129,
                    memory_reserved_mib=174,
                    display_active=False,
                    persistence_mode=True,
                    processes=[proc(5120, "/opt/sd/venv/bin/python3", "compute", 3874)],
                ),
            ],
        },
    ),
}


@pytest.mark.parametrize("case", list(NVML_CASES), ids=list(NVML_CASES))
def test_nvml(case):
    spec = NVML_CASES[case]
    nvml = FakeNvml(**spec["nvml"])
    comm = spec.get("comm", {})
    warnings = []
    facts = _gpu.probe_nvml(nvml, warnings, read_comm=comm.get)
    assert facts == spec["facts"]
    assert warnings == spec.get("warnings", [])
    assert (nvml.calls["nvmlInit"], nvml.calls["nvmlShutdown"]) == (1, 1)


def test_nvml_470_falls_back_from_v3_to_v2_process_calls():
    nvml = FakeNvml(**NVML_CASES["gtx970 on a 470 driver: no _v3 process calls, no memory v2"]["nvml"])
    _gpu.probe_nvml(nvml, [], read_comm=lambda pid: None)
    assert {k: v for k, v in nvml.calls.items() if "Processes" in k or k.startswith(("graphics", "compute"))} == {
        "graphics_v3": 1,
        "graphics_v2": 1,
        "compute_v3": 1,
        "compute_v2": 1,
    }


def test_nvml_process_without_name_anywhere_is_unknown():
    nvml = FakeNvml(
        "535.247.01",
        [
            dict(
                GTX970,
                total=b(4096),
                reserved=b(66),
                used=b(300),
                free=b(3730),
                display=0,
                persistence=0,
                graphics=[],
                compute=[(999, b(250))],
            )
        ],
    )
    facts = _gpu.probe_nvml(nvml, [], read_comm=lambda pid: None)
    assert facts["gpus"][0]["processes"] == [proc(999, "unknown", "compute", 250)]


@pytest.mark.parametrize(
    "code, reason",
    [
        (pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, "NVML could not be initialised: NVML Shared Library Not Found"),
        (pynvml.NVML_ERROR_DRIVER_NOT_LOADED, "NVML could not be initialised: Driver Not Loaded"),
    ],
)
def test_nvml_init_failure_is_a_probe_error(code, reason):
    nvml = FakeNvml("535.247.01", [], init_error=code)
    with pytest.raises(_gpu.GpuProbeError) as err:
        _gpu.probe_nvml(nvml, [])
    assert str(err.value) == reason
    assert nvml.calls["nvmlShutdown"] == 0


def test_nvml_without_devices_is_a_probe_error_and_still_shuts_down():
    nvml = FakeNvml("535.247.01", [])
    with pytest.raises(_gpu.GpuProbeError, match="^NVML reports no GPU$"):
        _gpu.probe_nvml(nvml, [])
    assert (nvml.calls["nvmlInit"], nvml.calls["nvmlShutdown"]) == (1, 1)


# ----------------------------------------------------------------------- nvidia-smi

SMI_CASES = {
    "gtx970-gnome-535": dict(
        facts={
            "backend": "nvidia_smi",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 970",
                    uuid=GTX970["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=4096,
                    memory_used_mib=701,
                    memory_free_mib=3329,
                    memory_reserved_mib=66,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1201, "/usr/lib/xorg/Xorg", "graphics", 431),
                        proc(1874, "/usr/bin/gnome-shell", "graphics", 229),
                    ],
                )
            ],
        },
        calls=2,
    ),
    "gtx970-gnome-470": dict(
        facts={
            "backend": "nvidia_smi",
            "driver_version": "470.256.02",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 970",
                    uuid=GTX970["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=4043,
                    memory_used_mib=702,
                    memory_free_mib=3341,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1201, "/usr/lib/xorg/Xorg", "graphics", 431),
                        proc(1874, "/usr/bin/gnome-shell", "graphics", 229),
                    ],
                )
            ],
        },
        calls=3,
    ),
    "gt730-not-supported": dict(
        facts={
            "backend": "nvidia_smi",
            "driver_version": "470.256.02",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GT 730",
                    uuid="GPU-8c41f0d2-6a7e-4b35-9d1c-2e5f7a9b3c60",
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=1999,
                    memory_used_mib=125,
                    memory_free_mib=1874,
                    persistence_mode=False,
                    processes_supported=False,
                )
            ],
        },
        calls=3,
    ),
    "two-gpu-compute": dict(
        facts={
            "backend": "nvidia_smi",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 1070",
                    uuid=GTX1070["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=8192,
                    memory_used_mib=1509,
                    memory_free_mib=6605,
                    memory_reserved_mib=78,
                    display_active=True,
                    persistence_mode=False,
                    processes=[
                        proc(1432, "/usr/lib/xorg/Xorg", "graphics", 1025),
                        proc(1688, "/usr/bin/kwin_x11", "graphics", 313),
                    ],
                ),
                gpu(
                    index=1,
                    name="NVIDIA GeForce GTX 1080 Ti",
                    uuid=GTX1080TI["uuid"],
                    pci_bus_id="00000000:02:00.0",
                    memory_total_mib=11264,
                    memory_used_mib=3961,
                    memory_free_mib=7129,
                    memory_reserved_mib=174,
                    display_active=False,
                    persistence_mode=True,
                    processes=[
                        proc(4310, "ollama", "compute", None),
                        proc(5120, "/opt/sd/venv/bin/python3", "compute", 3874),
                    ],
                ),
            ],
        },
        calls=2,
    ),
    "lost-gpu": dict(
        facts={
            "backend": "nvidia_smi",
            "driver_version": "535.247.01",
            "gpus": [
                gpu(
                    index=0,
                    name="NVIDIA GeForce GTX 1070",
                    uuid=GTX1070["uuid"],
                    pci_bus_id="00000000:01:00.0",
                    memory_total_mib=8192,
                    memory_used_mib=1509,
                    memory_free_mib=6605,
                    memory_reserved_mib=78,
                    display_active=True,
                    persistence_mode=False,
                    processes_supported=False,
                ),
                gpu(
                    index=1,
                    name=None,
                    memory_total_mib=None,
                    memory_used_mib=None,
                    memory_free_mib=None,
                    processes_supported=False,
                    error="Unable to determine the device handle for GPU0000:02:00.0: GPU is lost.  "
                    "Reboot the system to recover this GPU",
                ),
            ],
        },
        calls=2,
        warnings=[
            "nvidia-smi -q -x gave no process list: 0, NVIDIA GeForce GTX 1070, "
            "GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08, 00000000:01:00.0, 8192, 1509, 6605, 78, Enabled, "
            "Disabled, 535.247.01\nUnable to determine the device handle for GPU0000:02:00.0: GPU is lost.  "
            "Reboot the system to recover this GPU",
            "GPU 1 could not be read through nvidia-smi: Unable to determine the device handle for "
            "GPU0000:02:00.0: GPU is lost.  Reboot the system to recover this GPU",
        ],
    ),
}


@pytest.mark.parametrize("case", list(SMI_CASES))
def test_nvidia_smi(case):
    spec = SMI_CASES[case]
    run = RecordedSmi(case)
    warnings = []
    assert _gpu.probe_nvidia_smi(run, warnings) == spec["facts"]
    assert warnings == spec.get("warnings", [])
    assert len(run.calls) == spec["calls"]


def test_nvidia_smi_asks_for_memory_reserved_then_drops_it():
    run = RecordedSmi("gtx970-gnome-470")
    _gpu.probe_nvidia_smi(run, [])
    full = (
        "--query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,memory.free,"
        "memory.reserved,display_active,persistence_mode,driver_version"
    )
    assert run.calls == [
        [full, "--format=csv,noheader,nounits"],
        [full.replace("memory.reserved,", ""), "--format=csv,noheader,nounits"],
        ["-q", "-x"],
    ]


def test_nvidia_smi_without_driver():
    with pytest.raises(_gpu.GpuProbeError) as err:
        _gpu.probe_nvidia_smi(RecordedSmi("driver-not-loaded"), [])
    assert str(err.value) == (
        "nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate "
        "with the NVIDIA driver. Make sure that the latest NVIDIA driver is "
        "installed and running."
    )


def test_nvidia_smi_not_installed():
    with pytest.raises(_gpu.GpuProbeError, match="^nvidia-smi is not installed$"):
        _gpu.probe_nvidia_smi(None, [])


# ---------------------------------------------------------------------- amdgpu sysfs


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


@pytest.fixture
def sysfs(tmp_path):
    """A desktop with an RX 6800 XT (card1), an Intel iGPU (card0) and connectors."""
    root = tmp_path / "sys"
    pci = root / "devices" / "pci0000:00" / "0000:00:01.1"
    drm = root / "class" / "drm"
    drm.mkdir(parents=True)
    cards = {
        "card0": ("0000:00:02.0", {"vendor": "0x8086\n", "device": "0x4680\n"}),
        "card1": (
            "0000:03:00.0",
            {
                "vendor": "0x1002\n",
                "device": "0x73bf\n",
                "mem_info_vram_total": "17163091968\n",
                "mem_info_vram_used": "631242752\n",
            },
        ),
    }
    for card, (address, files) in cards.items():
        device = pci / address
        for name, text in files.items():
            write(device / name, text)
        (drm / card).mkdir()
        os.symlink(os.path.relpath(device, drm / card), drm / card / "device")
    # Connectors carry a device link to their card; they are not cards.
    for connector, card in (("card1-DP-1", "card1"), ("card1-HDMI-A-1", "card1")):
        (drm / connector).mkdir()
        os.symlink(os.path.relpath(drm / card / "device", drm / connector), drm / connector / "device")
    write(root / "module" / "amdgpu" / "version", "\n")
    return root


AMD_FACTS = {
    "backend": "sysfs",
    "driver_version": None,
    "gpus": [
        {
            "index": 0,
            "vendor": "amd",
            "uuid": None,
            "pci_bus_id": "0000:03:00.0",
            "name": "AMD Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]",
            "memory_total_mib": 16368,
            "memory_used_mib": 602,
            "memory_free_mib": 15766,
            "memory_reserved_mib": None,
            "display_active": None,
            "persistence_mode": None,
            "processes_supported": False,
            "processes": [],
        }
    ],
}


def test_sysfs_amd_card_named_from_pci_ids(sysfs):
    warnings = []
    facts = _gpu.probe_sysfs(warnings, str(sysfs), [str(FIXTURES / "pci.ids")])
    assert facts == AMD_FACTS
    assert warnings == []


def test_sysfs_without_pci_ids_names_the_device_id(sysfs, tmp_path):
    facts = _gpu.probe_sysfs([], str(sysfs), [str(tmp_path / "missing.ids")])
    expected = dict(AMD_FACTS["gpus"][0], name="AMD GPU 0x73bf")
    assert facts["gpus"] == [expected]


def test_sysfs_reads_the_driver_version_when_present(sysfs):
    write(sysfs / "module" / "amdgpu" / "version", "6.3.6\n")
    assert _gpu.probe_sysfs([], str(sysfs), [])["driver_version"] == "6.3.6"


def test_sysfs_unreadable_counter_is_a_gpu_error(sysfs):
    write(sysfs / "devices" / "pci0000:00" / "0000:00:01.1" / "0000:03:00.0" / "mem_info_vram_used", "")
    warnings = []
    facts = _gpu.probe_sysfs(warnings, str(sysfs), [])
    assert facts["gpus"] == [
        gpu(
            index=0,
            vendor="amd",
            name=None,
            memory_total_mib=None,
            memory_used_mib=None,
            memory_free_mib=None,
            processes_supported=False,
            error="unreadable mem_info_vram_total/used",
        )
    ]
    assert warnings == ["card1: unreadable VRAM counters ('17163091968', '')"]


def test_sysfs_without_amd_card(tmp_path):
    with pytest.raises(_gpu.GpuProbeError) as err:
        _gpu.probe_sysfs([], str(tmp_path))
    assert str(err.value) == "no amdgpu card with mem_info_vram_total under %s/class/drm" % tmp_path


# ----------------------------------------------------------------------------- auto


def no_nvml():
    raise _gpu.GpuProbeError("the pynvml module (nvidia-ml-py) is not installed")


def test_auto_prefers_nvml_and_runs_nothing_else(sysfs):
    nvml = FakeNvml(**NVML_CASES["gtx970 after the desktop stopped"]["nvml"])
    facts, warnings, failures = _gpu.gather("auto", lambda: nvml, None, str(sysfs), [])
    assert facts == NVML_CASES["gtx970 after the desktop stopped"]["facts"]
    assert (warnings, failures) == ([], [])


def test_auto_falls_back_to_nvidia_smi_without_pynvml(sysfs):
    facts, warnings, failures = _gpu.gather("auto", no_nvml, RecordedSmi("gtx970-gnome-535"), str(sysfs))
    assert facts == SMI_CASES["gtx970-gnome-535"]["facts"]
    assert failures == [("nvml", "the pynvml module (nvidia-ml-py) is not installed")]


def test_auto_reaches_sysfs(sysfs):
    nvml = FakeNvml("", [], init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    facts, warnings, failures = _gpu.gather("auto", lambda: nvml, None, str(sysfs), [str(FIXTURES / "pci.ids")])
    assert facts == AMD_FACTS
    assert failures == [
        ("nvml", "NVML could not be initialised: NVML Shared Library Not Found"),
        ("nvidia_smi", "nvidia-smi is not installed"),
    ]


def test_nothing_found(tmp_path):
    facts, warnings, failures = _gpu.gather("auto", no_nvml, RecordedSmi("driver-not-loaded"), str(tmp_path))
    assert facts == {"backend": "none", "driver_version": None, "gpus": []}
    assert _gpu.describe_failures(failures) == (
        "nvml: the pynvml module (nvidia-ml-py) is not installed; "
        "nvidia_smi: nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the "
        "NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.; "
        "sysfs: no amdgpu card with mem_info_vram_total under %s/class/drm" % tmp_path
    )


def test_explicit_backend_tries_only_that_one(sysfs):
    facts, warnings, failures = _gpu.gather("nvidia_smi", lambda: pytest.fail("NVML used"), None, str(sysfs))
    assert facts["backend"] == "none"
    assert failures == [("nvidia_smi", "nvidia-smi is not installed")]


# ------------------------------------------------ nvidia-smi at the edges real boxes hit

TWO_GPUS = RecordedSmi("two-gpu-compute")
TWO_GPUS_CSV = TWO_GPUS._read("query-gpu.csv")
TWO_GPUS_XML = TWO_GPUS._read("q-x.xml")


def smi(csv_text=TWO_GPUS_CSV, xml_text=TWO_GPUS_XML):
    """nvidia-smi answering with the two-GPU recording, edited as a real box prints it."""

    def run(args):
        return 0, csv_text if args[0].startswith("--query-gpu=") else xml_text, ""

    return run


@pytest.mark.parametrize("unreadable", ["[Unknown Error]", "[Insufficient Permissions]", "[GPU requires reset]"])
def test_nvidia_smi_bracketed_figure_fails_only_that_gpu(unreadable):
    rows = TWO_GPUS_CSV.splitlines(True)
    rows[1] = rows[1].replace(", 3961, ", ", %s, " % unreadable)
    warnings = []
    facts = _gpu.probe_nvidia_smi(smi("".join(rows)), warnings)
    expected = _gpu.probe_nvidia_smi(smi(), [])
    assert facts["gpus"][0] == expected["gpus"][0]
    failed = facts["gpus"][1]
    assert failed["error"] == "nvidia-smi could not read memory.used %s" % unreadable
    assert failed["memory_used_mib"] is None
    assert (failed["index"], failed["memory_total_mib"], failed["memory_free_mib"]) == (1, 11264, 7129)
    assert warnings == [
        "GPU 1 could not be read through nvidia-smi: nvidia-smi could not read memory.used %s" % unreadable
    ]


def test_nvidia_smi_na_total_is_a_gpu_error_and_na_reserved_is_not():
    rows = TWO_GPUS_CSV.splitlines(True)
    rows[0] = rows[0].replace(", 8192, ", ", [N/A], ").replace(", 78, ", ", [N/A], ")
    facts = _gpu.probe_nvidia_smi(smi("".join(rows)), [])
    assert facts["gpus"][0]["error"] == "nvidia-smi could not read memory.total [N/A]"
    assert facts["gpus"][0]["memory_reserved_mib"] is None
    assert "error" not in facts["gpus"][1]


def test_nvidia_smi_process_without_pid_is_left_out_with_a_warning():
    xml = TWO_GPUS_XML.replace("<pid>1688</pid>", "<pid>N/A</pid>")
    warnings = []
    facts = _gpu.probe_nvidia_smi(smi(xml_text=xml), warnings)
    assert facts["gpus"][0]["processes"] == [proc(1432, "/usr/lib/xorg/Xorg", "graphics", 1025)]
    assert facts["gpus"][1]["processes"] == _gpu.probe_nvidia_smi(smi(), [])["gpus"][1]["processes"]
    assert warnings == [
        "GPU 00000000:01:00.0: nvidia-smi lists a process without a readable pid ('N/A'); it is left out"
    ]


def test_nvidia_smi_driver_warning_before_the_rows_is_no_gpu():
    line = "WARNING: infoROM is corrupted at gpu 0000:01:00.0\n"
    warnings = []
    facts = _gpu.probe_nvidia_smi(smi(line + TWO_GPUS_CSV), warnings)
    assert facts == _gpu.probe_nvidia_smi(smi(), [])
    assert [gpu["index"] for gpu in facts["gpus"]] == [0, 1]
    assert warnings == ["nvidia-smi printed a line that is not a GPU row, skipped: " + line.strip()]


def test_nvidia_smi_process_name_that_is_not_utf8_keeps_the_list():
    # What a decode with surrogateescape (Ansible's run_command) makes of the byte 0xff.
    xml = TWO_GPUS_XML.replace("/usr/bin/kwin_x11", "/opt/kwin\udcff")
    facts = _gpu.probe_nvidia_smi(smi(xml_text=xml), [])
    names = [p["name"] for p in facts["gpus"][0]["processes"]]
    assert names == ["/usr/lib/xorg/Xorg", "/opt/kwin\ufffd"]
    assert all(n.encode("utf-8") for n in names)


def test_nvidia_smi_timeout_of_the_device_query_is_a_probe_error():
    def run(args):
        raise _gpu.SmiCommandTimeout("nvidia-smi --query-gpu=index did not finish within 2 s and was killed")

    with pytest.raises(_gpu.GpuProbeError, match="^nvidia-smi --query-gpu=index did not finish within 2 s"):
        _gpu.probe_nvidia_smi(run, [])


def test_nvidia_smi_timeout_of_the_process_list_keeps_the_figures():
    def run(args):
        if args == ["-q", "-x"]:
            raise _gpu.SmiCommandTimeout("nvidia-smi -q -x did not finish within 2 s and was killed")
        return 0, TWO_GPUS_CSV, ""

    warnings = []
    facts = _gpu.probe_nvidia_smi(run, warnings)
    assert [g["memory_free_mib"] for g in facts["gpus"]] == [6605, 7129]
    assert [g["processes_supported"] for g in facts["gpus"]] == [False, False]
    assert warnings == [
        "nvidia-smi -q -x gave no process list: nvidia-smi -q -x did not finish within 2 s and was killed"
    ]
