"""The benchmark playbook's decisions: modes and their order, the API's answers (speed,
out of memory, no --api, a wrong login), what an earlier run proved, the winner, and
the report."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils import _benchmark as bm

# A1111's API answers an exception with this body (modules/api/api.py, handle_exception).
OOM_500 = {
    "status": 500,
    "elapsed_s": 0.8,
    "body": {
        "error": "OutOfMemoryError",
        "detail": "",
        "body": "",
        "errors": "CUDA out of memory. Tried to allocate 512.00 MiB (GPU 0; 3.94 GiB total capacity; "
        "3.12 GiB already allocated; 118.06 MiB free; 3.20 GiB reserved in total by PyTorch)",
    },
}
# torch before 1.13 raised a RuntimeError with the same text.
OLD_TORCH_OOM = {
    "status": 500,
    "elapsed_s": 0.8,
    "body": {
        "error": "RuntimeError",
        "detail": "",
        "body": "",
        "errors": "CUDA out of memory. Tried to allocate 20.00 MiB",
    },
}
OTHER_500 = {
    "status": 500,
    "elapsed_s": 0.1,
    "body": {
        "error": "AttributeError",
        "detail": "",
        "body": "",
        "errors": "'NoneType' object has no attribute 'sd_checkpoint_info'",
    },
}


def ok(elapsed, simulated=False):
    body = {"images": 1, "parameters": {}, "info": "{}"}
    if simulated:
        body["simulated"] = True
    return {"status": 200, "elapsed_s": elapsed, "body": body}


# modes_to_try -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ui,model,expected",
    [
        ("a1111", "sd15", ["none", "medvram", "lowvram"]),
        ("a1111", "sdxl", ["none", "medvram-sdxl", "lowvram"]),
        ("sdnext", "sd15", ["none", "medvram", "lowvram"]),
        ("forge", "sd15", ["none", "always-low-vram", "always-no-vram"]),
    ],
)
def test_modes_come_from_the_memory_table_fastest_first(ui, model, expected):
    assert bm.modes_to_try(ui, model) == expected


def test_a_given_list_is_put_in_the_uis_fastest_first_order():
    assert bm.modes_to_try("a1111", "sd15", ["lowvram", "medvram-sdxl", "none"]) == ["none", "medvram-sdxl", "lowvram"]


@pytest.mark.parametrize(
    "ui,modes,message",
    [
        ("comfyui", None, "no txt2img API"),
        ("a1111", ["turbo"], "no memory mode 'turbo'"),
        ("a1111", "none", "must be a list"),
    ],
)
def test_modes_refused(ui, modes, message):
    with pytest.raises(bm.BenchmarkError, match=message):
        bm.modes_to_try(ui, "sd15", modes)


# probe and running_mode ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags,mode",
    [
        ({"medvram": False, "lowvram": False, "medvram_sdxl": False}, "none"),
        ({"medvram": True, "lowvram": False, "medvram_sdxl": False}, "medvram"),
        ({"medvram": False, "lowvram": False, "medvram_sdxl": True}, "medvram-sdxl"),
        # Both given: --lowvram acts, as in A1111.
        ({"medvram": True, "lowvram": True, "medvram_sdxl": False}, "lowvram"),
    ],
)
def test_the_running_mode_is_read_from_cmd_flags(flags, mode):
    assert bm.probe(200, "u", dict(flags, api=True), "a1111") == {
        "benchmarkable": True,
        "mode": mode,
        "reason": "the API answers on u",
    }


@pytest.mark.parametrize(
    "status,ui,reason",
    [
        (404, "a1111", "runs without --api"),
        (401, "a1111", "asks for a login (--api-auth)"),
        (-1, "a1111", "nothing answers"),
        (None, "a1111", "nothing answers"),
        (502, "a1111", "answers HTTP 502"),
        (200, "comfyui", "no txt2img API"),
    ],
)
def test_what_is_not_benchmarkable_says_why(status, ui, reason):
    verdict = bm.probe(status, "http://127.0.0.1:7860/sdapi/v1/cmd-flags", {}, ui)
    assert verdict["benchmarkable"] is False and verdict["mode"] is None
    assert reason in verdict["reason"]


def test_the_running_mode_needs_the_answer():
    with pytest.raises(bm.BenchmarkError, match="cmd-flags answer"):
        bm.probe(200, "u", None, "a1111")


# trial --------------------------------------------------------------------------------------


def test_a_completed_request_gives_seconds_per_image_and_per_iteration():
    trial = bm.trial(ok(24.4), "none", "autotune", 20)
    assert trial == {
        "phase": "autotune",
        "mode": "none",
        "ok": True,
        "oom": False,
        "error": None,
        "http_status": 200,
        "seconds_per_image": 24.4,
        "seconds_per_it": 1.22,
        "simulated": False,
        "remembered": False,
    }


def test_a_simulated_answer_is_labelled_so():
    assert bm.trial(ok(0.3, simulated=True), "none")["simulated"] is True
    # Only a real true counts; "simulated": "no" is not a label.
    assert bm.trial({"status": 200, "elapsed_s": 1, "body": {"simulated": "no"}}, "none")["simulated"] is False


@pytest.mark.parametrize("answer", [OOM_500, OLD_TORCH_OOM])
def test_out_of_memory_is_recognised(answer):
    trial = bm.trial(answer, "none", "autotune", 20)
    assert (trial["ok"], trial["oom"], trial["http_status"]) == (False, True, 500)
    assert trial["error"].startswith("out of memory: ") and "CUDA out of memory" in trial["error"]
    assert trial["seconds_per_it"] is None


def test_another_error_is_not_out_of_memory():
    trial = bm.trial(OTHER_500, "none", "autotune", 20)
    assert (trial["ok"], trial["oom"]) == (False, False)
    assert trial["error"] == "HTTP 500: 'NoneType' object has no attribute 'sd_checkpoint_info'"


def test_no_answer_and_text_answers():
    assert (
        bm.trial({"status": -1, "elapsed_s": 3, "error": "Connection refused"}, "none")["error"]
        == "no answer: Connection refused"
    )
    trial = bm.trial({"status": 502, "elapsed_s": 0, "body": None, "text": "<html>Bad Gateway</html>"}, "none")
    assert trial["error"] == "HTTP 502: <html>Bad Gateway</html>"
    # A proxy page that mentions it ran out of memory is out of memory too.
    assert bm.trial({"status": 500, "body": None, "text": "torch.cuda.OutOfMemoryError: boom"}, "none")["oom"]


@pytest.mark.parametrize(
    "answer,steps,message",
    [
        ({"status": 200, "body": {}}, 20, "no elapsed_s"),
        ({"status": 200, "elapsed_s": True, "body": {}}, 20, "no elapsed_s"),
        (ok(1), 0, "steps must be"),
        (ok(1), "x", "steps must be"),
        ("200", 20, "expected the request"),
    ],
)
def test_trial_refuses_what_it_cannot_read(answer, steps, message):
    with pytest.raises(bm.BenchmarkError, match=message):
        bm.trial(answer, "none", "current", steps)


def test_steps_as_text_are_read():
    assert bm.trial(ok(2.0), "none", "current", "20")["seconds_per_it"] == 0.1


def test_a_ui_that_did_not_come_back_is_out_of_memory_when_its_log_says_so():
    journal = [
        "Loading weights [6ce0161689] from /srv/sd models/v1-5.safetensors",
        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 58.00 MiB",
    ]
    trial = bm.failed_start("none", "autotune", journal)
    assert (trial["ok"], trial["oom"]) == (False, True)
    assert trial["error"] == (
        "out of memory at start: torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 58.00 MiB"
    )
    assert bm.failed_start("none", "autotune", ["ModuleNotFoundError: xformers"])["oom"] is False


# conditions and the memory of out-of-memory -------------------------------------------------

GPU = {"uuid": "GPU-5d1e2a7c", "name": "NVIDIA GeForce GTX 970"}


def key(**changes):
    values = dict(
        ui="a1111", model="sd15", gpu=GPU, width=512, height=512, args=["--xformers", "--lowvram", "--port", "7860"]
    )
    values.update(changes)
    return bm.conditions(**values)


def test_conditions_ignore_the_memory_flags_but_not_the_others():
    assert key() == key(args=["--xformers", "--medvram", "--port", "7860"])
    assert key() == key(args=["--xformers", "--port", "7860"])
    assert key() != key(args=["--port", "7860"])
    assert key() != key(width=768)
    assert key() != key(model="sdxl")
    assert key() != key(gpu={"uuid": "GPU-other"})
    assert "xformers" not in json.dumps(key())  # a digest only: the args may hold a masked secret


def run_with_oom_at(free):
    return bm.memory(
        None, key(), [bm.trial(OOM_500, "none", "autotune"), bm.trial(ok(40), "medvram", "autotune")], free
    )


def test_an_out_of_memory_is_remembered_with_the_free_vram_it_had():
    assert run_with_oom_at(3329) == {"version": 1, "conditions": key(), "out_of_memory": {"none": 3329}}


@pytest.mark.parametrize(
    "free_now,remembered",
    [
        (3329, 3329),  # the same room: it would run out again
        (3200, 3329),  # less room
        (3457, 3329),  # a few MiB more, within the margin of 128
        (3458, None),  # more than the margin: try again
        (4029, None),  # the desktop was stopped since: try again
        (None, None),  # no reading: try
    ],
)
def test_an_out_of_memory_is_not_tried_again_while_no_more_vram_is_free(free_now, remembered):
    assert bm.remembered_oom(run_with_oom_at(3329), key(), "none", free_now) == remembered


def test_nothing_is_remembered_under_other_conditions_or_for_other_modes():
    memory = run_with_oom_at(3329)
    assert bm.remembered_oom(memory, key(width=640), "none", 3329) is None
    assert bm.remembered_oom(memory, key(), "medvram", 3329) is None
    assert bm.remembered_oom(None, key(), "none", 3329) is None
    assert bm.remembered_oom(dict(memory, version=0), key(), "none", 3329) is None


def test_a_second_run_with_the_same_results_leaves_the_memory_as_it_was():
    first = run_with_oom_at(3329)
    second_trials = [bm.remembered_trial("none", 3329), bm.trial(ok(41), "medvram", "autotune")]
    assert bm.memory(copy.deepcopy(first), key(), second_trials, 3329) == first


def test_a_mode_that_completes_is_forgotten_and_a_larger_room_is_kept():
    first = run_with_oom_at(3329)
    assert bm.memory(first, key(), [bm.trial(ok(24), "none", "autotune")], 4029)["out_of_memory"] == {}
    again = bm.memory(first, key(), [bm.trial(OOM_500, "none", "autotune")], 3500)
    assert again["out_of_memory"] == {"none": 3500}
    # Under other conditions the earlier memory is dropped, not merged.
    assert bm.memory(first, key(width=768), [], 3329)["out_of_memory"] == {}


# the mode autotune chose, as site reads it back ---------------------------------------------


def tuned_run(free=4029, chosen="none", previous=None, **changes):
    return bm.memory(previous, key(**changes), [bm.trial(ok(24), chosen, "autotune")], free, chosen)


def test_the_chosen_mode_is_remembered_with_its_gpu_and_free_vram():
    assert tuned_run()["tuned"] == {
        "mode": "none",
        "ui": "a1111",
        "model": "sd15",
        "gpu": "GPU-5d1e2a7c",
        "free_mib": 4029,
    }
    # Nothing chosen (no mode completed, or the UI did not come back on it): nothing tuned,
    # and an earlier choice is dropped rather than kept for a mode that failed.
    assert "tuned" not in bm.memory(tuned_run(), key(), [bm.trial(OOM_500, "none", "autotune")], 4029, None)
    # Nor without a reading of the free VRAM, which site would have nothing to compare with.
    assert "tuned" not in bm.memory(None, key(), [], None, "none")


@pytest.mark.parametrize(
    "free_now, kept",
    [
        (4029, True),
        (3950, True),  # a reading a few dozen MiB lower: the same room
        (4157, True),  # 128 MiB more: still within the tolerance
        (4158, False),  # more than that: the new reading is kept
        (3329, False),  # the desktop came back since
    ],
)
def test_a_second_choice_of_the_same_mode_keeps_the_file_as_it_was(free_now, kept):
    first = tuned_run(4029)
    again = tuned_run(free_now, previous=json.dumps(first))
    assert (again == first) is kept
    assert again["tuned"]["free_mib"] == (4029 if kept else free_now)


def test_another_mode_replaces_the_earlier_choice():
    assert tuned_run(4029, "medvram", previous=tuned_run(4029, "none"))["tuned"]["mode"] == "medvram"


GTX970 = {"index": 0, "uuid": "GPU-5d1e2a7c", "name": "NVIDIA GeForce GTX 970", "memory_free_mib": 4029}


@pytest.mark.parametrize(
    "free_now, holds",
    [
        (4029, True),
        (3901, True),  # 128 MiB less: within the tolerance
        (4157, True),
        (3900, False),  # less room: the mode may not fit any more
        (4158, False),  # more room: a faster mode may fit
        (None, False),  # no reading
    ],
)
def test_the_tuned_mode_holds_while_the_free_vram_is_within_the_tolerance(free_now, holds):
    found = bm.tuned_mode(json.dumps(tuned_run(4029)), "a1111", "sd15", GTX970, free_now)
    assert (found is not None) is holds
    if holds:
        assert (found["mode"], found["free_mib"]) == ("none", 4029)


def test_the_tuned_mode_is_for_its_gpu_ui_and_model_only():
    memory = tuned_run(4029)
    assert bm.tuned_mode(memory, "a1111", "sd15", dict(GTX970, uuid="GPU-other"), 4029) is None
    assert bm.tuned_mode(memory, "a1111", "sdxl", GTX970, 4029) is None
    assert bm.tuned_mode(memory, "sdnext", "sd15", GTX970, 4029) is None
    # A GPU without a UUID (amdgpu's sysfs) is known by its name, as in the conditions.
    by_name = tuned_run(4029, gpu={"uuid": None, "name": "AMD Radeon RX 6600"})
    assert bm.tuned_mode(by_name, "a1111", "sd15", {"uuid": None, "name": "AMD Radeon RX 6600"}, 4029)
    assert bm.tuned_mode(by_name, "a1111", "sd15", {"uuid": None, "name": None}, 4029) is None


def test_a_tuned_entry_that_is_not_a_mode_or_not_the_files_json_is_nothing():
    memory = tuned_run(4029)
    memory["tuned"]["mode"] = "turbo"
    assert bm.tuned_mode(memory, "a1111", "sd15", GTX970, 4029) is None
    for broken in ("", "{", "[]", None, {"version": 1}, dict(tuned_run(), version=0)):
        assert bm.tuned_mode(broken, "a1111", "sd15", GTX970, 4029) is None


# choose and compare -------------------------------------------------------------------------

MODES = ["none", "medvram", "lowvram"]


def test_the_first_completed_mode_wins_when_the_others_were_not_run():
    trials = [bm.trial(OOM_500, "none", "autotune"), bm.trial(ok(34), "medvram", "autotune")]
    assert bm.choose(trials, MODES) == "medvram"


def test_with_every_mode_tried_the_fastest_completed_one_wins():
    trials = [
        bm.trial(OOM_500, "none", "autotune"),
        bm.trial(ok(54.6), "lowvram", "autotune"),
        bm.trial(ok(34), "medvram", "autotune"),
        bm.trial(ok(1), "medvram", "before"),
    ]
    assert bm.choose(trials, MODES) == "medvram"
    # A tie goes to the mode listed first.
    assert (
        bm.choose([bm.trial(ok(30), "lowvram", "autotune"), bm.trial(ok(30), "medvram", "autotune")], MODES)
        == "medvram"
    )


def test_no_winner_when_nothing_completed():
    assert bm.choose([bm.trial(OOM_500, "none", "autotune"), bm.remembered_trial("medvram", 100)], MODES) is None
    assert bm.choose([], MODES) is None


def test_the_ui_is_left_on_the_fastest_mode_that_completed():
    trials = [
        bm.trial(ok(54.6), "lowvram", "before"),
        bm.trial(OOM_500, "none", "autotune"),
        bm.trial(ok(34), "medvram", "autotune"),
    ]
    assert bm.settle(trials, MODES, "lowvram")["mode"] == "medvram"


def test_a_run_stopped_midway_leaves_the_ui_on_what_completed_so_far_or_on_its_old_mode():
    # The run failed while medvram was being tried: none had run out of memory.
    assert bm.settle([bm.trial(OOM_500, "none", "autotune")], MODES, "lowvram") == {
        "mode": "lowvram",
        "reason": "the memory mode it had before: no other mode completed the request",
    }
    # With every mode tried it failed after medvram completed: medvram, not the last mode tried.
    partial = [bm.trial(ok(34), "medvram", "autotune"), bm.failed_start("lowvram", "autotune", [])]
    assert bm.settle(partial, MODES, "none")["mode"] == "medvram"
    assert bm.settle([], MODES, "lowvram")["mode"] == "lowvram"


def test_compare_alone_keeps_the_after_mode_only_when_it_completed():
    before = bm.trial(ok(54.6), "lowvram", "before")
    assert bm.settle([before, bm.trial(ok(24), "none", "after")], MODES, "lowvram")["mode"] == "none"
    assert bm.settle([before, bm.trial(OOM_500, "none", "after")], MODES, "lowvram")["mode"] == "lowvram"


def test_the_speedup_is_before_over_after():
    compared = bm.comparison(bm.trial(ok(54.6), "lowvram", "before"), bm.trial(ok(24.4), "none", "after"))
    assert compared["speedup"] == round(2.73 / 1.22, 3)
    assert (compared["before"]["mode"], compared["after"]["mode"]) == ("lowvram", "none")
    assert bm.comparison(bm.trial(ok(54.6), "lowvram", "before"), bm.trial(OOM_500, "none", "after")) is None


# the report ---------------------------------------------------------------------------------


def records():
    return {
        "gtx970-desktop": {
            "benchmarkable": True,
            "reason": "the API answers",
            "ui": "a1111",
            "url": "http://127.0.0.1:7860/",
            "gpu": {
                "index": 0,
                "name": "NVIDIA GeForce GTX 970",
                "uuid": "GPU-1",
                "memory_total_mib": 4096,
                "memory_free_mib": 3329,
            },
            "mode_before": "lowvram",
            "chosen_mode": "medvram",
            "written_back": True,
            "failure": None,
            "trials": [
                bm.trial(ok(0.6, True), "lowvram", "before"),
                bm.trial(OOM_500, "none", "autotune"),
                bm.trial(ok(0.4, True), "medvram", "autotune"),
            ],
        },
        "no-api": {"benchmarkable": False, "reason": "the web UI runs without --api", "ui": "a1111", "trials": []},
        "broken": {"benchmarkable": True, "trials": [], "failure": {"task": "Wait", "msg": "did not answer"}},
        "gone": None,
    }


def test_the_report_has_every_host_with_its_status():
    report = bm.build(records(), {"steps": 20})
    assert list(report["hosts"]) == ["broken", "gone", "gtx970-desktop", "no-api"]
    assert report["failed"] == ["broken", "gone"]
    assert report["not_benchmarkable"] == ["no-api"]
    assert report["simulated"] is True and report["request"] == {"steps": 20}
    host = report["hosts"]["gtx970-desktop"]
    assert [(t["phase"], t["mode"], t["ok"], t["oom"]) for t in host["trials"]] == [
        ("before", "lowvram", True, False),
        ("autotune", "none", False, True),
        ("autotune", "medvram", True, False),
    ]
    # after is the chosen mode's autotune trial: 0.02 s/it against 0.03.
    assert host["compare"]["speedup"] == 1.5 and host["compare"]["after"]["mode"] == "medvram"
    assert host["status"] == "ok" and host["simulated"] is True
    assert report["hosts"]["no-api"]["compare"] is None and report["hosts"]["no-api"]["simulated"] is False


def test_the_report_renders_every_trial_and_the_speedup():
    report = bm.build(records(), {"steps": 20, "width": 512, "height": 512, "seed": 1234, "sampler_name": "Euler a"})
    lines = bm.table(report)
    assert lines[0].split() == ["HOST", "PHASE", "MODE", "S/IT", "S/IMAGE", "RESULT"]
    body = "\n".join(lines)
    assert "gtx970-desktop  autotune  medvram" in body and "ok (simulated), chosen" in body
    assert "out of memory: OutOfMemoryError: CUDA out of memory" in body
    assert "x1.50" in body
    assert "not benchmarkable: the web UI runs without --api" in body
    assert "failed: did not answer" in body and "failed: nothing recorded" in body
    markdown = bm.markdown(report)
    assert markdown.startswith("# Web UI benchmark\n")
    assert "20 steps, 512x512, seed 1234, sampler Euler a" in markdown
    assert "**Simulated**" in markdown
    assert markdown.count("\n| gtx970-desktop |") == 4


def test_the_report_says_where_the_ui_was_left():
    fleet = records()
    fleet["gtx970-desktop"]["left_on"] = {
        "mode": "medvram",
        "running": True,
        "reason": "the fastest memory mode that completed the request",
    }
    report = bm.build(fleet)
    assert report["hosts"]["gtx970-desktop"]["left_on"]["mode"] == "medvram"
    assert report["hosts"]["no-api"]["left_on"] is None
    assert (
        "gtx970-desktop",
        "left on",
        "medvram",
        "-",
        "-",
        "running: the fastest memory mode that completed the request",
    ) in bm.table_rows(report)
    fleet["gtx970-desktop"]["left_on"].update(running=False)
    assert "NOT running: the fastest" in bm.markdown(bm.build(fleet))


def test_the_report_refuses_what_is_not_a_mapping():
    with pytest.raises(bm.BenchmarkError, match="mapping of host name"):
        bm.build([])
    with pytest.raises(bm.BenchmarkError, match="mapping of what the benchmark recorded"):
        bm.build({"h": "x"})


def test_the_memory_is_read_from_its_file_and_a_broken_file_is_nothing_remembered():
    text = json.dumps(run_with_oom_at(3329), indent=2) + "\n"
    assert bm.remembered_oom(text, key(), "none", 3329) == 3329
    assert bm.memory(text, key(), [], 3329) == run_with_oom_at(3329)
    for broken in (text + "\\n", "", "[]", "null"):
        assert bm.remembered_oom(broken, key(), "none", 3329) is None
        assert bm.memory(broken, key(), [], 3329)["out_of_memory"] == {}


# Run: one host's trials ----------------------------------------------------------------------


class FakeHost:
    """The host as Run sees it: modes that run out of memory, modes whose UI does not
    come back, and a log of every call."""

    def __init__(self, oom=(), dead=(), seconds=None, broken=None):
        self.oom, self.dead, self.broken = set(oom), set(dead), broken
        self.seconds = seconds or {"none": 10.0, "medvram": 14.0, "lowvram": 30.0}
        self.mode = None
        self.calls = []

    def switch(self, mode, restart):
        self.calls.append(("switch", mode, restart))
        if mode == self.broken:
            raise bm.HostError("systemctl restart failed")
        self.mode = mode
        return mode not in self.dead

    def journal(self):
        self.calls.append(("journal",))
        return ["torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20 MiB", "password ********"]

    def txt2img(self, steps):
        self.calls.append(("txt2img", self.mode, steps))
        if self.mode in self.oom:
            return dict(OOM_500)
        return ok(self.seconds[self.mode] * steps / 20, simulated=True)


KEY = {"ui": "a1111", "model": "sd15", "gpu": "GPU-1", "width": 512, "height": 512, "args_sha256": "x"}


def run(host, mode_before="lowvram", **kwargs):
    kwargs.setdefault("modes", ["none", "medvram", "lowvram"])
    return bm.Run(host, mode_before, key=KEY, free_mib=3329, **kwargs).run()


def outcomes(result):
    return [(t["phase"], t["mode"], "ok" if t["ok"] else "oom" if t["oom"] else "error") for t in result.trials]


def test_measuring_as_it_runs_restarts_nothing_and_the_warm_up_is_the_same_request():
    host = FakeHost()
    host.mode = "lowvram"
    result = run(host)
    assert outcomes(result) == [("current", "lowvram", "ok")]
    # The warm-up (2 steps), then the timed request: the trial is the timed one.
    assert host.calls == [("txt2img", "lowvram", 2), ("txt2img", "lowvram", 20)]
    assert result.trials[0]["seconds_per_image"] == 30.0 and result.left_on is None and result.chosen is None
    assert result.memory_after({"memory_free_mib": 3329}) is None and result.problem("u", "webui.service") is None


def test_no_warm_up_when_its_steps_are_zero():
    host = FakeHost()
    host.mode = "lowvram"
    run(host, warmup_steps=0)
    assert host.calls == [("txt2img", "lowvram", 20)]


def test_a_warm_up_that_fails_is_the_trial_and_the_timed_request_is_not_made():
    host = FakeHost(oom={"none"})
    host.mode = "lowvram"
    result = run(host, autotune=True)
    assert ("txt2img", "none", 20) not in host.calls and ("txt2img", "none", 2) in host.calls
    assert outcomes(result)[0] == ("autotune", "none", "oom")


def test_autotune_goes_fastest_first_stops_at_the_first_that_completes_and_keeps_it():
    host = FakeHost(oom={"none"})
    host.mode = "lowvram"
    result = run(host, compare=True, autotune=True)
    assert outcomes(result) == [("before", "lowvram", "ok"), ("autotune", "none", "oom"), ("autotune", "medvram", "ok")]
    assert result.chosen == "medvram" and result.written_back() is True
    # medvram runs already: leaving the UI on it edits the launch file (unchanged) and restarts nothing.
    assert [c for c in host.calls if c[0] == "switch"] == [
        ("switch", "none", True),
        ("switch", "medvram", True),
        ("switch", "medvram", False),
    ]
    assert result.left_on == {
        "mode": "medvram",
        "running": True,
        "reason": "the fastest memory mode that completed the request",
    }
    memory = result.memory_after({"memory_free_mib": 3329})
    assert memory["out_of_memory"] == {"none": 3329} and memory["tuned"]["mode"] == "medvram"
    assert (
        result.lines[-1]
        == "The web UI runs on memory mode medvram: the fastest memory mode that completed the request."
    )


def test_autotune_all_tries_every_mode_and_chooses_the_fastest():
    host = FakeHost()
    host.mode = "lowvram"
    result = run(host, autotune=True, autotune_all=True)
    assert [t["mode"] for t in result.trials] == ["none", "medvram", "lowvram"]
    assert result.chosen == "none" and result.left_on["mode"] == "none"
    assert host.calls[-1] == ("switch", "none", True)


def test_a_mode_remembered_out_of_memory_is_not_tried_again():
    memory = bm.memory(None, KEY, [{"mode": "none", "oom": True, "remembered": False}], 3329)
    host = FakeHost()
    host.mode = "medvram"
    result = run(host, "medvram", autotune=True, memory_before=json.dumps(memory))
    assert [(t["mode"], t["remembered"]) for t in result.trials] == [("none", True), ("medvram", False)]
    assert not any(c[:2] == ("switch", "none") for c in host.calls)
    assert result.chosen == "medvram" and result.written_back() is False


def test_a_ui_that_does_not_come_back_is_an_out_of_memory_at_start_from_its_masked_log():
    host = FakeHost(dead={"none"})
    host.mode = "lowvram"
    result = run(host, autotune=True)
    assert outcomes(result)[:2] == [("autotune", "none", "oom"), ("autotune", "medvram", "ok")]
    assert result.trials[0]["error"].startswith("out of memory at start:")
    assert result.up is True and result.problem("http://x", "webui.service") is None


def test_the_ui_left_stopped_fails_the_host_with_its_log_after_the_memory_is_kept():
    host = FakeHost(dead={"none", "medvram", "lowvram"})
    host.mode = "lowvram"
    result = run(host, autotune=True)
    assert result.chosen is None and result.up is False
    assert result.left_on == {
        "mode": "lowvram",
        "running": False,
        "reason": "the memory mode it had before: no other mode completed the request",
    }
    problem = result.problem("http://127.0.0.1:7860", "webui.service")
    assert problem.startswith(
        "The web UI did not answer on http://127.0.0.1:7860 after its restart on memory mode lowvram."
    )
    assert "password ********" in problem
    # What ran out of memory is kept; no mode is tuned since none came back.
    memory = result.memory_after({"memory_free_mib": 3329})
    assert set(memory["out_of_memory"]) == {"none", "medvram", "lowvram"} and "tuned" not in memory


def test_autotune_without_a_mode_that_completes_names_each_error():
    host = FakeHost(oom={"none", "medvram", "lowvram"})
    host.mode = "lowvram"
    result = run(host, autotune=True)
    problem = result.problem("u", "webui.service")
    assert problem.startswith("No memory mode completed the request (none: out of memory: OutOfMemoryError")
    assert problem.endswith("; the web UI runs on lowvram again.") and result.left_on["mode"] == "lowvram"


def test_a_step_that_breaks_midway_still_leaves_the_ui_on_a_mode_that_worked():
    host = FakeHost(broken="lowvram")
    host.mode = "medvram"
    with pytest.raises(bm.HostError):
        run(host, "medvram", autotune=True, autotune_all=True)
    host = FakeHost(broken="medvram")
    host.mode = "lowvram"
    runner = bm.Run(host, "lowvram", ["none", "medvram", "lowvram"], autotune=True, autotune_all=True, key=KEY)
    with pytest.raises(bm.HostError):
        runner.run()
    # none completed before medvram's restart broke: the UI goes back to none.
    assert [t["mode"] for t in runner.trials] == ["none"]
    assert runner.left_on["mode"] == "none" and host.calls[-1] == ("switch", "none", True)


def test_compare_without_autotune_measures_the_mode_site_would_choose_after():
    host = FakeHost()
    host.mode = "lowvram"
    result = run(host, compare=True, planned_mode="none")
    assert outcomes(result) == [("before", "lowvram", "ok"), ("after", "none", "ok")]
    assert result.chosen == "none" and result.left_on["mode"] == "none"
    host = FakeHost(oom={"none"})
    host.mode = "lowvram"
    result = run(host, compare=True, planned_mode="none")
    assert result.chosen is None and result.left_on["mode"] == "lowvram" and host.mode == "lowvram"


def test_check_mode_measures_as_it_runs_and_changes_nothing():
    host = FakeHost()
    host.mode = "lowvram"
    result = run(host, compare=True, autotune=True, planned_mode="none", check_mode=True)
    assert outcomes(result) == [("before", "lowvram", "ok")]
    assert not any(c[0] == "switch" for c in host.calls) and result.left_on is None


def test_gpu_record_keeps_the_report_fields_of_the_uis_gpu():
    gpus = [
        {"index": 0, "name": "A", "uuid": "GPU-0", "memory_free_mib": 10, "processes": []},
        {"index": 1, "name": "B"},
    ]
    assert bm.gpu_record(gpus, 0) == {"index": 0, "name": "A", "uuid": "GPU-0", "memory_free_mib": 10}
    assert bm.gpu_record(gpus, None) is None and bm.gpu_record(gpus, 7) is None


def test_trial_line_says_speed_or_error():
    assert bm.trial_line(bm.trial(ok(10.0, True), "none", "autotune", 20)) == (
        "autotune none: 0.500 s/it, 10.000 s per image (simulated)"
    )
    assert bm.trial_line(bm.failed_start("none", "autotune", [])) == (
        "autotune none: the web UI did not answer after the restart"
    )
