# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webui role's decisions: GPU, desktop, memory mode, bind flags."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark as bm
from ansible_collections.vramfree.webui.plugins.plugin_utils import _webui_plan as plan


def gtx970(index=0, free=3329, used=701, display=True, procs=None, supported=True, **extra):
    gpu = {
        "index": index,
        "vendor": "nvidia",
        "name": "NVIDIA GeForce GTX 970",
        "uuid": "GPU-0000000%d" % index,
        "pci_bus_id": "00000000:0%d:00.0" % (index + 1),
        "memory_total_mib": 4096,
        "memory_used_mib": used,
        "memory_free_mib": free,
        "memory_reserved_mib": 66,
        "display_active": display,
        "persistence_mode": False,
        "processes_supported": supported,
        "processes": procs if procs is not None else [],
    }
    gpu.update(extra)
    return gpu


XORG = {
    "pid": 900,
    "name": "/usr/lib/xorg/Xorg",
    "type": "graphics",
    "used_memory_mib": 431,
    "unit": "display-manager.service",
}
WEBUI = {"pid": 1500, "name": "python3", "type": "compute", "used_memory_mib": 2600, "unit": "webui.service"}


def facts(*gpus):
    return {"backend": "nvml", "driver_version": "535.247.01", "gpus": list(gpus)}


# without_units --------------------------------------------------------------------------


def test_without_units_gives_the_web_uis_own_vram_back_as_free():
    before = facts(gtx970(free=1429, used=2601, display=False, procs=[WEBUI]))
    kept = copy.deepcopy(before)
    after = plan.without_units(before, ["webui.service"])
    assert (after["gpus"][0]["memory_free_mib"], after["gpus"][0]["memory_used_mib"]) == (4029, 1)
    assert after["gpus"][0]["processes"] == []
    assert before == kept  # the fact itself is not changed


def test_without_units_keeps_other_holders():
    after = plan.without_units(facts(gtx970(free=729, used=3301, procs=[XORG, WEBUI])), ["webui.service"])
    assert after["gpus"][0]["processes"] == [XORG]
    assert after["gpus"][0]["memory_free_mib"] == 3329


def test_without_units_marks_gpus_that_cannot_list_processes():
    after = plan.without_units(facts(gtx970(supported=False, display=None)), ["webui.service"])
    assert after["gpus"][0]["units_unaccounted"] is True
    assert after["gpus"][0]["memory_free_mib"] == 3329


def test_without_units_rejects_what_is_not_the_fact():
    with pytest.raises(plan.PlanError, match='expected the gpu_vram fact'):
        plan.without_units([], ["webui.service"])
    with pytest.raises(plan.PlanError, match='holds a str'):
        plan.without_units({"gpus": ["GPU 0"]}, [])


# gpu_plan --------------------------------------------------------------------------------


def test_one_gpu_with_a_desktop_stops_the_desktop():
    result = plan.gpu_plan(facts(gtx970()), "auto")
    assert (result["index"], result["pinned"], result["stop_desktop"]) == (0, False, True)
    assert "only GPU" in result["reason"]


def test_two_gpus_take_the_one_without_a_display_and_keep_the_desktop():
    second = gtx970(index=1, free=3900, used=1, display=False)
    third = gtx970(index=2, free=7000, used=1, display=True)
    result = plan.gpu_plan(facts(gtx970(), second, third), "auto")
    assert (result["index"], result["uuid"], result["pinned"], result["stop_desktop"]) == (
        1,
        "GPU-00000001",
        True,
        False,
    )


def test_two_gpus_both_driving_displays_stop_the_desktop_and_take_the_most_free():
    result = plan.gpu_plan(facts(gtx970(free=3000), gtx970(index=1, free=3329)), "auto")
    assert (result["index"], result["stop_desktop"]) == (1, True)


def test_a_gpu_that_cannot_tell_its_display_counts_as_driving_one():
    result = plan.gpu_plan(facts(gtx970(display=None), gtx970(index=1, display=None)), "auto")
    assert result["stop_desktop"] is True


@pytest.mark.parametrize("display, stop", [(True, True), (None, True), (False, False)])
def test_an_explicit_gpu_stops_the_desktop_only_when_it_may_drive_a_display(display, stop):
    result = plan.gpu_plan(facts(gtx970(display=True), gtx970(index=1, display=display)), 1)
    assert (result["index"], result["stop_desktop"]) == (1, stop)


