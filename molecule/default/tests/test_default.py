"""site as a fleet run: two desktops with different GPUs and web UIs, and a box with no
GPU, in one run. Each host gets its own memory mode from its own VRAM; the box without
a GPU is said so and the others go on; the fleet report on the controller says all of
it. Every check runs on every host against its row of HOSTS (none is skipped)."""

import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import converge_in_check_mode, inventory_hosts  # noqa: E402  pylint: disable=wrong-import-position

HOSTS = {
    "vramfree-default-bookworm": dict(
        gpu="NVIDIA GeForce GTX 970",
        before_used=701,
        after_used=1,
        free=4029,
        desktop_holders={"Xorg", "gnome-shell"},
        ui="a1111",
        mode="none",
        port=7860,
    ),
    "vramfree-default-trixie": dict(
        gpu="NVIDIA GeForce GTX 1060 6GB",
        before_used=853,
        after_used=2,
        free=6059,
        desktop_holders={"Xorg", "kwin_x11"},
        ui="comfyui",
        mode="normalvram",
        port=8188,
    ),
    "vramfree-default-nogpu": dict(gpu=None, ui="a1111", mode=None, port=None),
}


def expect(host):
    return HOSTS[host.backend.get_hostname()]


def report(name="report.json"):
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "report", name)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_the_scenario_has_exactly_the_expected_hosts():
    # A renamed platform fails here rather than have its checks pass by doing nothing.
    assert inventory_hosts() == set(HOSTS)


def test_the_report_covers_every_host_and_none_failed():
    data = report()
    assert set(data["hosts"]) == set(HOSTS)
    assert data["failed"] == []
    assert {entry["status"] for entry in data["hosts"].values()} == {"ok"}


def test_the_first_report_shows_the_desktop_freeing_each_gpu(host):
    entry = report("first-run.json")["hosts"][host.backend.get_hostname()]
    want = expect(host)
    if want["gpu"] is None:
        assert (entry["gpus"], entry["backend"], entry["desktop"]["stopped"]) == ([], "none", False)
        assert entry["desktop"]["reason"].startswith("no GPU found")
        return
    (gpu,) = entry["gpus"]
    assert gpu["name"] == want["gpu"]
    assert (gpu["before"]["used_mib"], gpu["after"]["used_mib"], gpu["after"]["free_mib"]) == (
        want["before_used"],
        want["after_used"],
        want["free"],
    )
    assert {h["name"] for h in gpu["before"]["holders"]} == want["desktop_holders"]
    # The unit is the real one behind the display-manager.service alias.
    assert all(h["desktop"] and h["unit"] == "vramfree-fake-desktop.service" for h in gpu["before"]["holders"])
    assert gpu["after"]["holders"] == []
    assert entry["desktop"]["stopped"] is True


def test_the_rerun_report_shows_the_web_ui_as_the_only_holder(host):
    entry = report()["hosts"][host.backend.get_hostname()]
    if expect(host)["gpu"] is None:
        assert entry["gpus"] == []
        return
    (gpu,) = entry["gpus"]
    holders = gpu["before"]["holders"]
    assert [(h["unit"], h["desktop"]) for h in holders] == [("webui.service", False)]
    # Its VRAM counted as free for it: the same mode as the first run (next test).
    assert gpu["after"]["free_mib"] + holders[0]["used_mib"] == expect(host)["free"]


def test_each_host_got_the_memory_mode_of_its_own_vram(host):
    webui = report()["hosts"][host.backend.get_hostname()]["webui"]
    want = expect(host)
    if want["mode"] is None:
        assert webui["configured"] is False and webui["memory_mode"] is None
        return
    assert (webui["configured"], webui["ui"], webui["memory_mode"]) == (True, want["ui"], want["mode"])
    assert webui["free_mib"] == want["free"]
    assert webui["url"] == "http://127.0.0.1:%d/" % want["port"]


def test_the_markdown_report_names_every_host():
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "report", "report.md")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for name, want in HOSTS.items():
        assert ("| %s | 0: %s |" % (name, want["gpu"]) if want["gpu"] else "| %s | no GPU found |" % name) in text


def test_the_desktop_is_stopped_where_there_is_a_gpu(host):
    has_gpu = expect(host)["gpu"] is not None
    assert host.service("display-manager.service").is_running is False
    assert host.run("pgrep -x Xorg").rc == 1
    assert host.file("/usr/local/bin/nvidia-smi").exists == has_gpu


def test_the_web_ui_runs_where_there_is_a_gpu(host):
    want = expect(host)
    assert host.service("webui.service").is_running == (want["mode"] is not None)
    if want["port"] is not None:
        listening = host.check_output("ss -Hltn 'sport = :%s'", str(want["port"]))
        assert "127.0.0.1:%d" % want["port"] in listening


def test_y_check_mode_on_the_converged_hosts_changes_nothing():
    recap = converge_in_check_mode()
    # localhost: converge.yml's own step that keeps the first report.
    assert {host: (counts["changed"], counts["failed"]) for host, counts in recap.items()} == dict.fromkeys(
        list(HOSTS) + ["localhost"], (0, 0)
    )


def test_boot_target_untouched_without_persist(host):
    assert host.check_output("systemctl get-default") == "graphical.target"
