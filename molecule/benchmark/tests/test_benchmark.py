"""What a user of benchmark.yml cares about: every host is in benchmark.json, measured
before the change and through the autotune trials fastest first; a mode that runs out
of memory is recorded as such and not kept; the fastest mode that completed is written
into webui-user.sh (on its one line) and the running UI has it; a UI without --api is
reported, not failed; the stand-in's figures are labelled simulated; a second run with
the same results changes nothing.

Figures are printed by the playbook, never asserted against limits: the tests check the
structure, the order of the trials, the choice and the out-of-memory detection. Every
check runs on every host against its row of HOSTS."""

import base64
import json
import os
import pathlib
import shlex
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))

# box: the fixture the tests marked @on take.
from testinfra_support import (  # noqa: E402,F401  pylint: disable=unused-import
    STATE_FILE,
    ansible_playbook,
    box,
    converge_in_check_mode,
    http_get,
    inventory_hosts,
    name,
    on,
    play_recap,
    remembered,
)

PLAYBOOKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks"
LAUNCH = "/home/sd/stable-diffusion-webui/webui-user.sh"
BEFORE = "/var/tmp/before-benchmark.sh"  # the launch file as site left it (converge.yml)
API_AUTH = "sd:hunter2-api-secret"
MEMORY_FLAGS = {"--lowvram", "--medvram", "--medvram-sdxl"}
HOSTS = {
    # Desktop stopped: 4029 MiB free; no flag fits at once.
    "vramfree-benchmark-free": dict(
        status="ok",
        before="lowvram",
        free=4029,
        chosen="none",
        flags=set(),
        first=[("before", "lowvram", "ok"), ("autotune", "none", "ok")],
        second=[("before", "none", "ok"), ("autotune", "none", "ok")],
        remembered={},
    ),
    # Desktop kept: 3329 MiB free, below SD 1.5's 3584 without a flag: out of memory, then medvram.
    "vramfree-benchmark-keepdesktop": dict(
        status="ok",
        before="lowvram",
        free=3329,
        chosen="medvram",
        flags={"--medvram"},
        first=[("before", "lowvram", "ok"), ("autotune", "none", "oom"), ("autotune", "medvram", "ok")],
        # The second run does not restart the UI for a mode it proved runs out of memory.
        second=[("before", "medvram", "ok"), ("autotune", "none", "remembered"), ("autotune", "medvram", "ok")],
        remembered={"none": 3329},
    ),
    # No --api: not benchmarkable, and left as it was.
    "vramfree-benchmark-noapi": dict(
        status="not_benchmarkable",
        before=None,
        free=None,
        chosen=None,
        flags={"--lowvram"},
        first=[],
        second=[],
        remembered=None,
    ),
}


def expect(host):
    return HOSTS[name(host)]


def report(file_name):
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "report", file_name)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


FIRST = json.loads(report("benchmark-first-run.json"))
SECOND = json.loads(report("benchmark.json"))


def outcome(trial):
    if trial["remembered"]:
        return "remembered"
    return "ok" if trial["ok"] else ("oom" if trial["oom"] else "error")


def launch_args(text):
    line = [ln for ln in text.splitlines() if ln.startswith("export COMMANDLINE_ARGS=")][0]
    return shlex.split(shlex.split(line.split("=", 1)[1], comments=True)[0])


def api_get(host, path, auth):
    """GET a path of the UI from inside the host (it listens on loopback)."""
    code = (
        "import base64,sys,urllib.request as u,urllib.error as e;r=u.Request(sys.argv[1]);"
        "r.add_header('Authorization','Basic '+sys.argv[2]) if sys.argv[2] else None\n"
        "try: print(u.urlopen(r,timeout=10).read().decode())\n"
        "except e.HTTPError as x: print(x.code)"
    )
    token = base64.b64encode(auth.encode()).decode() if auth else ""
    return host.check_output("python3 -c %s %s %s", code, "http://127.0.0.1:7860" + path, token)


def test_the_scenario_has_exactly_the_expected_hosts():
    assert inventory_hosts() == set(HOSTS)


def test_every_host_is_in_the_report_with_its_status():
    for data in (FIRST, SECOND):
        assert data["version"] == 1 and set(data["hosts"]) == set(HOSTS)
        assert data["failed"] == []
        assert data["not_benchmarkable"] == sorted(h for h, e in HOSTS.items() if e["status"] == "not_benchmarkable")
        assert data["request"]["steps"] == 20 and (data["request"]["width"], data["request"]["height"]) == (512, 512)
        assert data["request"]["seed"] == 1234 and data["request"]["send_images"] is False


