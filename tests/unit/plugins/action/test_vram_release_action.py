# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The vram_release action: the measurements come from gpu_vram_facts on the host (here a
stand-in for _execute_module) and the wait runs on a clock only its sleeps move."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.vramfree.webui.plugins.action import vram_release
from ansible_collections.vramfree.webui.plugins.action.vram_release import ActionModule


def gpu(processes, supported=True, used=1, **extra):
    return dict(
        index=0,
        name="NVIDIA GeForce GTX 970",
        pci_bus_id="00000000:01:00.0",
        memory_total_mib=4096,
        memory_used_mib=used,
        memory_free_mib=4096 - used,
        processes_supported=supported,
        processes=processes,
        **extra,
    )


def proc(pid, name, mib, unit=None):
    return dict(pid=pid, name=name, type="compute", used_memory_mib=mib, **({"unit": unit} if unit else {}))


OLLAMA = proc(4242, "/usr/local/bin/ollama", 1536)
WEBUI = proc(77, "python3", 2900, unit="webui.service")


class Clock:
    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(vram_release, "time", fake)
    return fake


def run(args, answers, check_mode=False):
    """The action's result, and the module calls it made."""
    task = MagicMock(args=args, check_mode=check_mode, diff=False, async_val=0, action="vramfree.webui.vram_release")
    action = ActionModule(task, MagicMock(), MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    calls = []

    def execute_module(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return answers.pop(0)

    action._execute_module = execute_module
    action._remove_tmp_path = lambda path: None
    return action.run(task_vars={}), calls


def measured(*gpus):
    return {"ansible_facts": {"gpu_vram": {"backend": "nvml", "gpus": list(gpus)}}}


@pytest.mark.parametrize("check_mode", [False, True])
def test_measures_until_released_and_sets_the_fact(clock, check_mode):
    result, calls = run({}, [measured(gpu([OLLAMA], used=1537)), measured(gpu([]))], check_mode)
    assert calls == [("vramfree.webui.gpu_vram_facts", {})] * 2
    assert (result["changed"], result.get("failed", False), result["attempts"], result["measured"]) == (
        False,
        False,
        2,
        True,
    )
    assert result["ansible_facts"]["gpu_vram"] == result["gpu_vram"] == measured(gpu([]))["ansible_facts"]["gpu_vram"]
    assert clock.now == 2.0


def test_names_the_holder_when_the_time_is_up(clock):
    held = measured(gpu([OLLAMA], used=1537))
    result, _calls = run({"timeout": 4}, [held, held, held])
    assert result["failed"] is True
    assert result["msg"].startswith("VRAM still held 4 s after the desktop stopped: GPU 0 ")
    assert "pid 4242 /usr/local/bin/ollama (compute, 1536 MiB)" in result["msg"]
    assert result["problems"] and result["attempts"] == 3


def test_the_web_uis_own_unit_is_not_a_holder(clock):
    result, _calls = run({"ignore_units": ["webui.service"]}, [measured(gpu([WEBUI], used=2901))])
    assert result.get("failed", False) is False and result["attempts"] == 1


def test_a_failing_measurement_is_named(clock):
    failed = {"failed": True, "msg": "nvidia-smi timed out"}
    result, _calls = run({"timeout": 2}, [failed, failed])
    assert (result["failed"], result["msg"]) == (True, "Could not measure the VRAM: nvidia-smi timed out")
    assert "ansible_facts" not in result


def test_an_earlier_proof_is_taken_without_a_round_trip(clock):
    before = measured(gpu([WEBUI], used=2901))["ansible_facts"]["gpu_vram"]
    result, calls = run({"gpu_vram": before, "ignore_units": ["webui.service"]}, [])
    assert calls == [] and (result["attempts"], result["measured"], result["gpu_vram"]) == (0, False, before)
    assert "ansible_facts" not in result


def test_a_device_level_judgement_on_a_card_without_a_process_list(clock):
    old = measured(gpu([], supported=False, used=178))
    result, _calls = run({"timeout": 0, "max_device_used_mib": 128}, [old])
    assert "has 178 MiB in use (allowed 128 MiB)" in result["msg"]


def test_input_that_is_no_measurement_is_an_error(clock):
    result, _calls = run({"gpu_vram": {"gpus": "none"}}, [])
    assert result["failed"] is True and result["msg"].startswith("vram_release: ")
