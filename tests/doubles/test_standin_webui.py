# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in A1111's simulated txt2img: its memory table is the collection's, its
free VRAM is the fake nvidia-smi's (with the UI's own processes counted as its room),
and its out-of-memory answer is one the benchmark recognises."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from fake_host import DESKTOP, FAKE_SMI, PROFILES, FakeHost

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark, _memory_mode

SIMULATION = FAKE_SMI.parent / "standin-webui" / "modules" / "simulated_gpu.py"


@pytest.fixture
def sim():
    spec = importlib.util.spec_from_file_location("simulated_gpu", SIMULATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def gtx970_with_webui(tmp_path, monkeypatch):
    """A GTX 970 with the desktop up or stopped, and this test process as webui.service's
    main process, so that its VRAM (2600 MiB in the profile) is the stand-in's own."""
    fake = FakeHost(tmp_path)

    def host(desktop):
        units = dict(DESKTOP if desktop else {}, **{"webui.service": {"main_pid": os.getpid()}})
        for name, value in fake.env(PROFILES / "gtx970-webui.json", units).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("VRAMFREE_STANDIN_TIME_SCALE", "0.01")
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)

    return host


def test_the_needs_are_the_collections_memory_table(sim):
    for family in ("sd15", "sdxl"):
        table = dict(_memory_mode.table("a1111", family))
        for mode, need in table.items():
            # The table's floor (0 MiB) gets a small need of its own in the simulation.
            assert sim.NEED_MIB[family][mode] == (need or 512), (family, mode)
    # --medvram-sdxl acts only on SDXL models: with SD 1.5 it is "none".
    assert sim.NEED_MIB["sd15"]["medvram-sdxl"] == sim.NEED_MIB["sd15"]["none"]
    assert sim.SECONDS_PER_IT["sd15"]["none"] == 1.22 and sim.SECONDS_PER_IT["sd15"]["lowvram"] == 2.73


def test_free_vram_is_the_gpus_plus_the_uis_own(sim, gtx970_with_webui):
    gtx970_with_webui(desktop=True)
    # 4096 total - 66 reserved - (1 + 40 + 431 + 229 + 2600 used) = 729 free; plus 2600 of its own.
    assert sim.free_vram_mib() == 3329
    gtx970_with_webui(desktop=False)
    assert sim.free_vram_mib() == 4029


def test_no_memory_flag_runs_out_beside_the_desktop_and_medvram_fits(sim, gtx970_with_webui):
    gtx970_with_webui(desktop=True)
    status, seconds, body = sim.generate("none", 20, free=sim.free_vram_mib())
    assert (status, seconds, body["simulated"]) == (500, 0.0, True)
    trial = _benchmark.trial({"status": status, "elapsed_s": 0.0, "body": body}, "none", "autotune", 20)
    assert trial["oom"] is True and "CUDA out of memory" in trial["error"]
    status, seconds, body = sim.generate("medvram", 20, free=sim.free_vram_mib())
    assert status == 200 and seconds == pytest.approx(20 * 1.7 * 0.01)
    assert (body["simulated"], body["free_mib"], body["need_mib"]) == (True, 3329, 2048)


def test_the_desktop_stopped_no_flag_fits(sim, gtx970_with_webui):
    gtx970_with_webui(desktop=False)
    status, seconds, _body = sim.generate("none", 20, free=sim.free_vram_mib())
    assert status == 200 and seconds == pytest.approx(20 * 1.22 * 0.01)
    # A bigger image needs more: 768x768 is 2.25 times the pixels.
    assert sim.generate("none", 20, 768, 768, sim.free_vram_mib())[0] == 500
    # No reading of the GPU: nothing runs out.
    assert sim.generate("none", 20, 768, 768, None)[0] == 200


def test_the_answer_is_json_as_the_api_sends_it(sim, gtx970_with_webui):
    gtx970_with_webui(desktop=True)
    _status, _seconds, body = sim.generate("none", 20, free=sim.free_vram_mib())
    assert set(json.loads(json.dumps(body))) >= {"error", "detail", "body", "errors", "simulated"}
    assert body["error"] == "OutOfMemoryError"
