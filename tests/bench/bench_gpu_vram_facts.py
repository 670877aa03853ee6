#!/usr/bin/env python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time gpu_vram_facts's NVML path on 4 fake GPUs with processes.

Run from the repository root: .venv/bin/python tests/bench/bench_gpu_vram_facts.py
Prints mean and median milliseconds per run and nvmlInit calls per run; fails if a
run starts any subprocess, calls nvmlInit more than once, or the median exceeds the
50 ms target. The fake NVML answers instantly, so this measures the module's own
work, not the driver's.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import subprocess
import sys
import time
from unittest import mock

ROOT = pathlib.Path(__file__).resolve().parents[2]
ITERATIONS = 2000
TARGET_MS = 50.0


def _import_paths():
    link = ROOT / "build" / "collections" / "ansible_collections" / "vramfree" / "webui"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT)
    sys.path.insert(0, str(ROOT / "build" / "collections"))
    sys.path.insert(0, str(ROOT / "tests" / "unit" / "plugins" / "module_utils"))


_import_paths()
from gpu_doubles import MIB, FakeNvml  # noqa: E402

from ansible_collections.vramfree.webui.plugins.module_utils import _gpu  # noqa: E402


def fleet_box() -> FakeNvml:
    devices = []
    names = {}
    for index in range(4):
        pids = [1000 + 10 * index + n for n in range(6)]
        names.update({pid: "/usr/bin/worker-%d" % pid for pid in pids})
        devices.append(
            dict(
                name="NVIDIA GeForce GTX 1080 Ti",
                uuid="GPU-0000000%d-7d20-4f86-a5b3-c18e6f0d2b97" % index,
                bus_id="00000000:0%d:00.0" % (index + 1),
                total=11264 * MIB,
                reserved=174 * MIB,
                used=3961 * MIB,
                free=7129 * MIB,
                display=int(index == 0),
                persistence=1,
                graphics=[(pid, 120 * MIB) for pid in pids[:3]],
                compute=[(pid, 900 * MIB) for pid in pids[2:]],
            )
        )
    return FakeNvml("535.247.01", devices, names=names)


def forbidden(*args, **kwargs):
    raise AssertionError("the NVML path started a process: %r" % (args[:1],))


def main() -> int:
    nvml = fleet_box()
    blocked = [mock.patch.object(subprocess, "Popen", forbidden)]
    for name in ("system", "fork", "execv", "execve", "execvp", "execvpe", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            blocked.append(mock.patch.object(os, name, forbidden))
    timings = []
    for patcher in blocked:
        patcher.start()
    try:
        for _run in range(ITERATIONS):
            start = time.perf_counter()
            facts, warnings, failures = _gpu.gather(
                "auto", lambda: nvml, None, "/nonexistent", read_comm=lambda pid: None
            )
            timings.append((time.perf_counter() - start) * 1000.0)
            assert facts["backend"] == "nvml" and len(facts["gpus"]) == 4 and not warnings and not failures
    finally:
        for patcher in blocked:
            patcher.stop()
    inits = nvml.calls["nvmlInit"] / ITERATIONS
    median = statistics.median(timings)
    print("gpu_vram_facts NVML path, 4 GPUs x 6 processes (one in both lists), %d runs" % ITERATIONS)
    print("  mean   %.3f ms" % statistics.mean(timings))
    print("  median %.3f ms (target <= %.0f ms)" % (median, TARGET_MS))
    print("  max    %.3f ms" % max(timings))
    print("  nvmlInit per run %.2f, nvmlShutdown per run %.2f" % (inits, nvml.calls["nvmlShutdown"] / ITERATIONS))
    print("  subprocesses started: 0")
    if inits != 1.0 or nvml.calls["nvmlShutdown"] != ITERATIONS:
        print("FAIL: expected exactly one nvmlInit and one nvmlShutdown per run")
        return 1
    if median > TARGET_MS:
        print("FAIL: median above target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
