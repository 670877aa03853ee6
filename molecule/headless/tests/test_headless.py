"""What a user cares about after the headless role: the desktop is gone, its VRAM is
free, the boot target is what they asked for, and the hosts it cannot act on are left
alone."""

import json

import pytest

FAKE_DESKTOPS = {
    "vramfree-headless-persist",
    "vramfree-headless-nopersist",
    "vramfree-headless-oldgeforce",
    "vramfree-headless-leftover",
}
WITH_DM = FAKE_DESKTOPS | {"vramfree-headless-xdm"}


def name(host):
    return host.backend.get_hostname()


def query(host, fields):
    out = host.check_output("LC_ALL=C nvidia-smi --query-gpu=%s --format=csv,noheader,nounits", fields)
    return [v.strip() for v in out.split(",")]


def processes(host):
    xml = host.check_output("nvidia-smi -q -x")
    return xml.count("<process_info>")


def test_display_manager_is_stopped(host):
    if name(host) not in WITH_DM:
        pytest.skip("no display manager on this host")
    svc = host.service("display-manager.service")
    assert not svc.is_running, host.run("journalctl -u display-manager.service -n 20 --no-pager").stdout


@pytest.mark.parametrize("host_name, load_state", [("vramfree-headless-nodm", "not-found"), ("vramfree-headless-masked", "masked")])
def test_host_without_usable_display_manager_was_left_alone(host, host_name, load_state):
    if name(host) != host_name:
        pytest.skip("not %s" % host_name)
    assert host.run("systemctl show -p LoadState --value display-manager.service").stdout.strip() == load_state
    assert host.check_output("systemctl get-default") == "graphical.target"
    assert host.check_output("systemctl get-default") == "graphical.target"


def test_desktop_held_vram_before_and_released_it(host):
    if name(host) not in {"vramfree-headless-persist", "vramfree-headless-nopersist"}:
        pytest.skip("not the simulated GTX 970 desktop")
    before = json.loads(host.file("/var/tmp/vramfree-vram-before.json").content_string)
    (gpu,) = before["gpus"]
    held = {p["name"]: p["used_memory_mib"] for p in gpu["processes"]}
    desktop = {"/usr/lib/xorg/Xorg": 431, "/usr/bin/gnome-shell": 229}
    if name(host) == "vramfree-headless-nopersist":
        # This host also runs the compute job named in headless_stop_units.
        assert held == dict(desktop, **{"/usr/local/bin/ollama": 1536})
        assert gpu["memory_used_mib"] == 701 + 1536
    else:
        assert held == desktop
        assert gpu["memory_used_mib"] == 701
    used, free = (int(v) for v in query(host, "memory.used,memory.free"))
    assert used <= 2 and free >= 4096 - 66 - 2
    assert processes(host) == 0


def test_old_geforce_released_device_memory(host):
    if name(host) != "vramfree-headless-oldgeforce":
        pytest.skip("not the old GeForce")
    before = json.loads(host.file("/var/tmp/vramfree-vram-before.json").content_string)
    (gpu,) = before["gpus"]
    assert gpu["processes_supported"] is False
    assert gpu["memory_used_mib"] > 100
    (used,) = (int(v) for v in query(host, "memory.used"))
    assert used < 16


def test_persist_sets_multi_user_and_remembers_the_old_target(host):
    if name(host) != "vramfree-headless-persist":
        pytest.skip("persist is off on this host")
    assert host.check_output("systemctl get-default") == "multi-user.target"
    fact = host.file("/etc/ansible/facts.d/vramfree_headless.fact")
    assert json.loads(fact.content_string) == {"previous_default_target": "graphical.target"}


def test_without_persist_the_boot_target_is_untouched(host):
    if name(host) not in {"vramfree-headless-nopersist", "vramfree-headless-xdm"}:
        pytest.skip("persist is on, or no display manager")
    assert host.check_output("systemctl get-default") == "graphical.target"
    assert not host.file("/etc/ansible/facts.d/vramfree_headless.fact").exists


def test_real_display_manager_left_nothing_behind(host):
    if name(host) != "vramfree-headless-xdm":
        pytest.skip("not the xdm host")
    assert host.run("systemctl show -p Id --value display-manager.service").stdout.strip() == "xdm.service"
    assert host.run("pgrep -x Xvfb").rc == 1
    assert host.run("pgrep -x xdm").rc == 1


def test_leftover_holder_still_runs_and_holds_vram(host):
    if name(host) != "vramfree-headless-leftover":
        pytest.skip("no leftover holder on this host")
    assert not host.service("display-manager.service").is_running
    assert host.service("vramfree-fake-ollama.service").is_running
    apps = host.check_output("LC_ALL=C nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader,nounits")
    pid = host.check_output("systemctl show --property=MainPID --value vramfree-fake-ollama.service")
    assert apps == "%s, /usr/local/bin/ollama, 1536" % pid


def test_named_units_are_stopped_with_the_desktop(host):
    if name(host) != "vramfree-headless-nopersist":
        pytest.skip("no units named to stop on this host")
    assert not host.service("vramfree-fake-ollama.service").is_running
    assert host.check_output("LC_ALL=C nvidia-smi --query-compute-apps=pid --format=csv,noheader") == ""
