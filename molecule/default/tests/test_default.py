"""The site playbook on two desktop boxes (Debian 12 and 13): the desktop is stopped and
the simulated GTX 970's VRAM is free, measured through the module's auto backend."""

import json


def vram(host):
    # The module as users run it, through Ansible, over the same SSH connection.
    result = host.ansible("vramfree.webui.gpu_vram_facts", check=False, become=True)
    return result["ansible_facts"]["gpu_vram"]


def test_display_manager_stopped(host):
    assert not host.service("display-manager.service").is_running
    assert host.run("pgrep -x Xorg").rc == 1


def test_vram_free_through_auto_backend(host):
    facts = vram(host)
    # No NVML library on the test hosts: auto falls through to the (simulated) nvidia-smi.
    assert facts["backend"] == "nvidia_smi"
    assert facts["driver_version"] == "535.247.01"
    (gpu,) = facts["gpus"]
    assert gpu["name"] == "NVIDIA GeForce GTX 970"
    assert (gpu["memory_total_mib"], gpu["memory_used_mib"], gpu["memory_free_mib"]) == (4096, 1, 4029), json.dumps(gpu)
    assert gpu["processes_supported"] is True
    assert gpu["processes"] == []
    assert gpu["display_active"] is False


def test_boot_target_untouched_without_persist(host):
    assert host.check_output("systemctl get-default") == "graphical.target"
