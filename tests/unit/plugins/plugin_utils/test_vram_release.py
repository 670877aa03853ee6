from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_release import release_problems


def gpu(index=0, processes=None, supported=True, used=0, **extra):
    data = {
        "index": index,
        "vendor": "nvidia",
        "name": "NVIDIA GeForce GTX 970",
        "pci_bus_id": "00000000:01:00.0",
        "memory_total_mib": 4096,
        "memory_used_mib": used,
        "memory_free_mib": 4096 - 61 - used,
        "memory_reserved_mib": 61,
        "processes_supported": supported,
        "processes": processes or [],
    }
    data.update(extra)
    return data


def proc(pid, name, mib, kind="graphics"):
    return {"pid": pid, "name": name, "type": kind, "used_memory_mib": mib}


def test_released_card_has_no_problem():
    assert release_problems({"gpus": [gpu(used=1)]}) == []


def test_no_gpu_has_no_problem():
    assert release_problems({"backend": "none", "gpus": []}) == []


def test_leftover_holder_is_named_with_pid_name_and_mib():
    facts = {"gpus": [gpu(used=513, processes=[proc(4242, "ollama", 512, "compute")])]}
    assert release_problems(facts) == [
        "GPU 0 (NVIDIA GeForce GTX 970, 00000000:01:00.0) is still held by 1 process(es), "
        "512 MiB in all (allowed 0 MiB): pid 4242 ollama (compute, 512 MiB)"
    ]


def test_holders_are_listed_largest_first():
    facts = {"gpus": [gpu(processes=[proc(10, "gnome-shell", 227), proc(9, "/usr/lib/xorg/Xorg", 431)])]}
    (problem,) = release_problems(facts)
    assert problem.endswith(
        "2 process(es), 658 MiB in all (allowed 0 MiB): pid 9 /usr/lib/xorg/Xorg (graphics, 431 MiB), "
        "pid 10 gnome-shell (graphics, 227 MiB)"
    )


@pytest.mark.parametrize("allowed, expected", [(511, 1), (512, 0)])
def test_allowance_is_inclusive(allowed, expected):
    facts = {"gpus": [gpu(processes=[proc(1, "ollama", 512)])]}
    assert len(release_problems(facts, max_other_mib=allowed)) == expected


def test_hidden_figure_counts_as_held():
    # Some drivers list a process but not its memory ("[N/A]"): it still holds the GPU.
    facts = {"gpus": [gpu(processes=[proc(7, "Xorg", None)])]}
    (problem,) = release_problems(facts, max_other_mib=1024)
    assert "pid 7 Xorg (graphics, unknown MiB)" in problem


def test_card_without_process_list_is_judged_by_device_memory():
    facts = {"gpus": [gpu(supported=False, used=700)]}
    (problem,) = release_problems(facts, max_device_used_mib=128)
    assert problem.startswith("GPU 0 (NVIDIA GeForce GTX 970, 00000000:01:00.0) has 700 MiB in use (allowed 128 MiB)")
    assert "cannot list processes" in problem
    assert release_problems({"gpus": [gpu(supported=False, used=128)]}, max_device_used_mib=128) == []


def test_only_the_gpu_still_held_is_reported():
    facts = {"gpus": [gpu(0, used=1), gpu(1, processes=[proc(5, "python3", 2048, "compute")], pci_bus_id=None)]}
    assert release_problems(facts) == [
        "GPU 1 (NVIDIA GeForce GTX 970) is still held by 1 process(es), 2048 MiB in all (allowed 0 MiB): "
        "pid 5 python3 (compute, 2048 MiB)"
    ]


def test_unreadable_gpu_is_reported():
    facts = {"gpus": [gpu(error="GPU is lost")]}
    assert release_problems(facts) == [
        "GPU 0 (NVIDIA GeForce GTX 970, 00000000:01:00.0) could not be read: GPU is lost"
    ]


def test_wrong_input_is_a_clear_error():
    with pytest.raises(TypeError, match="expected the gpu_vram fact"):
        release_problems([1, 2])
