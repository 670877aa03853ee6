# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test doubles for the GPU backends: a pynvml-like module and recorded nvidia-smi runs."""

from __future__ import annotations

import collections
import pathlib
from types import SimpleNamespace

import pynvml

MIB = 1048576
FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "gpu"


class FakeNvml:
    """Answers the pynvml calls _gpu makes, raising pynvml's own NVMLError (whose
    constructor hands back the per-code subclass, e.g. NVMLError_FunctionNotFound).

    ``devices`` are dicts: name, uuid, bus_id, total/used/free/reserved (bytes, v2
    semantics), v1_total/v1_used/v1_free (what the v1 query gives), display, persistence
    (1/0, or "unsupported"), graphics/compute (lists of (pid, bytes or None), or
    "unsupported"), lost (every call raises GPU is lost).
    ``has_v3``/``has_memory_v2`` false model a 470-branch libnvidia-ml, where the
    symbols are missing and pynvml raises NVMLError_FunctionNotFound.
    """

    NVMLError = pynvml.NVMLError
    NVML_ERROR_NOT_SUPPORTED = pynvml.NVML_ERROR_NOT_SUPPORTED
    NVML_ERROR_FUNCTION_NOT_FOUND = pynvml.NVML_ERROR_FUNCTION_NOT_FOUND
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = pynvml.NVML_ERROR_ARGUMENT_VERSION_MISMATCH
    NVML_FEATURE_ENABLED = pynvml.NVML_FEATURE_ENABLED
    nvmlMemory_v2 = pynvml.nvmlMemory_v2

    def __init__(self, driver, devices, names=None, has_v3=True, has_memory_v2=True, init_error=None):
        self.driver = driver
        self.devices = devices
        self.names = names or {}
        self.has_v3 = has_v3
        self.has_memory_v2 = has_memory_v2
        self.init_error = init_error
        self.calls = collections.Counter()

    @staticmethod
    def _raise(code):
        raise pynvml.NVMLError(code)

    def _device(self, handle):
        if handle.get("lost"):
            self._raise(pynvml.NVML_ERROR_GPU_IS_LOST)
        return handle

    def nvmlInit(self):
        self.calls["nvmlInit"] += 1
        if self.init_error is not None:
            self._raise(self.init_error)

    def nvmlShutdown(self):
        self.calls["nvmlShutdown"] += 1

    def nvmlSystemGetDriverVersion(self):
        return self.driver

    def nvmlDeviceGetCount(self):
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index):
        return self.devices[index]

    def nvmlDeviceGetName(self, handle):
        return self._device(handle)["name"]

    def nvmlDeviceGetUUID(self, handle):
        return self._device(handle)["uuid"]

    def nvmlDeviceGetPciInfo(self, handle):
        # pynvml leaves busId as bytes (no str conversion on structure fields).
        return SimpleNamespace(busId=self._device(handle)["bus_id"].encode())

    def nvmlDeviceGetMemoryInfo(self, handle, version=None):
        dev = self._device(handle)
        if version is None:
            return SimpleNamespace(total=dev["v1_total"], used=dev["v1_used"], free=dev["v1_free"])
        assert version == pynvml.nvmlMemory_v2
        if not self.has_memory_v2:
            self._raise(pynvml.NVML_ERROR_FUNCTION_NOT_FOUND)
        return SimpleNamespace(
            version=version, total=dev["total"], used=dev["used"], free=dev["free"], reserved=dev["reserved"]
        )

    def _flag(self, handle, key):
        value = self._device(handle)[key]
        if value == "unsupported":
            self._raise(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return value

    def nvmlDeviceGetDisplayActive(self, handle):
        return self._flag(handle, "display")

    def nvmlDeviceGetPersistenceMode(self, handle):
        return self._flag(handle, "persistence")

    def _processes(self, handle, key, versioned_v3):
        self.calls[key + ("_v3" if versioned_v3 else "_v2")] += 1
        if versioned_v3 and not self.has_v3:
            self._raise(pynvml.NVML_ERROR_FUNCTION_NOT_FOUND)
        listed = self._device(handle)[key]
        if listed == "unsupported":
            self._raise(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return [
            SimpleNamespace(pid=pid, usedGpuMemory=used, gpuInstanceId=0xFFFFFFFF, computeInstanceId=0xFFFFFFFF)
            for pid, used in listed
        ]

    def nvmlDeviceGetGraphicsRunningProcesses_v3(self, handle):
        return self._processes(handle, "graphics", True)

    def nvmlDeviceGetGraphicsRunningProcesses_v2(self, handle):
        return self._processes(handle, "graphics", False)

    def nvmlDeviceGetComputeRunningProcesses_v3(self, handle):
        return self._processes(handle, "compute", True)

    def nvmlDeviceGetComputeRunningProcesses_v2(self, handle):
        return self._processes(handle, "compute", False)

    def nvmlSystemGetProcessName(self, pid):
        name = self.names.get(pid)
        if name is None:
            self._raise(pynvml.NVML_ERROR_NOT_FOUND)
        if name == "denied":
            self._raise(pynvml.NVML_ERROR_NO_PERMISSION)
        return name


class RecordedSmi:
    """Replays the nvidia-smi outputs recorded in fixtures/gpu/nvidia-smi/<case>/."""

    def __init__(self, case):
        self.folder = FIXTURES / "nvidia-smi" / case
        rc_file = self.folder / "rc"
        self.rc = int(rc_file.read_text()) if rc_file.exists() else 0
        self.calls = []

    def _read(self, name):
        return (self.folder / name).read_text(encoding="utf-8")

    def __call__(self, args):
        self.calls.append(list(args))
        reject = self.folder / "reject-reserved.txt"
        if args[0].startswith("--query-gpu=") and "memory.reserved" in args[0] and reject.exists():
            return 2, reject.read_text(encoding="utf-8"), ""
        if args[0].startswith("--query-gpu="):
            return self.rc, self._read("query-gpu.csv"), ""
        if args == ["-q", "-x"]:
            return self.rc, self._read("q-x.xml"), ""
        raise AssertionError("unexpected nvidia-smi call %r" % (args,))