def test_the_trials_are_the_expected_ones_in_order(host):
    first, second = FIRST["hosts"][name(host)], SECOND["hosts"][name(host)]
    assert first["status"] == expect(host)["status"]
    assert [(t["phase"], t["mode"], outcome(t)) for t in first["trials"]] == expect(host)["first"]
    assert [(t["phase"], t["mode"], outcome(t)) for t in second["trials"]] == expect(host)["second"]
    assert first["mode_before"] == expect(host)["before"]
    assert (first["chosen_mode"], second["chosen_mode"]) == (expect(host)["chosen"],) * 2
    # Written back by the first run only: the second found it running already.
    assert first["written_back"] is (expect(host)["chosen"] not in (None, expect(host)["before"]))
    assert second["written_back"] is False
    assert (first["gpu"] or {}).get("memory_free_mib") == expect(host)["free"]


def test_out_of_memory_is_read_from_a1111s_error(host):
    for trial in FIRST["hosts"][name(host)]["trials"]:
        if trial["oom"]:
            assert trial["http_status"] == 500 and trial["seconds_per_it"] is None
            assert trial["error"].startswith("out of memory: OutOfMemoryError: CUDA out of memory.")
        else:
            assert trial["error"] is None and trial["http_status"] == 200


def test_figures_hang_together_and_are_labelled_simulated(host):
    entry = FIRST["hosts"][name(host)]
    for trial in entry["trials"]:
        # Every answer of the stand-in says it is simulated, the out-of-memory ones too.
        assert trial["simulated"] is True
        if trial["ok"]:
            assert trial["seconds_per_image"] > 0
            assert abs(trial["seconds_per_it"] - trial["seconds_per_image"] / 20) < 0.0001
    assert entry["simulated"] is bool(entry["trials"])
    if expect(host)["chosen"] is None:
        assert entry["compare"] is None
        assert "without --api" in entry["reason"]
    else:
        compare = entry["compare"]
        assert (compare["before"]["mode"], compare["after"]["mode"]) == (expect(host)["before"], expect(host)["chosen"])
        expected = compare["before"]["seconds_per_it"] / compare["after"]["seconds_per_it"]
        assert abs(compare["speedup"] - expected) < 0.001
        assert compare["before"]["simulated"] and compare["after"]["simulated"]
    markdown = report("benchmark.md")
    assert "**Simulated**" in markdown and "| %s |" % name(host) in markdown


def test_the_chosen_mode_is_in_webui_user_sh_on_its_one_line(host):
    before = host.file(BEFORE).content.splitlines(keepends=True)
    after = host.file(LAUNCH).content.splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(before) == len(after)
    assert changed == (
        []
        if expect(host)["chosen"] in (None, expect(host)["before"])
        else [i for i, line in enumerate(before) if line.startswith(b"export COMMANDLINE_ARGS=")]
    )
    args_before, args_after = (
        launch_args(host.file(BEFORE).content_string),
        launch_args(host.file(LAUNCH).content_string),
    )
    assert MEMORY_FLAGS & set(args_after) == expect(host)["flags"], args_after
    # Only the memory flag changed: every other argument is the same, in order.
    assert [a for a in args_before if a not in MEMORY_FLAGS] == [a for a in args_after if a not in MEMORY_FLAGS]


def test_the_running_ui_has_the_chosen_mode(host):
    assert host.service("webui").is_running
    if expect(host)["status"] != "ok":
        assert api_get(host, "/sdapi/v1/cmd-flags", API_AUTH).strip() == "404"
        return
    flags = json.loads(api_get(host, "/sdapi/v1/cmd-flags", API_AUTH))
    assert {"--" + f.replace("_", "-") for f in ("lowvram", "medvram", "medvram_sdxl") if flags[f]} == expect(host)[
        "flags"
    ]
    # And the API is still behind its login.
    assert api_get(host, "/sdapi/v1/cmd-flags", "sd:wrong").strip() == "401"


def test_what_runs_out_of_memory_is_remembered_on_the_host(host):
    data = remembered(host).get("benchmark", {}).get("webui.service")
    if expect(host)["remembered"] is None:
        assert data is None
        return
    assert data["out_of_memory"] == expect(host)["remembered"]
    assert data["conditions"]["width"] == 512 and "hunter2" not in json.dumps(data)
    # What autotune chose, and the GPU and free VRAM it chose it for: site keeps it
    # while they hold.
    tuned = data["tuned"]
    assert (tuned["mode"], tuned["free_mib"], tuned["ui"], tuned["model"]) == (
        expect(host)["chosen"],
        expect(host)["free"],
        "a1111",
        "sd15",
    )
    assert tuned["gpu"] == FIRST["hosts"][name(host)]["gpu"]["uuid"]
    assert (host.file(os.path.dirname(STATE_FILE)).user, host.file(os.path.dirname(STATE_FILE)).mode) == (
        "root",
        0o755,
    )


