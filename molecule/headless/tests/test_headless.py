"""What a user cares about after the headless role: the desktop is gone (its unit and
its processes), its VRAM is free and stays free across a reboot, the boot target is
what they asked for, check mode changes nothing, and the hosts it cannot act on are
left alone or fail saying why."""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared"))
from testinfra_support import box, converge_in_check_mode, inventory_hosts, name, on, reboot, remembered  # noqa: E402,F401  pylint: disable=unused-import

HOSTS = {
    "vramfree-headless-persist",
    "vramfree-headless-nopersist",
    "vramfree-headless-xdm",
    "vramfree-headless-oldgeforce",
    "vramfree-headless-nodm",
    "vramfree-headless-leftover",
    "vramfree-headless-masked",
    "vramfree-headless-lost",
}
FAKE_DESKTOPS = {
    "vramfree-headless-persist",
    "vramfree-headless-nopersist",
    "vramfree-headless-oldgeforce",
    "vramfree-headless-leftover",
    "vramfree-headless-lost",
}
WITH_DM = FAKE_DESKTOPS | {"vramfree-headless-xdm"}
# Hosts with nvidia-ml-py and the stand-in libnvidia-ml.so.1; the others have only
# the fake nvidia-smi.
NVML = {"vramfree-headless-persist", "vramfree-headless-oldgeforce", "vramfree-headless-lost"}


def query(host, fields):
    out = host.check_output("LC_ALL=C nvidia-smi --query-gpu=%s --format=csv,noheader,nounits", fields)
    return [v.strip() for v in out.split(",")]


def before(host):
    return json.loads(host.file("/var/tmp/vramfree-vram-before.json").content_string)


def test_runs_on_exactly_the_expected_hosts():
    # Checks below act on some hosts only: a renamed or missing host must fail here
    # rather than have its checks pass by doing nothing.
    assert inventory_hosts() == HOSTS


def test_auto_backend_took_nvml_where_it_is_installed(host):
    assert before(host)["backend"] == ("nvml" if name(host) in NVML else "nvidia_smi")


@on(*WITH_DM)
def test_display_manager_is_stopped(box):
    svc = box.service("display-manager.service")
    assert not svc.is_running, box.run("journalctl -u display-manager.service -n 20 --no-pager").stdout


@on(*FAKE_DESKTOPS)
def test_desktop_processes_are_gone(box):
    for process in ("Xorg", "gnome-shell"):
        assert box.run("pgrep -x %s", process).rc == 1, box.check_output("ps -eo pid,comm")


@pytest.mark.parametrize(
    "box, load_state",
    [("vramfree-headless-nodm", "not-found"), ("vramfree-headless-masked", "masked")],
    indirect=["box"],
)
def test_host_without_usable_display_manager_was_left_alone(box, load_state):
    assert box.run("systemctl show -p LoadState --value display-manager.service").stdout.strip() == load_state
    assert box.check_output("systemctl get-default") == "graphical.target"


@on("vramfree-headless-persist", "vramfree-headless-nopersist")
def test_desktop_held_vram_before_and_released_it(box):
    host = box
    (gpu,) = before(host)["gpus"]
    held = {p["name"]: p["used_memory_mib"] for p in gpu["processes"]}
    desktop = {"/usr/lib/xorg/Xorg": 431, "/usr/bin/gnome-shell": 229}
    if name(host) == "vramfree-headless-nopersist":
        # This host also runs the compute job named in headless_stop_units.
        assert held == dict(desktop, **{"/usr/local/bin/ollama": 1536})
        assert gpu["memory_used_mib"] == 701 + 1536
    else:
        assert held == desktop
        assert gpu["memory_used_mib"] == 701
    assert query(host, "memory.used,memory.free") == ["1", "4029"]
    assert "<process_info>" not in host.check_output("nvidia-smi -q -x")


