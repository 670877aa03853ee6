"""After a persistent stop: restore_desktop brings the desktop back with its VRAM and
boot target; persist turned off puts back only the boot target."""

import pytest


def restored(host):
    return host.backend.get_hostname() == "vramfree-restore-trixie"


def used_mib(host):
    return int(host.check_output("LC_ALL=C nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits"))


def test_default_target_put_back_and_forgotten(host):
    assert host.check_output("systemctl get-default") == "graphical.target"
    assert not host.file("/etc/ansible/facts.d/vramfree_headless.fact").exists


def test_restore_brings_the_desktop_and_its_vram_back(host):
    if not restored(host):
        pytest.skip("desktop kept stopped on this host")
    assert host.service("display-manager.service").is_running
    assert host.run("pgrep -x Xorg").rc == 0
    assert used_mib(host) == 701


def test_persist_off_keeps_the_desktop_stopped(host):
    if restored(host):
        pytest.skip("desktop restored on this host")
    assert not host.service("display-manager.service").is_running
    assert used_mib(host) == 1