def test_check_mode_on_the_benchmarked_hosts_changes_nothing(tmp_path):
    # The report folder as site and benchmark make it, so that making it is no change.
    tmp_path.chmod(0o755)
    recap = converge_in_check_mode("--extra-vars", "vramfree_report_dir=%s" % tmp_path)
    assert set(recap) >= set(HOSTS)
    for host in HOSTS:
        assert (recap[host]["changed"], recap[host]["failed"]) == (0, 0), (host, recap[host])
    # Under --check it measures the UI as it runs, and tries no other mode.
    checked = json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))
    for host, expected in HOSTS.items():
        trials = checked["hosts"][host]["trials"]
        assert [(t["phase"], t["mode"]) for t in trials] == (
            [("before", expected["chosen"])] if expected["chosen"] else []
        )


def ui_memory_flags(host):
    flags = json.loads(api_get(host, "/sdapi/v1/cmd-flags", API_AUTH))
    return {"--" + f.replace("_", "-") for f in ("lowvram", "medvram", "medvram_sdxl") if flags[f]}


BENCHMARKED = sorted(h for h, e in HOSTS.items() if e["status"] == "ok")


def test_site_after_autotune_keeps_the_tuned_mode_and_changes_nothing(tmp_path):
    # site with webui_memory_mode auto, on a memory-mode table that disagrees with what
    # autotune measured on both hosts: it would pick medvram on the free host (none ran)
    # and lowvram on the desktop host (medvram ran). The GPU and its free VRAM are those
    # autotune saw, so its modes stay and no UI is restarted.
    tmp_path.chmod(0o755)
    proc = ansible_playbook(
        PLAYBOOKS / "site.yml",
        "--limit",
        ",".join(BENCHMARKED),
        "--extra-vars",
        json.dumps(
            {
                "webui_memory_mode": "auto",
                "webui_memory_thresholds": {"none": 4096, "medvram": 3400},
                "vramfree_report_dir": str(tmp_path),
            }
        ),
    )
    recap = play_recap(proc.stdout)
    assert proc.returncode == 0 and set(recap) == set(BENCHMARKED), proc.stdout[-4000:]
    for host in BENCHMARKED:
        assert (recap[host]["changed"], recap[host]["failed"]) == (0, 0), (host, proc.stdout[-4000:])
    site = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    for host in BENCHMARKED:
        webui = site["hosts"][host]["webui"]
        assert webui["memory_mode"] == HOSTS[host]["chosen"], webui
        assert "autotune" in webui["memory_reason"], webui


@on(*BENCHMARKED)
def test_site_after_autotune_left_the_tuned_mode_running(box):
    assert MEMORY_FLAGS & set(launch_args(box.file(LAUNCH).content_string)) == expect(box)["flags"]
    assert ui_memory_flags(box) == expect(box)["flags"]


@on("vramfree-benchmark-free")
def test_autotune_past_the_start_limit_leaves_the_ui_running_on_a_mode_that_worked(box, tmp_path):
    # The unit allows 5 starts in 10 minutes (StartLimitBurst), manual ones included: an
    # operator's 5 restarts, then autotune's trial of medvram would be the 6th start and
    # its return to none (faster, chosen) the 7th.
    box.check_output(
        "systemctl reset-failed webui.service && for i in 1 2 3 4 5; do systemctl restart webui.service; done"
    )
    http_get(box, 7860, "/sdapi/v1/cmd-flags", API_AUTH, timeout=120)
    tmp_path.chmod(0o755)
    proc = ansible_playbook(
        PLAYBOOKS / "benchmark.yml",
        "--limit",
        name(box),
        "--extra-vars",
        json.dumps(
            {
                "autotune": True,
                "benchmark_autotune_all": True,
                "benchmark_modes": ["none", "medvram"],
                "vramfree_report_dir": str(tmp_path),
            }
        ),
    )
    assert proc.returncode == 0 and play_recap(proc.stdout)[name(box)]["failed"] == 0, proc.stdout[-4000:]
    entry = json.loads((tmp_path / "benchmark.json").read_text(encoding="utf-8"))["hosts"][name(box)]
    assert [(t["phase"], t["mode"], outcome(t)) for t in entry["trials"]] == [
        ("autotune", "none", "ok"),
        ("autotune", "medvram", "ok"),
    ]
    assert entry["chosen_mode"] == "none", entry
    assert (entry["left_on"]["mode"], entry["left_on"]["running"]) == ("none", True), entry
    assert box.service("webui").is_running
    assert ui_memory_flags(box) == set()
