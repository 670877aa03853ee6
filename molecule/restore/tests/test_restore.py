"""After a persistent stop: restore_desktop brings the desktop back with its VRAM and
boot target, also on a real display manager and across a reboot; a target the operator
changed since is kept; persist off puts back only the boot target."""

import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import (  # noqa: E402,F401  pylint: disable=unused-import
    ansible_playbook,
    box,
    converge_in_check_mode,
    inventory_hosts,
    on,
    reboot,
    remembered,
)

HOSTS = {"vramfree-restore-trixie", "vramfree-restore-xdm", "vramfree-restore-retargeted", "vramfree-restore-unpersist"}
RESTORED = HOSTS - {"vramfree-restore-unpersist"}


def used_mib(host):
    return int(host.check_output("LC_ALL=C nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits"))


def test_runs_on_exactly_the_expected_hosts():
    assert inventory_hosts() == HOSTS


def test_the_remembered_target_is_forgotten(host):
    assert "headless" not in remembered(host)


@on("vramfree-restore-xdm")
def test_a_host_an_earlier_release_stopped_is_restored_and_its_files_moved(box):
    # prepare.yml left this host as an earlier release would have: one file per part.
    # Restoring read them (the target is back, above) and moved them out of the way.
    for old in ("vramfree_headless.fact", "vramfree_headless_units.fact"):
        assert not box.file("/etc/ansible/facts.d/" + old).exists
    assert box.check_output("systemctl get-default") == "graphical.target"


@on(*HOSTS - {"vramfree-restore-retargeted"})
def test_default_target_put_back(box):
    assert box.check_output("systemctl get-default") == "graphical.target"


@on("vramfree-restore-retargeted")
def test_a_target_changed_since_the_stop_is_kept(box):
    assert box.check_output("systemctl get-default") == "vramfree-kiosk.target"


@on(*RESTORED)
def test_restore_brings_the_desktop_and_its_vram_back(box):
    assert box.service("display-manager.service").is_running
    assert used_mib(box) == 701


@on("vramfree-restore-trixie", "vramfree-restore-retargeted")
def test_the_simulated_desktops_processes_are_back(box):
    assert box.run("pgrep -x Xorg").rc == 0
    assert box.run("pgrep -x gnome-shell").rc == 0


@on("vramfree-restore-trixie")
def test_restore_enables_and_starts_the_units_persist_disabled(box):
    assert box.service("vramfree-fake-ollama.service").is_running
    assert box.run("systemctl is-enabled vramfree-fake-ollama.service").stdout.strip() == "enabled"
    assert "headless" not in remembered(box)


@on("vramfree-restore-xdm")
def test_the_real_display_manager_runs_its_x_server_again(box):
    assert box.run("systemctl show -p Id --value display-manager.service").stdout.strip() == "xdm.service"
    assert box.run("pgrep -x Xvfb").rc == 0


@on("vramfree-restore-unpersist")
def test_persist_off_keeps_the_desktop_stopped(box):
    assert not box.service("display-manager.service").is_running
    assert used_mib(box) == 1
    # The job persist disabled starts at boot again, and is not started now.
    assert box.run("systemctl is-enabled vramfree-fake-ollama.service").stdout.strip() == "enabled"
    assert not box.service("vramfree-fake-ollama.service").is_running


def test_vram_report_shows_the_fleet():
    proc = ansible_playbook("vramfree.webui.vram_report")
    assert proc.returncode == 0, proc.stdout[-3000:]
    table = re.search(r'"msg": \[\n(.*?)\n\s*\]', proc.stdout, re.S)
    assert table, proc.stdout[-3000:]
    lines = [json.loads(line.strip().rstrip(",")) for line in table.group(1).splitlines()]
    assert [re.split(r"\s{2,}", line) for line in lines[:1] + lines[2:]] == [
        ["HOST", "GPU", "TOTAL", "USED", "FREE", "TOP HOLDERS"],
        [
            "vramfree-restore-retargeted",
            "0: NVIDIA GeForce GTX 970",
            "4096 MiB",
            "701 MiB",
            "3329 MiB",
            "Xorg 431 MiB, gnome-shell 229 MiB",
        ],
        [
            "vramfree-restore-trixie",
            "0: NVIDIA GeForce GTX 970",
            "4096 MiB",
            "701 MiB",
            "3329 MiB",
            "Xorg 431 MiB, gnome-shell 229 MiB",
        ],
        ["vramfree-restore-unpersist", "0: NVIDIA GeForce GTX 970", "4096 MiB", "1 MiB", "4029 MiB", "none"],
        [
            "vramfree-restore-xdm",
            "0: NVIDIA GeForce GTX 970",
            "4096 MiB",
            "701 MiB",
            "3329 MiB",
            "Xorg 431 MiB, gnome-shell 229 MiB",
        ],
    ]
    assert set(lines[1]) == {"-", " "}


def test_check_mode_on_the_converged_hosts_changes_nothing():
    recap = converge_in_check_mode("--extra-vars", "vramfree_hosts=restore")
    assert {h: (c["changed"], c["failed"]) for h, c in recap.items()} == dict.fromkeys(HOSTS, (0, 0))


# Last: the reboot changes what the checks above look at.
def test_after_restore_and_a_reboot_the_desktop_is_back():
    host = reboot("vramfree-restore-trixie")
    assert host.check_output("systemctl get-default") == "graphical.target"
    assert host.run("systemctl is-active vramfree-fake-ollama.service").stdout.strip() == "active"
    assert host.run("systemctl is-active display-manager.service").stdout.strip() == "active"
    assert host.run("pgrep -x Xorg").rc == 0
    assert used_mib(host) == 701
