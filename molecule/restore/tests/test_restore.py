"""After restore_desktop: the desktop runs again, holds its VRAM again, and boots by
default again; the remembered target is forgotten."""


def test_display_manager_runs_again(host):
    assert host.service("display-manager.service").is_running
    assert host.run("pgrep -x Xorg").rc == 0


def test_default_target_put_back(host):
    assert host.check_output("systemctl get-default") == "graphical.target"
    assert not host.file("/etc/ansible/facts.d/vramfree_headless.fact").exists


def test_desktop_holds_its_vram_again(host):
    used = host.check_output("LC_ALL=C nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits")
    assert int(used) == 701
