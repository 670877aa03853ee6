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