def test_an_explicit_gpu_as_a_string_index_is_accepted():
    assert plan.gpu_plan(facts(gtx970(), gtx970(index=1, display=False)), "1")["index"] == 1


@pytest.mark.parametrize(
    "gpu, message",
    [
        (3, "webui_gpu is 3 but the host has GPU index(es) 0, 1"),
        (True, "webui_gpu must be a GPU index or 'auto', got True"),
        ("first", "webui_gpu must be a GPU index or 'auto', got 'first'"),
    ],
)
def test_bad_gpu_choices_are_named(gpu, message):
    with pytest.raises(plan.PlanError) as caught:
        plan.gpu_plan(facts(gtx970(), gtx970(index=1)), gpu)
    assert str(caught.value) == message


def test_a_lost_gpu_is_never_chosen_by_auto_and_refused_by_index():
    lost = {"index": 0, "vendor": "nvidia", "error": "GPU is lost", "memory_free_mib": None, "processes": []}
    assert plan.gpu_plan(facts(lost, gtx970(index=1, display=False)), "auto")["index"] == 1
    with pytest.raises(plan.PlanError, match="webui_gpu 0 could not be read: GPU is lost"):
        plan.gpu_plan(facts(lost, gtx970(index=1)), 0)


def test_no_gpu_leaves_the_desktop_alone():
    result = plan.gpu_plan({"backend": "none", "driver_version": None, "gpus": []}, "auto")
    assert (result["index"], result["stop_desktop"]) == (None, False)
    assert "no GPU found" in result["reason"]


# memory_plan -----------------------------------------------------------------------------


@pytest.mark.parametrize("free, mode", [(4029, "none"), (3329, "medvram"), (1429, "lowvram")])
def test_auto_picks_from_the_free_vram_of_the_web_uis_gpu(free, mode):
    result = plan.memory_plan(facts(gtx970(free=free)), 0, "a1111", "sd15")
    assert (result["mode"], result["free_mib"]) == (mode, free)


def test_auto_uses_the_pinned_gpu_not_gpu_0():
    result = plan.memory_plan(facts(gtx970(free=3329), gtx970(index=1, free=4029)), 1)
    assert result["mode"] == "none"


def test_second_run_with_the_ui_holding_vram_keeps_the_first_runs_mode():
    # The regression this guards: counting the UI's own 2600 MiB as used would drop
    # A1111 to --lowvram on the re-run and restart it.
    running = facts(gtx970(free=1429, used=2601, display=False, procs=[WEBUI]))
    first = plan.memory_plan(facts(gtx970(free=4029, used=1, display=False)), 0)
    second = plan.memory_plan(plan.without_units(running, ["webui.service"]), 0, service_active=True)
    assert first["mode"] == second["mode"] == "none"


def test_a_gpu_without_a_process_list_keeps_the_mode_once_the_ui_runs():
    snapshot = plan.without_units(facts(gtx970(free=1429, supported=False, display=None)), ["webui.service"])
    assert plan.memory_plan(snapshot, 0, service_active=True)["mode"] == "keep"
    assert plan.memory_plan(snapshot, 0, service_active=False)["mode"] == "lowvram"


@pytest.mark.parametrize("requested", ["keep", "medvram", "none"])
def test_an_explicit_mode_wins(requested):
    assert plan.memory_plan(facts(gtx970(free=100)), 0, requested=requested)["mode"] == requested


def test_auto_without_a_gpu_says_what_to_do():
    with pytest.raises(plan.PlanError, match="set webui_memory_mode to a mode"):
        plan.memory_plan({"backend": "none", "gpus": []}, None)


def test_thresholds_and_errors_of_the_table_come_through():
    assert plan.memory_plan(facts(gtx970(free=3329)), 0, thresholds={"none": 3300})["mode"] == "none"
    with pytest.raises(plan.PlanError, match="unknown model family 'sd3'"):
        plan.memory_plan(facts(gtx970()), 0, model="sd3")


def autotuned(mode="none", free=4029, uuid="GPU-00000000", model="sd15"):
    """The benchmark's file on the host, as autotune leaves it (text, as site reads it)."""
    key = bm.conditions("a1111", model, {"uuid": uuid}, 512, 512, ["--api"])
    return json.dumps(bm.memory(None, key, [], free, mode), indent=2) + "\n"