@on("vramfree-headless-persist")
def test_slow_release_made_the_role_wait(box):
    # gnome-shell's session ends vramfree_test_slow_release_s (30 s) after the stop; measurements are 2 s apart.
    assert int(box.file("/var/tmp/vramfree-release-attempts").content_string) >= 2
    assert not box.service("vramfree-fake-session.service").is_running


@on("vramfree-headless-oldgeforce")
def test_old_geforce_released_device_memory(box):
    (gpu,) = before(box)["gpus"]
    assert gpu["processes_supported"] is False
    # More than headless_max_device_used_mib (128): the proof can fail, and did
    # before the stop (the converge's negative case).
    assert gpu["memory_used_mib"] == 178
    assert query(box, "memory.used") == ["2"]


@on("vramfree-headless-persist")
def test_persist_sets_multi_user_and_remembers_the_old_target(box):
    assert box.check_output("systemctl get-default") == "multi-user.target"
    assert remembered(box)["headless"]["previous_default_target"] == "graphical.target"


@on("vramfree-headless-nopersist", "vramfree-headless-xdm")
def test_without_persist_the_boot_target_is_untouched(box):
    assert box.check_output("systemctl get-default") == "graphical.target"
    assert "headless" not in remembered(box)


@on("vramfree-headless-xdm")
def test_real_display_manager_left_nothing_behind(box):
    assert box.run("systemctl show -p Id --value display-manager.service").stdout.strip() == "xdm.service"
    assert box.run("pgrep -x Xvfb").rc == 1
    assert box.run("pgrep -x xdm").rc == 1


@on("vramfree-headless-leftover")
def test_leftover_holder_still_runs_and_holds_vram(box):
    assert box.service("vramfree-fake-ollama.service").is_running
    apps = box.check_output(
        "LC_ALL=C nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader,nounits"
    )
    pid = box.check_output("systemctl show --property=MainPID --value vramfree-fake-ollama.service")
    assert apps == "%s, /usr/local/bin/ollama, 1536" % pid


@on("vramfree-headless-nopersist")
def test_named_units_are_stopped_with_the_desktop(box):
    assert not box.service("vramfree-fake-ollama.service").is_running
    assert box.check_output("LC_ALL=C nvidia-smi --query-compute-apps=pid --format=csv,noheader") == ""


@on("vramfree-headless-persist")
def test_persist_disables_the_named_units_and_remembers_them(box):
    assert not box.service("vramfree-fake-ollama.service").is_running
    assert box.run("systemctl is-enabled vramfree-fake-ollama.service").stdout.strip() == "disabled"
    assert remembered(box)["headless"]["disabled_units"] == ["vramfree-fake-ollama.service"]


@on("vramfree-headless-lost")
def test_the_gpu_was_lost_when_the_desktop_stopped(box):
    # The converge asserted the role's message; here, that the GPU is really lost.
    result = box.run("nvidia-smi --query-gpu=memory.used --format=csv")
    assert result.rc == 15 and "GPU is lost" in result.stdout


def test_check_mode_on_the_converged_hosts_changes_nothing():
    recap = converge_in_check_mode()
    assert set(recap) == HOSTS
    assert {host: (counts["changed"], counts["failed"]) for host, counts in recap.items()} == dict.fromkeys(
        HOSTS, (0, 0)
    )


# Last: the reboot changes what the checks above look at.
def test_after_a_reboot_the_desktop_stays_off_and_the_vram_free():
    host = reboot("vramfree-headless-persist")
    assert host.check_output("systemctl get-default") == "multi-user.target"
    # The job named in headless_stop_units did not come back at boot either.
    assert host.run("systemctl is-active vramfree-fake-ollama.service").stdout.strip() == "inactive"
    assert host.run("systemctl is-active display-manager.service").stdout.strip() == "inactive"
    assert host.run("pgrep -x Xorg").rc == 1
    assert host.check_output("LC_ALL=C nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits") == "1"
