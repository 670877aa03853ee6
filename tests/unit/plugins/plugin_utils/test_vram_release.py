from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_release import release_problems, wait_for_release


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


class Host:
    """A host whose measurements are given in order, on a clock that only the wait's own
    sleeps move: nothing here waits on the real clock."""

    def __init__(self, *measurements):
        self.measurements = list(measurements)
        self.now = 0.0
        self.slept = []

    def measure(self):
        return self.measurements.pop(0)

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


HELD = ({"gpus": [gpu(used=513, processes=[proc(4242, "/usr/local/bin/ollama", 1536, "compute")])]}, None)
FREE = ({"gpus": [gpu(used=1)]}, None)


def wait(host, timeout=60, earlier=None, judge=release_problems):
    return wait_for_release(host.measure, judge, timeout, 2, host.clock, host.sleep, earlier=earlier)


def test_the_wait_measures_until_the_holder_is_gone():
    host = Host(HELD, HELD, FREE)
    waited = wait(host)
    assert (waited["attempts"], waited["measured"], waited["msg"], waited["problems"]) == (3, True, "", [])
    assert waited["gpu_vram"] == FREE[0]
    assert host.slept == [2, 2]


def test_a_holder_that_stays_is_named_once_the_time_is_up():
    host = Host(*[HELD] * 4)
    waited = wait(host, timeout=4)
    # At 0, 2 and 4 s: the last measurement is taken at the deadline.
    assert waited["attempts"] == 3 and host.measurements == [HELD]
    assert waited["msg"] == (
        "VRAM still held 4 s after the desktop stopped: GPU 0 (NVIDIA GeForce GTX 970, 00000000:01:00.0) is still "
        "held by 1 process(es), 1536 MiB in all (allowed 0 MiB): pid 4242 /usr/local/bin/ollama (compute, 1536 MiB). "
        "Stop those processes (or list their units in headless_stop_units), or raise headless_max_other_vram_mib."
    )
    assert waited["gpu_vram"] == HELD[0]


def test_a_lost_gpu_is_not_blamed_on_processes():
    lost = ({"gpus": [gpu(error="GPU is lost")]}, None)
    waited = wait(Host(lost, lost), timeout=2)
    assert waited["msg"] == "Could not measure the VRAM: GPU 0: GPU is lost"


def test_a_measurement_that_keeps_failing_says_why():
    failed = (None, "nvidia-smi timed out")
    waited = wait(Host(failed, failed), timeout=1)
    assert (waited["attempts"], waited["msg"]) == (2, "Could not measure the VRAM: nvidia-smi timed out")
    assert waited["gpu_vram"] is None


def test_a_failed_measurement_is_tried_again():
    waited = wait(Host((None, "NVML busy"), FREE))
    assert (waited["attempts"], waited["msg"]) == (2, "")


def test_an_earlier_proof_saves_the_measurement():
    host = Host()
    waited = wait(host, earlier=FREE[0])
    assert (waited["attempts"], waited["measured"], waited["gpu_vram"]) == (0, False, FREE[0])


@pytest.mark.parametrize(
    "earlier", [HELD[0], {"gpus": [gpu(used=1, error="GPU is lost")]}], ids=["still-held", "unreadable"]
)
def test_an_earlier_measurement_that_proves_nothing_is_measured_again(earlier):
    waited = wait(Host(FREE), earlier=earlier)
    assert (waited["attempts"], waited["measured"], waited["gpu_vram"]) == (1, True, FREE[0])
