"""site under the collection's fleet strategy, which is Mitogen's mitogen_linear where
mitogen is installed: the same outcomes as under Ansible's own strategy (desktop
stopped, web UI running, fleet report), idempotent, and proof that the modules really
ran inside Mitogen on the hosts, not under a silent fallback to linear."""

import json
import os
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import (  # noqa: E402  pylint: disable=wrong-import-position
    ansible_playbook,
    converge_in_check_mode,
    inventory_hosts,
    inventory_without,
    play_recap,
)

HOSTS = {
    "vramfree-mitogen-bookworm": dict(
        gpu="NVIDIA GeForce GTX 970", before_used=701, after_used=1, ui="a1111", mode="none", port=7860, sshd=22
    ),
    "vramfree-mitogen-trixie": dict(
        gpu="NVIDIA GeForce GTX 1060 6GB",
        before_used=853,
        after_used=2,
        ui="comfyui",
        mode="normalvram",
        port=8188,
        # Only there, and only named by the host's ansible_ssh_common_args (molecule.yml).
        sshd=2222,
    ),
}


def expect(host):
    return HOSTS[host.backend.get_hostname()]


def report():
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "report", "report.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_the_scenario_has_exactly_the_expected_hosts():
    assert inventory_hosts() == set(HOSTS)


def test_the_scenario_config_asks_for_the_fleet_strategy():
    cfg = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg").read_text(encoding="utf-8")
    assert re.search(r"^strategy = vramfree.webui.fleet$", cfg, re.M), cfg


def test_modules_ran_inside_mitogen_on_both_runs(host):
    # One line per real run (converge, idempotence); the check step skips the recording.
    parents = host.file("/var/tmp/vramfree-module-parents").content_string.splitlines()
    assert len(parents) == 2, parents
    for parent in parents:
        assert re.fullmatch(r"/usr/bin/python3\.\d+\(mitogen:\S+\) ?", parent), parent


def test_the_inventorys_ssh_options_took_effect_under_mitogen(host):
    # Under host_key_checking=true (the scenario's ansible.cfg) each host was reached only
    # because its ansible_ssh_common_args turned the check off, and trixie only through
    # the port they name: sshd listens nowhere else.
    want = expect(host)
    listening = host.check_output("ss -Hltn")
    assert (":%d " % want["sshd"]) in listening
    if want["sshd"] != 22:
        assert ":22 " not in listening, listening
    # The SSH connection Mitogen's interpreter was started through, on both runs: its
    # server port is the one the inventory asked for.
    connections = host.file("/var/tmp/vramfree-ssh-connections").content_string.splitlines()
    assert len(connections) == 2, connections
    assert [line.split()[3] for line in connections] == [str(want["sshd"])] * 2


def changed_tasks(stdout):
    """The names of the tasks that reported a change, in order."""
    names, task = [], None
    for line in stdout.splitlines():
        started = re.match(r"^TASK \[(?:[^:\]]+ : )?(.*)\] \*", line)
        if started:
            task = started.group(1)
        elif line.startswith("changed: ") and task not in names:
            names.append(task)
    return names


def test_site_writes_its_report_in_its_working_folder_whatever_pwd_says(tmp_path):
    # No vramfree_report_dir, a working folder and a PWD that disagree: as a script that
    # changed folder, or a runner that started ansible-playbook elsewhere, leaves them.
    run, stale = tmp_path / "run", tmp_path / "stale"
    run.mkdir()
    stale.mkdir()
    host = "vramfree-mitogen-bookworm"
    inventory = inventory_without([host], {"vramfree_report_dir"}, tmp_path / "inventory.yml")
    proc = ansible_playbook(
        "vramfree.webui.site",
        inventories=[inventory],
        own_inventory=True,
        cwd=run,
        env_changes={"PWD": str(stale)},
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    # A converged host: the one change is the new report folder on the controller.
    assert changed_tasks(proc.stdout) == ["Make the report folder"], proc.stdout[-4000:]
    assert play_recap(proc.stdout)[host]["changed"] == 1, proc.stdout[-4000:]
    written = json.loads((run / "vramfree-report" / "report.json").read_text(encoding="utf-8"))
    assert list(written["hosts"]) == [host]
    assert list(stale.iterdir()) == []


def test_the_report_shows_each_desktop_stopped_and_its_vram_freed():
    data = report()
    assert data["failed"] == []
    assert set(data["hosts"]) == set(HOSTS)
    for name, want in HOSTS.items():
        entry = data["hosts"][name]
        assert entry["status"] == "ok"
        assert entry["desktop"]["stopped"] is True
        (gpu,) = entry["gpus"]
        assert gpu["name"] == want["gpu"]
        # The re-run's report: the desktop is gone and the web UI is the only holder.
        assert [h["unit"] for h in gpu["before"]["holders"]] == ["webui.service"]
        assert (entry["webui"]["configured"], entry["webui"]["ui"], entry["webui"]["memory_mode"]) == (
            True,
            want["ui"],
            want["mode"],
        )


def test_the_desktop_is_stopped(host):
    assert host.service("display-manager.service").is_running is False
    assert host.run("pgrep -x Xorg").rc == 1


def test_the_web_ui_runs_on_loopback(host):
    want = expect(host)
    assert host.service("webui.service").is_running
    listening = host.check_output("ss -Hltn 'sport = :%s'", str(want["port"]))
    assert "127.0.0.1:%d" % want["port"] in listening


def test_y_check_mode_on_the_converged_hosts_changes_nothing():
    # Through the scenario's ansible.cfg, so under the fleet strategy (Mitogen) as well.
    recap = converge_in_check_mode()
    assert {host: (counts["changed"], counts["failed"]) for host, counts in recap.items()} == dict.fromkeys(
        HOSTS, (0, 0)
    )
