# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Judge whether the VRAM a stopped desktop held has been released.

Input is the ``gpu_vram`` fact of ``gpu_vram_facts``; output is a list of plain
sentences, one per GPU that still holds too much, naming who holds it. An empty list
means every GPU is released. Kept free of Ansible so the role's wait loop, its failure
message and the unit tests all share one judgement.
"""

from __future__ import annotations


def _gpu_label(gpu):
    label = "GPU %s (%s" % (gpu.get("index", "?"), gpu.get("name") or "unknown")
    if gpu.get("pci_bus_id"):
        label += ", %s" % gpu["pci_bus_id"]
    return label + ")"


def _holder(proc):
    used = proc.get("used_memory_mib")
    amount = "%d MiB" % used if used is not None else "unknown MiB"
    return "pid %s %s (%s, %s)" % (proc.get("pid"), proc.get("name") or "?", proc.get("type") or "?", amount)


def release_problems(gpu_vram, max_other_mib=0, max_device_used_mib=128):
    """Return one sentence per GPU whose VRAM is not released yet.

    A GPU that lists its processes is judged by what those processes hold (a process
    whose figure the driver hides counts as holding more than allowed). A GPU whose
    driver cannot list processes (old GeForce: "Not Supported") is judged by the
    device's used memory, which also counts the driver's own allocations, hence the
    separate, larger allowance.
    """
    if not isinstance(gpu_vram, dict):
        raise TypeError("expected the gpu_vram fact (a dict), got %s" % type(gpu_vram).__name__)
    max_other_mib = int(max_other_mib)
    max_device_used_mib = int(max_device_used_mib)
    problems = []
    for gpu in gpu_vram.get("gpus") or []:
        label = _gpu_label(gpu)
        if gpu.get("error"):
            problems.append("%s could not be read: %s" % (label, gpu["error"]))
            continue
        if gpu.get("processes_supported"):
            procs = sorted(gpu.get("processes") or [], key=lambda p: -(p.get("used_memory_mib") or 0))
            held = sum(p.get("used_memory_mib") or 0 for p in procs)
            hidden = any(p.get("used_memory_mib") is None for p in procs)
            if procs and (held > max_other_mib or hidden):
                problems.append(
                    "%s is still held by %d process(es), %d MiB in all (allowed %d MiB): %s"
                    % (label, len(procs), held, max_other_mib, ", ".join(_holder(p) for p in procs))
                )
        else:
            used = gpu.get("memory_used_mib")
            if used is None or used > max_device_used_mib:
                problems.append(
                    "%s has %s MiB in use (allowed %d MiB); its driver cannot list processes, "
                    "so it is judged by the device's used memory; run nvidia-smi or fuser -v "
                    "/dev/nvidia* on the host to see who holds it"
                    % (label, "unknown" if used is None else used, max_device_used_mib)
                )
    return problems


def unreadable(gpu_vram):
    """``GPU <index>: <error>`` for each GPU the measurement could not read."""
    return [
        "GPU %s: %s" % (gpu.get("index", "?"), gpu["error"]) for gpu in gpu_vram.get("gpus") or [] if gpu.get("error")
    ]


def failure_message(gpu_vram, problems, timeout, error=None):
    """Why the release was not proven, as the headless role reports it.

    A GPU that cannot be read (NVML's "GPU is lost" after an Xid 79) is not one whose
    VRAM is still held: that is said instead of blaming processes."""
    lost = unreadable(gpu_vram) if gpu_vram is not None else []
    if gpu_vram is None or lost:
        return "Could not measure the VRAM: %s" % ("; ".join(lost) if lost else error or "unknown error")
    return (
        "VRAM still held %s s after the desktop stopped: %s. Stop those processes (or list their units in "
        "headless_stop_units), or raise headless_max_other_vram_mib." % (timeout, "; ".join(problems))
    )


def wait_for_release(measure, judge, timeout, delay, clock, sleep, earlier=None):
    """Measure until ``judge`` finds nothing held, or ``timeout`` seconds have passed.

    ``measure()`` returns ``(gpu_vram, error)``: the fact, or None and why not.
    ``judge(gpu_vram)`` returns release_problems' sentences. ``earlier`` is a measurement
    already taken: when it is readable and proves the release, nothing is measured (a
    re-run whose desktop was gone before the role). The last measurement is tried at
    the deadline or after it, never skipped for lack of time.

    Returns a dict: ``gpu_vram`` (the proof, or the last measurement), ``measured``
    (whether it came from this wait), ``attempts``, ``problems`` and ``msg`` (empty when
    released), ``error`` (the last measurement's failure, if any).
    """
    if earlier is not None and not judge(earlier) and not unreadable(earlier):
        return dict(gpu_vram=earlier, measured=False, attempts=0, problems=[], msg="", error=None)
    deadline = clock() + max(float(timeout), 0.0)
    attempts = 0
    while True:
        attempts += 1
        gpu_vram, error = measure()
        problems = judge(gpu_vram) if gpu_vram is not None else []
        if gpu_vram is not None and not problems:
            return dict(gpu_vram=gpu_vram, measured=True, attempts=attempts, problems=[], msg="", error=None)
        if clock() >= deadline:
            return dict(
                gpu_vram=gpu_vram,
                measured=True,
                attempts=attempts,
                problems=problems,
                msg=failure_message(gpu_vram, problems, timeout, error),
                error=error,
            )
        sleep(delay)