# The table disagrees with what autotune measured: it wants 4096 MiB free for no flag.
STRICT = {"none": 4096}


def test_auto_keeps_the_mode_autotune_chose_for_this_gpu_and_free_vram():
    assert plan.memory_plan(facts(gtx970(free=4029)), 0, thresholds=STRICT)["mode"] == "medvram"
    result = plan.memory_plan(facts(gtx970(free=4029)), 0, thresholds=STRICT, tuned=autotuned("none", 4029))
    assert (result["mode"], result["free_mib"], result["source"]) == ("none", 4029, "autotune")
    assert "chosen by autotune (benchmark) with 4029 MiB free" in result["reason"]
    # A few MiB either way is the same room.
    assert plan.memory_plan(facts(gtx970(free=3990)), 0, thresholds=STRICT, tuned=autotuned())["mode"] == "none"


@pytest.mark.parametrize(
    "snapshot, tuned",
    [
        (facts(gtx970(free=4029)), autotuned(uuid="GPU-another-card")),  # another GPU
        (facts(gtx970(free=3329)), autotuned(free=4029)),  # the desktop holds VRAM again
        (facts(gtx970(free=4029)), autotuned(free=3329)),  # more room than autotune had
        (facts(gtx970(free=4029)), autotuned(model="sdxl")),  # chosen for another model family
        (facts(gtx970(free=4029)), "not the benchmark's JSON"),
    ],
)
def test_the_table_decides_again_once_the_gpu_or_its_free_vram_changed(snapshot, tuned):
    result = plan.memory_plan(snapshot, 0, thresholds=STRICT, tuned=tuned)
    assert result["source"] == "table"
    assert result["mode"] == ("medvram" if snapshot["gpus"][0]["memory_free_mib"] >= 2048 else "lowvram")


@pytest.mark.parametrize("requested", ["keep", "lowvram", "medvram"])
def test_an_explicit_mode_wins_over_autotune(requested):
    result = plan.memory_plan(facts(gtx970(free=4029)), 0, requested=requested, tuned=autotuned("none", 4029))
    assert (result["mode"], result["source"]) == (requested, "asked")


# launch_flags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ui, listen, expected",
    [
        ("a1111", "127.0.0.1", {"listen": False, "server-name": False, "port": 7860}),
        ("a1111", "localhost", {"listen": False, "server-name": False, "port": 7860}),
        # Other loopback addresses are bound as asked, where the role probes and reports
        # them (they were dropped, and the UI bound 127.0.0.1).
        ("forge", "::1", {"listen": False, "server-name": "::1", "port": 7860}),
        ("a1111", "127.0.0.2", {"listen": False, "server-name": "127.0.0.2", "port": 7860}),
        ("comfyui", "127.0.0.2", {"listen": "127.0.0.2", "port": 7860}),
        ("a1111", "192.168.1.50", {"listen": False, "server-name": "192.168.1.50", "port": 7860}),
        ("sdnext", "0.0.0.0", {"listen": False, "server-name": "0.0.0.0", "port": 7860}),
        ("comfyui", "127.0.0.1", {"listen": False, "port": 7860}),
        ("comfyui", "10.0.0.5", {"listen": "10.0.0.5", "port": 7860}),
    ],
)
def test_bind_flags_in_each_uis_terms(ui, listen, expected):
    assert plan.launch_flags(ui, listen, 7860) == expected


def test_user_flags_go_on_top_whichever_way_they_are_spelt():
    result = plan.launch_flags("a1111", "127.0.0.1", 7860, {"--port": 7861, "server_name": "10.0.0.2", "api": True})
    assert result == {"listen": False, "port": 7861, "server_name": "10.0.0.2", "api": True}


@pytest.mark.parametrize(
    "port, message",
    [(0, "between 1 and 65535, got 0"), ("http", "port number, got 'http'"), (True, "port number, got True")],
)
def test_bad_ports_are_refused(port, message):
    with pytest.raises(plan.PlanError, match=message):
        plan.launch_flags("a1111", "127.0.0.1", port)


def test_empty_address_and_unknown_ui_are_refused():
    with pytest.raises(plan.PlanError, match="webui_listen must be an address"):
        plan.launch_flags("a1111", "", 7860)
    with pytest.raises(plan.PlanError, match="unknown web UI 'invoke'; one of a1111, forge, sdnext, comfyui"):
        plan.launch_flags("invoke", "127.0.0.1", 7860)


