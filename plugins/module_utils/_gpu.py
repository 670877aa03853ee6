# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read how much VRAM each GPU has, uses and leaves free, and which processes hold it.

Plain data in, plain data out: every backend takes its dependencies as arguments
(the ``pynvml`` module, a callable that runs nvidia-smi, a sysfs root) so that tests
drive them with doubles, and returns the ``gpu_vram`` facts documented in the
gpu_vram_facts module.

Rules shared by the backends:

* memory figures are integer MiB (bytes // 1048576) and come from the device's own
  totals; per-process figures are never summed into them (the driver, the display
  and contexts of other containers hold memory no process list shows);
* a process listed as both graphics and compute (nvidia-smi type ``C+G``, or present
  in both NVML lists) appears once, with type ``compute``: the contract has no mixed
  type, and a process that runs CUDA work is the one a web UI competes with. Its
  memory is the larger figure reported, not the sum: NVML gives the process's whole
  usage on the GPU in each list, so adding them would count it twice;
* processes are listed in pid order;
* a GPU that fails while being read is reported with an ``error`` and null figures,
  and the other GPUs are still reported in full;
* text that reaches the facts is valid UTF-8: bytes that are not are replaced, so one
  odd process name never costs the whole list.
"""

from __future__ import annotations

import csv
import glob
import os
import re
import xml.etree.ElementTree as ET

MIB = 1048576

BACKENDS = ("nvml", "nvidia_smi", "sysfs")

GPU_KEYS = (
    "index",
    "vendor",
    "name",
    "uuid",
    "pci_bus_id",
    "memory_total_mib",
    "memory_used_mib",
    "memory_free_mib",
    "memory_reserved_mib",
    "display_active",
    "persistence_mode",
    "processes_supported",
    "processes",
)

SMI_FIELDS = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "memory.total",
    "memory.used",
    "memory.free",
    "memory.reserved",
    "display_active",
    "persistence_mode",
    "driver_version",
)
SMI_UNAVAILABLE = ("[Not Supported]", "[N/A]", "N/A", "Not Supported", "")
# Figures a GPU row must have: without them the GPU is reported as failed.
SMI_REQUIRED = ("index", "memory.total", "memory.used", "memory.free")
SMI_TYPES = {"G": "graphics", "C": "compute", "C+G": "compute"}

PCI_IDS_PATHS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids")
AMD_VENDOR_ID = "1002"
PCI_ADDRESS = re.compile(r"^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$")
DRM_CARD = re.compile(r"^card(\d+)$")
# A PCI address inside a message, e.g. "GPU0000:02:00.0" or "00000000:02:00.0".
PCI_IN_TEXT = re.compile(r"([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])")
UNKNOWN_PROCESS = "unknown"


class GpuProbeError(Exception):
    """A backend cannot report any GPU on this host (library, tool or device missing)."""


def no_gpu_facts() -> dict:
    return {"backend": "none", "driver_version": None, "gpus": []}


def to_mib(nbytes) -> int | None:
    return None if nbytes is None else int(nbytes) // MIB


def failed_gpu(index: int, vendor: str, error: str) -> dict:
    gpu = dict.fromkeys(GPU_KEYS)
    gpu.update(index=index, vendor=vendor, processes_supported=False, processes=[], error=error)
    return gpu


def merge_processes(entries) -> list:
    """One entry per pid: compute wins over graphics, the larger memory figure is kept."""
    merged: dict = {}
    for entry in entries:
        known = merged.get(entry["pid"])
        if known is None:
            merged[entry["pid"]] = dict(entry)
            continue
        if entry["type"] == "compute":
            known["type"] = "compute"
        sizes = [s for s in (known["used_memory_mib"], entry["used_memory_mib"]) if s is not None]
        known["used_memory_mib"] = max(sizes) if sizes else None
        if known["name"] == UNKNOWN_PROCESS:
            known["name"] = entry["name"]
    return [merged[pid] for pid in sorted(merged)]


def _text(value) -> str:
    """Valid UTF-8 text: undecodable bytes, and the lone surrogates that stand for them
    after a ``surrogateescape`` decode, become U+FFFD."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_proc_comm(pid: int) -> str | None:
    try:
        with open("/proc/%d/comm" % pid, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


# ---------------------------------------------------------------------------- NVML


class _Nvml:
    """The pynvml calls this backend makes, and which of its errors mean "not here".

    Errors are told apart by their NVML return code (``exc.value``), which every
    pynvml version sets, rather than by the per-code subclasses newer ones generate.
    """

    def __init__(self, nvml):
        self.lib = nvml
        self.error = nvml.NVMLError
        self.not_supported = self._codes("NVML_ERROR_NOT_SUPPORTED")
        self.not_found = self._codes("NVML_ERROR_FUNCTION_NOT_FOUND")
        self.unavailable = self.not_supported | self.not_found
        # What a driver without nvmlDeviceGetMemoryInfo_v2 (the 470 branch) answers.
        self.no_memory_v2 = self.unavailable | self._codes("NVML_ERROR_ARGUMENT_VERSION_MISMATCH")

    def _codes(self, *names) -> frozenset:
        return frozenset(getattr(self.lib, name) for name in names if hasattr(self.lib, name))

    def optional(self, func, handle):
        """None where the card or driver does not support the query."""
        try:
            return func(handle)
        except self.error as exc:
            if exc.value in self.unavailable:
                return None
            raise

    def flag(self, func, handle) -> bool | None:
        value = self.optional(func, handle)
        return None if value is None else value == self.lib.NVML_FEATURE_ENABLED

    def memory(self, handle):
        version = getattr(self.lib, "nvmlMemory_v2", None)
        if version is not None:
            try:
                info = self.lib.nvmlDeviceGetMemoryInfo(handle, version=version)
                return info.total, info.used, info.free, info.reserved
            except self.error as exc:
                if exc.value not in self.no_memory_v2:
                    raise
        info = self.lib.nvmlDeviceGetMemoryInfo(handle)
        return info.total, info.used, info.free, None

    def running_processes(self, handle, kind: str):
        """The process list of one kind, or None where it cannot be listed.

        The versioned calls are used on purpose: pynvml's unversioned ones call _v3
        and turn a driver without it (470 branch) into NVMLLibraryMismatchError.
        """
        for suffix in ("_v3", "_v2"):
            func = getattr(self.lib, "nvmlDeviceGet%sRunningProcesses%s" % (kind, suffix), None)
            if func is None:
                continue
            try:
                return func(handle)
            except self.error as exc:
                if exc.value in self.not_found:
                    continue
                if exc.value in self.not_supported:
                    return None
                raise
        return None

    def process_name(self, pid: int, read_comm) -> str:
        try:
            return _text(self.lib.nvmlSystemGetProcessName(pid)) or read_comm(pid) or UNKNOWN_PROCESS
        except self.error:
            # Not Found / No Permission for a process of another user or namespace.
            return read_comm(pid) or UNKNOWN_PROCESS


def _nvml_gpu(api: _Nvml, index: int, read_comm) -> dict:
    nvml = api.lib
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    pci = api.optional(nvml.nvmlDeviceGetPciInfo, handle)
    total, used, free, reserved = api.memory(handle)
    graphics = api.running_processes(handle, "Graphics")
    compute = api.running_processes(handle, "Compute")
    supported = graphics is not None and compute is not None
    processes = []
    if supported:
        for kind, listed in (("graphics", graphics), ("compute", compute)):
            for proc in listed:
                processes.append(
                    {
                        "pid": int(proc.pid),
                        "name": api.process_name(int(proc.pid), read_comm),
                        "type": kind,
                        "used_memory_mib": to_mib(proc.usedGpuMemory),
                    }
                )
    uuid = api.optional(nvml.nvmlDeviceGetUUID, handle)
    return {
        "index": index,
        "vendor": "nvidia",
        "name": _text(nvml.nvmlDeviceGetName(handle)),
        "uuid": None if uuid is None else _text(uuid),
        "pci_bus_id": None if pci is None else _text(pci.busId),
        "memory_total_mib": to_mib(total),
        "memory_used_mib": to_mib(used),
        "memory_free_mib": to_mib(free),
        "memory_reserved_mib": to_mib(reserved),
        "display_active": api.flag(nvml.nvmlDeviceGetDisplayActive, handle),
        "persistence_mode": api.flag(nvml.nvmlDeviceGetPersistenceMode, handle),
        "processes_supported": supported,
        "processes": merge_processes(processes),
    }


def probe_nvml(nvml, warnings: list, read_comm=read_proc_comm) -> dict:
    """Facts from NVML through a ``pynvml``-like module: one init and one shutdown."""
    api = _Nvml(nvml)
    try:
        nvml.nvmlInit()
    except api.error as exc:
        raise GpuProbeError("NVML could not be initialised: %s" % exc) from exc
    try:
        driver = _text(nvml.nvmlSystemGetDriverVersion())
        count = nvml.nvmlDeviceGetCount()
        if not count:
            raise GpuProbeError("NVML reports no GPU")
        gpus = []
        for index in range(count):
            try:
                gpus.append(_nvml_gpu(api, index, read_comm))
            except api.error as exc:
                warnings.append("GPU %d could not be read through NVML: %s" % (index, exc))
                gpus.append(failed_gpu(index, "nvidia", str(exc)))
    except api.error as exc:
        raise GpuProbeError("NVML failed: %s" % exc) from exc
    finally:
        try:
            nvml.nvmlShutdown()
        except api.error:
            # Nothing is left to release; the figures already read stand.
            pass
    return {"backend": "nvml", "driver_version": driver, "gpus": gpus}


# ---------------------------------------------------------------------- nvidia-smi


class SmiCommandTimeout(Exception):
    """Raised by a ``run`` callable when nvidia-smi ran past its time limit."""


class _Unreadable(ValueError):
    """A figure nvidia-smi printed but could not read, e.g. ``[Unknown Error]``."""


def _smi_value(value: str) -> str | None:
    value = value.strip()
    if value in SMI_UNAVAILABLE:
        return None
    if value.startswith("[") and value.endswith("]"):
        # [Unknown Error], [Insufficient Permissions], [GPU requires reset], ...
        raise _Unreadable(value)
    return value


def _smi_int(value: str) -> int | None:
    value = _smi_value(value)
    if value is None:
        return None
    try:
        return int(value.split()[0])
    except ValueError:
        raise _Unreadable(value) from None


def _smi_flag(value: str) -> bool | None:
    value = _smi_value(value)
    return None if value is None else value == "Enabled"


def _pci_key(text: str) -> str | None:
    """A PCI address found in ``text``, in one spelling whatever the domain's width."""
    match = PCI_IN_TEXT.search(text or "")
    if match is None:
        return None
    domain, bus, device, function = match.groups()
    return "%04x:%s:%s.%s" % (int(domain, 16), bus.lower(), device.lower(), function)


def _smi_run(run, args) -> tuple:
    rc, out, err = run(args)
    return rc, _text(out), _text(err)


def _smi_query_gpus(run) -> tuple:
    """Rows of --query-gpu, retrying without memory.reserved where the driver lacks it."""
    fields = list(SMI_FIELDS)
    while True:
        try:
            rc, out, err = _smi_run(run, ["--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"])
        except SmiCommandTimeout as exc:
            raise GpuProbeError(str(exc)) from exc
        rejected = 'Field "memory.reserved" is not a valid field' in out + err
        if rc != 0 and rejected and "memory.reserved" in fields:
            fields.remove("memory.reserved")
            continue
        return rc, out, err, fields


def _smi_process(info, bus_id: str, warnings: list) -> dict | None:
    try:
        pid = int((info.findtext("pid") or "").strip())
    except ValueError:
        warnings.append(
            "GPU %s: nvidia-smi lists a process without a readable pid (%r); it is left out"
            % (bus_id, (info.findtext("pid") or "").strip())
        )
        return None
    try:
        used = _smi_int(info.findtext("used_memory") or "")
    except _Unreadable:
        used = None
    return {
        "pid": pid,
        "name": (info.findtext("process_name") or "").strip() or UNKNOWN_PROCESS,
        "type": SMI_TYPES.get((info.findtext("type") or "").strip(), "compute"),
        "used_memory_mib": used,
    }


def _smi_processes(run, warnings: list) -> dict:
    """{pci bus id: process list, or None where the GPU cannot list them} from -q -x."""
    try:
        rc, out, err = _smi_run(run, ["-q", "-x"])
    except SmiCommandTimeout as exc:
        warnings.append("nvidia-smi -q -x gave no process list: %s" % exc)
        return {}
    try:
        if rc != 0:
            raise ValueError((out or err).strip() or "exit status %d" % rc)
        root = ET.fromstring(out)
    except (ValueError, ET.ParseError) as exc:
        warnings.append("nvidia-smi -q -x gave no process list: %s" % exc)
        return {}
    found = {}
    for gpu in root.iter("gpu"):
        element = gpu.find("processes")
        bus_id = (gpu.get("id") or "").upper()
        if element is None or (element.text or "").strip():
            # "N/A" / "Not Supported" in place of the list: old GeForce and drivers.
            found[bus_id] = None
            continue
        entries = [_smi_process(info, bus_id, warnings) for info in element.iter("process_info")]
        found[bus_id] = merge_processes(entry for entry in entries if entry is not None)
    return found


def _smi_gpu(row: dict, position: int, listed) -> dict:
    """One GPU from its CSV row; a figure it could not read makes it a failed GPU
    that keeps what was readable."""
    unreadable = []

    def figure(field, parse):
        try:
            value = parse(row.get(field, ""))
        except _Unreadable:
            unreadable.append("%s %s" % (field, row[field].strip()))
            return None
        if value is None and field in SMI_REQUIRED:
            unreadable.append("%s %s" % (field, row[field].strip() or "empty"))
        return value

    index = figure("index", _smi_int)
    gpu = {
        "index": position if index is None else index,
        "vendor": "nvidia",
        "name": figure("name", _smi_value),
        "uuid": figure("uuid", _smi_value),
        "pci_bus_id": figure("pci.bus_id", _smi_value),
        "memory_total_mib": figure("memory.total", _smi_int),
        "memory_used_mib": figure("memory.used", _smi_int),
        "memory_free_mib": figure("memory.free", _smi_int),
        "memory_reserved_mib": figure("memory.reserved", _smi_int),
        "display_active": figure("display_active", _smi_flag),
        "persistence_mode": figure("persistence_mode", _smi_flag),
        "processes_supported": listed is not None,
        "processes": listed or [],
    }
    if unreadable:
        gpu["error"] = "nvidia-smi could not read " + ", ".join(unreadable)
    return gpu


def _smi_text(value: str) -> str | None:
    try:
        return _smi_value(value)
    except _Unreadable:
        return None


def _free_index(taken: set, position: int) -> int:
    index = position
    while index in taken:
        index += 1
    return index


def probe_nvidia_smi(run, warnings: list) -> dict:
    """Facts from nvidia-smi's CSV query (device figures) and XML (processes).

    ``run(args)`` runs nvidia-smi with LC_ALL=C and returns (rc, stdout, stderr), or
    raises SmiCommandTimeout; ``run`` is None where the tool is not installed.

    A line of the CSV that is not a GPU row is a failed GPU only when it names a PCI
    address no row has (nvidia-smi prints "Unable to determine the device handle for
    GPU0000:02:00.0: GPU is lost" in place of that GPU's row); any other such line
    (a driver warning) is only a warning.
    """
    if run is None:
        raise GpuProbeError("nvidia-smi is not installed")
    rc, out, err, fields = _smi_query_gpus(run)
    rows, others = [], []
    for line in (line for line in out.splitlines() if line.strip()):
        values = next(csv.reader([line], skipinitialspace=True))
        if len(values) == len(fields):
            rows.append(dict(zip(fields, values)))
        else:
            others.append(line.strip())
    if not rows:
        message = (out or err).strip().splitlines()
        raise GpuProbeError("nvidia-smi failed: %s" % (message[0] if message else "exit status %d" % rc))
    processes = _smi_processes(run, warnings)
    gpus = []
    driver = None
    for position, row in enumerate(rows):
        gpu = _smi_gpu(row, position, None)
        driver = driver or _smi_text(row["driver_version"])
        listed = processes.get((gpu["pci_bus_id"] or "").upper())
        gpu.update(processes_supported=listed is not None, processes=listed or [])
        if "error" in gpu:
            warnings.append("GPU %d could not be read through nvidia-smi: %s" % (gpu["index"], gpu["error"]))
        gpus.append(gpu)
    known = {_pci_key(gpu["pci_bus_id"]) for gpu in gpus} - {None}
    for line in others:
        address = _pci_key(line)
        if address is None or address in known:
            warnings.append("nvidia-smi printed a line that is not a GPU row, skipped: %s" % line)
            continue
        known.add(address)
        index = _free_index({gpu["index"] for gpu in gpus}, len(gpus))
        warnings.append("GPU %d could not be read through nvidia-smi: %s" % (index, line))
        gpus.append(failed_gpu(index, "nvidia", line))
    gpus.sort(key=lambda gpu: gpu["index"])
    return {"backend": "nvidia_smi", "driver_version": driver, "gpus": gpus}


# --------------------------------------------------------------------- amdgpu sysfs


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def pci_device_name(vendor: str, device: str, pci_ids_paths=PCI_IDS_PATHS) -> str | None:
    """The device's name in the first readable pci.ids database, if any."""
    for path in pci_ids_paths:
        try:
            handle = open(path, encoding="utf-8", errors="replace")
        except OSError:
            continue
        with handle:
            in_vendor = False
            for line in handle:
                if not line.strip() or line.startswith("#"):
                    continue
                if not line.startswith("\t"):
                    if in_vendor:
                        return None
                    in_vendor = line[:4].lower() == vendor
                elif in_vendor and not line.startswith("\t\t") and line[1:5].lower() == device:
                    return line[5:].strip()
        return None
    return None


def probe_sysfs(warnings: list, root: str = "/sys", pci_ids_paths=PCI_IDS_PATHS) -> dict:
    """Facts for amdgpu cards from /sys/class/drm/cardN/device/mem_info_vram_*."""
    cards = []
    for path in glob.glob(os.path.join(root, "class", "drm", "card*")):
        match = DRM_CARD.match(os.path.basename(path))
        device = os.path.join(path, "device")
        if match and (_read(os.path.join(device, "vendor")) or "").lower() == "0x" + AMD_VENDOR_ID:
            cards.append((int(match.group(1)), device))
    gpus = []
    for index, (number, device) in enumerate(sorted(cards)):
        total = _read(os.path.join(device, "mem_info_vram_total"))
        used = _read(os.path.join(device, "mem_info_vram_used"))
        if total is None:
            # An AMD card without amdgpu's VRAM counters (radeon driver, or no VRAM).
            continue
        device_id = (_read(os.path.join(device, "device")) or "").lower().replace("0x", "")
        name = pci_device_name(AMD_VENDOR_ID, device_id, pci_ids_paths) if device_id else None
        address = os.path.basename(os.path.realpath(device))
        try:
            total_mib, used_mib = to_mib(int(total)), to_mib(int(used or ""))
        except ValueError:
            warnings.append("card%d: unreadable VRAM counters (%r, %r)" % (number, total, used))
            gpus.append(failed_gpu(index, "amd", "unreadable mem_info_vram_total/used"))
            continue
        gpus.append(
            {
                "index": index,
                "vendor": "amd",
                "name": "AMD " + name if name else "AMD GPU 0x" + (device_id or "????"),
                "uuid": None,
                "pci_bus_id": address if PCI_ADDRESS.match(address) else None,
                "memory_total_mib": total_mib,
                "memory_used_mib": used_mib,
                "memory_free_mib": total_mib - used_mib,
                "memory_reserved_mib": None,
                "display_active": None,
                "persistence_mode": None,
                "processes_supported": False,
                "processes": [],
            }
        )
    if not gpus:
        raise GpuProbeError("no amdgpu card with mem_info_vram_total under %s" % os.path.join(root, "class", "drm"))
    version = _read(os.path.join(root, "module", "amdgpu", "version"))
    return {"backend": "sysfs", "driver_version": version or None, "gpus": gpus}


# --------------------------------------------------------------------------- auto


def gather(
    backend: str, load_nvml, run_smi, sysfs_root: str = "/sys", pci_ids_paths=PCI_IDS_PATHS, read_comm=read_proc_comm
) -> tuple:
    """Try the backends (all of them, in order, for ``auto``) until one reports a GPU.

    ``load_nvml()`` returns the pynvml module or raises GpuProbeError. Returns
    (facts, warnings, failures); failures lists (backend, reason) for each backend
    that could not be used, and facts is the ``none`` result when all failed.
    """
    warnings: list = []
    failures: list = []
    probes = {
        "nvml": lambda: probe_nvml(load_nvml(), warnings, read_comm),
        "nvidia_smi": lambda: probe_nvidia_smi(run_smi, warnings),
        "sysfs": lambda: probe_sysfs(warnings, sysfs_root, pci_ids_paths),
    }
    for name in BACKENDS if backend == "auto" else (backend,):
        try:
            return probes[name](), warnings, failures
        except GpuProbeError as exc:
            failures.append((name, str(exc)))
    return no_gpu_facts(), warnings, failures


def describe_failures(failures) -> str:
    return "; ".join("%s: %s" % item for item in failures)
