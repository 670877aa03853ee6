# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fake nvidia-smi of the molecule hosts, run as a program with a fake systemctl."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from fake_host import DESKTOP, DESKTOP_PIDS, PROFILES, FakeHost
from fake_host import FAKE_SMI as FAKE


@pytest.fixture
def smi(tmp_path):
    fake = FakeHost(tmp_path)

    def run(*args, profile=None, units=None, cgroups=None):
        env = fake.env(profile, units, cgroups)
        proc = subprocess.run(
            [sys.executable, str(FAKE)] + list(args),
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        assert proc.stderr == ""
        return proc.returncode, proc.stdout

    return run


QUERY = (
    "--query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,memory.free,"
    "memory.reserved,display_active,persistence_mode,driver_version,count"
)


def test_script_runs_by_itself_with_debians_python3(tmp_path):
    assert FAKE.stat().st_mode & 0o111
    assert FAKE.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    env = {"PATH": "/usr/bin:/bin", "VRAMFREE_FAKE_GPU": str(tmp_path / "absent.json")}
    proc = subprocess.run([str(FAKE), "-L"], env=env, check=False, stdout=subprocess.PIPE, text=True)
    assert (proc.returncode, proc.stdout) == (
        0,
        "GPU 0: NVIDIA GeForce GTX 970 (UUID: GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813)\n",
    )


def test_default_profile_is_the_shipped_gtx970_profile():
    loaded = json.loads((PROFILES / "gtx970.json").read_text(encoding="utf-8"))
    namespace: dict = {}
    exec(compile(FAKE.read_text(encoding="utf-8"), str(FAKE), "exec"), {"__name__": "fake"}, namespace)
    assert namespace["DEFAULT_PROFILE"] == loaded


def test_desktop_running_holds_about_700_mib(smi):
    rc, out = smi(QUERY, "--format=csv,noheader,nounits", units=DESKTOP, cgroups=DESKTOP_PIDS)
    assert rc == 0
    # 1 baseline + Xorg 431 + gnome-shell 229 + 40 desktop overhead = 701; 4096-66-701.
    assert out == (
        "0, NVIDIA GeForce GTX 970, GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813, "
        "00000000:01:00.0, 4096, 701, 3329, 66, Enabled, Disabled, 535.247.01, 1\n"
    )


def test_header_keeps_units_and_values_carry_them(smi):
    rc, out = smi("--query-gpu=name,memory.used,memory.free,display_active", "--format=csv")
    assert rc == 0
    assert out == (
        "name, memory.used [MiB], memory.free [MiB], display_active\n"
        "NVIDIA GeForce GTX 970, 1 MiB, 4029 MiB, Disabled\n"
    )
    rc, out = smi("--query-gpu=memory.used", "--format=csv,nounits")
    assert (rc, out) == (0, "memory.used [MiB]\n1\n")


def test_processes_get_the_units_pids_in_xml(smi):
    rc, out = smi("-q", "-x", units=DESKTOP, cgroups=DESKTOP_PIDS)
    assert rc == 0
    assert out.startswith('<?xml version="1.0" ?>\n<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">\n')
    gpu = ET.fromstring(out.split("\n", 2)[2]).find("gpu")
    assert gpu.get("id") == "00000000:01:00.0"
    assert [(e.tag, e.text) for e in gpu.find("fb_memory_usage")] == [
        ("total", "4096 MiB"),
        ("reserved", "66 MiB"),
        ("used", "701 MiB"),
        ("free", "3329 MiB"),
    ]
    procs = [
        (p.findtext("pid"), p.findtext("type"), p.findtext("process_name"), p.findtext("used_memory"))
        for p in gpu.find("processes")
    ]
    # MainPID first, then the cgroup's other pids in numeric order.
    assert procs == [("1201", "G", "/usr/lib/xorg/Xorg", "431 MiB"), ("1187", "G", "/usr/bin/gnome-shell", "229 MiB")]
    assert gpu.findtext("display_active") == "Enabled"


def test_holders_sharing_one_pid_are_one_process(smi):
    rc, out = smi("-q", "-x", units={"display-manager.service": {"main_pid": 77}})
    gpu = ET.fromstring(out.split("\n", 2)[2]).find("gpu")
    procs = [
        (p.findtext("pid"), p.findtext("type"), p.findtext("process_name"), p.findtext("used_memory"))
        for p in gpu.find("processes")
    ]
    assert procs == [("77", "G", "/usr/lib/xorg/Xorg", "660 MiB")]


def test_unit_without_any_pid_holds_nothing(smi):
    rc, out = smi(
        "--query-gpu=memory.used,display_active",
        "--format=csv,noheader",
        units={"display-manager.service": {"main_pid": 0}},
    )
    assert (rc, out) == (0, "1 MiB, Disabled\n")


def test_desktop_stopped_frees_the_memory(smi):
    rc, out = smi("-q", "-x")
    gpu = ET.fromstring(out.split("\n", 2)[2]).find("gpu")
    assert gpu.findtext("fb_memory_usage/used") == "1 MiB"
    assert gpu.findtext("fb_memory_usage/free") == "4029 MiB"
    assert list(gpu.find("processes")) == []
    assert gpu.findtext("display_active") == "Disabled"


def test_470_driver_rejects_memory_reserved(smi):
    profile = PROFILES / "gtx970-470.json"
    rc, out = smi(QUERY, "--format=csv,noheader,nounits", profile=profile)
    assert (rc, out) == (2, 'Field "memory.reserved" is not a valid field to query.\n\n')
    rc, out = smi(
        QUERY.replace("memory.reserved,", ""),
        "--format=csv,noheader,nounits",
        profile=profile,
        units=DESKTOP,
        cgroups=DESKTOP_PIDS,
    )
    assert (rc, out) == (
        0,
        "0, NVIDIA GeForce GTX 970, GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813, "
        "00000000:01:00.0, 4043, 702, 3341, Enabled, Disabled, 470.256.02, 1\n",
    )
    rc, out = smi("-q", "-x", profile=profile)
    assert 'SYSTEM "nvsmi_device_v11.dtd"' in out and "<reserved>" not in out


def test_processes_not_supported(smi):
    profile = PROFILES / "no-processes.json"
    rc, out = smi("-q", "-x", profile=profile, units=DESKTOP, cgroups=DESKTOP_PIDS)
    gpu = ET.fromstring(out.split("\n", 2)[2]).find("gpu")
    assert gpu.findtext("processes") == "Not Supported"
    assert gpu.findtext("display_active") == "N/A"
    # Xorg and xfwm4 still use memory: 2 + 141 + 21 + 14.
    assert gpu.findtext("fb_memory_usage/used") == "178 MiB"
    rc, out = smi("--query-gpu=display_active", "--format=csv,noheader", profile=profile)
    assert (rc, out) == (0, "[N/A]\n")


def test_compute_apps_lists_compute_holders_only(smi, tmp_path):
    profile = json.loads((PROFILES / "gtx970.json").read_text(encoding="utf-8"))
    profile["holders"].append(
        {"gpu": 0, "unit": "webui.service", "process_name": "python3", "type": "C", "used_mib": 2210}
    )
    path = tmp_path / "compute.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    units = dict(DESKTOP, **{"webui.service": {"main_pid": 4242}})
    fields = "--query-compute-apps=gpu_uuid,gpu_bus_id,pid,process_name,used_memory"
    rc, out = smi(fields, "--format=csv", profile=path, units=units, cgroups=DESKTOP_PIDS)
    assert (rc, out) == (
        0,
        "gpu_uuid, gpu_bus_id, pid, process_name, used_gpu_memory [MiB]\n"
        "GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813, 00000000:01:00.0, 4242, python3, 2210 MiB\n",
    )
    rc, out = smi(fields, "--format=csv,noheader,nounits", profile=path, units=DESKTOP)
    assert (rc, out) == (0, "")


def test_list_and_selection(smi, tmp_path):
    profile = json.loads((PROFILES / "gtx970.json").read_text(encoding="utf-8"))
    second = dict(
        profile["gpus"][0],
        name="NVIDIA GeForce GTX 1070",
        pci_bus_id="00000000:02:00.0",
        uuid="GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08",
        memory_total_mib=8192,
    )
    profile["gpus"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    rc, out = smi("-L", profile=path)
    assert (rc, out) == (
        0,
        "GPU 0: NVIDIA GeForce GTX 970 (UUID: GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813)\n"
        "GPU 1: NVIDIA GeForce GTX 1070 (UUID: GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08)\n",
    )
    rc, out = smi("-i", "1", "--query-gpu=index,memory.total,count", "--format=csv,noheader", profile=path)
    assert (rc, out) == (0, "1, 8192 MiB, 1\n")
    rc, out = smi("--id=00000000:01:00.0", "-L", profile=path)
    assert out.startswith("GPU 0: NVIDIA GeForce GTX 970 ")


@pytest.mark.parametrize(
    "args", [("--bogus",), ("--query-gpu=name",), ("--query-gpu=name", "--format=json"), ("-i", "7", "-L")]
)
def test_bad_arguments_fail_like_the_real_tool(smi, args):
    rc, out = smi(*args)
    assert (rc, out) == (2, "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n")


def test_no_gpu_in_profile(smi, tmp_path):
    path = tmp_path / "none.json"
    path.write_text(json.dumps({"driver_version": "535.247.01", "gpus": [], "holders": []}), encoding="utf-8")
    assert smi("-L", profile=path) == (6, "No devices were found\n")


def test_summary_table_names_the_holders(smi):
    rc, out = smi(units=DESKTOP, cgroups=DESKTOP_PIDS)
    assert rc == 0
    assert "    701MiB /   4096MiB" in out
    assert "\n    0       1201      G   /usr/lib/xorg/Xorg           431MiB\n" in out


@pytest.mark.parametrize(
    "profile, units, expected_gpu",
    [
        (
            "gtx970.json",
            DESKTOP,
            {
                "memory_total_mib": 4096,
                "memory_used_mib": 701,
                "memory_free_mib": 3329,
                "memory_reserved_mib": 66,
                "display_active": True,
                "processes_supported": True,
                "processes": [
                    {"pid": 1187, "name": "/usr/bin/gnome-shell", "type": "graphics", "used_memory_mib": 229},
                    {"pid": 1201, "name": "/usr/lib/xorg/Xorg", "type": "graphics", "used_memory_mib": 431},
                ],
            },
        ),
        (
            "gtx970.json",
            {},
            {
                "memory_total_mib": 4096,
                "memory_used_mib": 1,
                "memory_free_mib": 4029,
                "memory_reserved_mib": 66,
                "display_active": False,
                "processes_supported": True,
                "processes": [],
            },
        ),
        (
            "gtx970-470.json",
            DESKTOP,
            {
                "memory_total_mib": 4043,
                "memory_used_mib": 702,
                "memory_free_mib": 3341,
                "memory_reserved_mib": None,
                "display_active": True,
                "processes_supported": True,
                "processes": [
                    {"pid": 1187, "name": "/usr/bin/gnome-shell", "type": "graphics", "used_memory_mib": 229},
                    {"pid": 1201, "name": "/usr/lib/xorg/Xorg", "type": "graphics", "used_memory_mib": 431},
                ],
            },
        ),
        (
            "no-processes.json",
            DESKTOP,
            {
                "name": "NVIDIA GeForce GT 730",
                "uuid": "GPU-8c41f0d2-6a7e-4b35-9d1c-2e5f7a9b3c60",
                "memory_total_mib": 1999,
                "memory_used_mib": 178,
                "memory_free_mib": 1821,
                "memory_reserved_mib": None,
                "display_active": None,
                "processes_supported": False,
                "processes": [],
            },
        ),
    ],
)
def test_nvidia_smi_backend_reads_the_fake(smi, profile, units, expected_gpu):
    from ansible_collections.vramfree.webui.plugins.module_utils import _gpu

    def run(args):
        rc, out = smi(*args, profile=PROFILES / profile, units=units, cgroups=DESKTOP_PIDS)
        return rc, out, ""

    warnings: list = []
    facts = _gpu.probe_nvidia_smi(run, warnings)
    expected = {
        "index": 0,
        "vendor": "nvidia",
        "name": "NVIDIA GeForce GTX 970",
        "uuid": "GPU-5d1e2a7c-3b9f-4c61-8e0a-97f2b4c6d813",
        "pci_bus_id": "00000000:01:00.0",
        "persistence_mode": False,
    }
    expected.update(expected_gpu)
    driver = "535.247.01" if profile == "gtx970.json" else "470.256.02"
    assert facts == {"backend": "nvidia_smi", "driver_version": driver, "gpus": [expected]}
    assert warnings == []


def test_used_mib_file_holder_holds_what_its_file_says(smi, tmp_path):
    profile = json.loads((PROFILES / "gtx1070-ollama-desktop.json").read_text(encoding="utf-8"))
    (holder,) = [h for h in profile["holders"] if "used_mib_file" in h]
    assert holder["used_mib_file"] == "/run/vramfree-fake-gpu/ollama.mib" and "used_mib" not in holder
    held = tmp_path / "ollama.mib"
    holder["used_mib_file"] = str(held)
    path = tmp_path / "ollama.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    running = dict(DESKTOP, **{"ollama.service": {"main_pid": 4242}})
    query = ("--query-gpu=memory.used,memory.free", "--format=csv,noheader,nounits")
    apps = ("--query-compute-apps=pid,process_name,used_memory", "--format=csv,noheader,nounits")

    def figures(units=None):
        units = units or running
        return smi(*query, profile=path, units=units, cgroups=DESKTOP_PIDS), smi(*apps, profile=path, units=units)

    # No file yet (no model loaded): nothing held, no process listed.
    assert figures() == ((0, "701, 7413\n"), (0, ""))
    held.write_text("5317\n", encoding="ascii")
    assert figures() == ((0, "6018, 2096\n"), (0, "4242, /usr/local/bin/ollama, 5317\n"))
    rc, out = smi("--x-vramfree-state", profile=path, units=running)
    assert "\ngpu 0 0 8192 78 6018 2096 1 0 1 GPU-0f6b3d2e-8a41-4c7d-b1e9-5a2c7d4e9f08 " in out
    assert "\nproc 0 C 4242 5317 /usr/local/bin/ollama\n" in out
    # Only while the unit is active.
    assert figures(DESKTOP)[0] == (0, "701, 7413\n")
    # More than the card has is the card; anything but a number, or a link, is nothing.
    held.write_text("99999", encoding="ascii")
    assert figures()[0] == (0, "8114, 0\n")
    for text in ("", "-5", "12 MiB", "1e3", "0x10", "\u0662"):
        held.write_text(text, encoding="utf-8")
        assert figures()[0] == (0, "701, 7413\n"), text
    target = tmp_path / "elsewhere"
    target.write_text("4000", encoding="ascii")
    held.unlink()
    held.symlink_to(target)
    assert figures()[0] == (0, "701, 7413\n")
    held.unlink()
    held.mkdir()
    assert figures()[0] == (0, "701, 7413\n")