# plan: the one decision site, the role and the benchmark share --------------------------


def test_the_plan_counts_the_web_uis_own_vram_free_and_decides_everything_from_it():
    # The web UI runs and holds 2600 MiB: with it counted as used, 1429 MiB free gives
    # lowvram; counted free (4029 MiB) no memory flag at all.
    snapshot = facts(gtx970(free=1429, used=2601, procs=[WEBUI, XORG]))
    result = plan.plan(snapshot, "a1111", ignore_units=["webui.service"], listen="127.0.0.1", port=7861)
    assert result["vram"]["gpus"][0]["memory_free_mib"] == 4029
    assert (result["gpu"]["index"], result["gpu"]["stop_desktop"], result["configure"]) == (0, True, True)
    assert (result["memory"]["mode"], result["memory"]["source"]) == ("none", "table")
    assert result["flags"] == {"listen": False, "server-name": False, "port": 7861}
    without = plan.plan(snapshot, "a1111")
    assert without["memory"]["mode"] == "lowvram"


def test_a_gpu_only_plan_decides_no_memory_mode():
    result = plan.plan(facts(gtx970(), gtx970(1, display=False, free=7000)), memory=False)
    assert (result["gpu"]["index"], result["gpu"]["stop_desktop"]) == (1, False)
    assert (result["memory"], result["flags"]) == (None, None)


def test_no_gpu_leaves_the_ui_unconfigured_unless_a_mode_is_forced():
    empty = {"backend": "none", "gpus": []}
    assert plan.plan(empty)["configure"] is False
    assert plan.plan(empty)["memory"] is None
    forced = plan.plan(empty, "comfyui", requested="lowvram", listen="10.0.0.5")
    assert forced["configure"] is True
    assert forced["memory"]["mode"] == "lowvram"
    assert forced["flags"] == {"listen": "10.0.0.5", "port": 7860}


# One reading of a GPU index -------------------------------------------------------------


def test_a_string_index_is_the_same_gpu_everywhere():
    # Facts that went through a template can hold "0" beside 1: the memory-mode table
    # raised a raw "'<' not supported between instances of 'int' and 'str'", and
    # gpu_plan told "webui_gpu is 0 but the host has GPU index(es) 0, 1".
    snapshot = facts(gtx970(0, free=3000), gtx970(1, free=3000))
    snapshot["gpus"][0]["index"] = "0"
    assert plan._memory_mode.memory_mode(snapshot, gpu="auto") == "medvram"
    assert plan._memory_mode.memory_mode(snapshot, gpu="1") == "medvram"
    chosen = plan.gpu_plan(snapshot, "0")
    assert (chosen["index"], chosen["stop_desktop"]) == (0, True)
    assert plan.gpu_plan(snapshot, "auto")["index"] == 0
    assert plan.memory_plan(snapshot, "0")["reason"].startswith("3000 MiB free on GPU 0")
    with pytest.raises(plan.PlanError, match="webui_gpu must be a GPU index or 'auto', got 'first'"):
        plan.gpu_plan(snapshot, "first")


@pytest.mark.parametrize(
    "listen, probe, probe_url, url",
    [
        ("127.0.0.1", "127.0.0.1", "http://127.0.0.1:7860/", "http://127.0.0.1:7860/"),
        ("localhost", "127.0.0.1", "http://127.0.0.1:7860/", "http://localhost:7860/"),
        ("0.0.0.0", "127.0.0.1", "http://127.0.0.1:7860/", "http://box1.lan:7860/"),
        ("::", "127.0.0.1", "http://127.0.0.1:7860/", "http://box1.lan:7860/"),
        ("::1", "::1", "http://[::1]:7860/", "http://[::1]:7860/"),
        ("10.0.0.5", "10.0.0.5", "http://10.0.0.5:7860/", "http://10.0.0.5:7860/"),
    ],
)
def test_the_endpoint_is_knocked_on_where_the_ui_binds_and_reported_as_reached(listen, probe, probe_url, url):
    assert plan.endpoint(listen, 7860, "box1.lan") == {"probe_host": probe, "probe_url": probe_url, "url": url}
    assert plan.plan(facts(gtx970()), listen=listen, host="box1.lan")["endpoint"]["url"] == url
