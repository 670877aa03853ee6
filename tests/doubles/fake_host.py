# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A GPU host in a folder: the fake nvidia-smi, the stand-in libnvidia-ml.so.1 and a
systemctl that answers from a table, so both GPU doubles run without systemd."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
FAKE_SMI = ROOT / "molecule" / "shared" / "files" / "fake-nvidia-smi"
PROFILES = ROOT / "molecule" / "shared" / "files" / "fake-gpu"
NVML_BUILD = ROOT / "build" / "fake-nvml"

# Answers `is-active --quiet`, `show -p MainPID --value` and `show -p ControlGroup
# --value` from the JSON in FAKE_UNITS: {unit: {"main_pid": N, "cgroup": "/..."}}.
FAKE_SYSTEMCTL = """#!{python}
import json, os, sys
units = json.loads(os.environ.get("FAKE_UNITS", "{{}}"))
args = sys.argv[1:]
unit = units.get(args[-1])
if args[0] == "is-active":
    sys.exit(0 if unit is not None else 3)
if args[:2] == ["show", "-p"]:
    unit = unit or {{}}
    print({{"MainPID": unit.get("main_pid", 0), "ControlGroup": unit.get("cgroup", "")}}[args[2]])
"""

# A desktop like gdm's: the display manager's unit with Xorg as its main process and
# gnome-shell in its cgroup.
DESKTOP = {"display-manager.service": {"main_pid": 1201, "cgroup": "/system.slice/gdm.service"}}
DESKTOP_PIDS = {"/system.slice/gdm.service": [1310, 1201, 1187]}


def build_nvml() -> pathlib.Path:
    """Compile the stand-in library (both symbol sets) when its source changed."""
    subprocess.run(["bash", str(ROOT / "tests" / "doubles" / "nvml" / "build.sh"), str(NVML_BUILD)], check=True)
    return NVML_BUILD


class FakeHost:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        systemctl = self.bin / "systemctl"
        systemctl.write_text(FAKE_SYSTEMCTL.format(python=sys.executable), encoding="utf-8")
        systemctl.chmod(0o755)
        self.smi = self.bin / "nvidia-smi"
        shutil.copy(FAKE_SMI, self.smi)
        self.cgroups = folder / "cgroup"
        self.no_lib = folder / "no-lib"
        self.no_lib.mkdir()

    def env(self, profile=None, units=None, cgroups=None, nvml=None) -> dict:
        """``nvml``: None (no libnvidia-ml.so.1 anywhere), "current" or "r470"."""
        for path, pids in (cgroups or {}).items():
            folder = self.cgroups / path.lstrip("/")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cgroup.procs").write_text("".join("%d\n" % p for p in pids), encoding="ascii")
        return {
            "PATH": "%s:/usr/bin:/bin" % self.bin,
            "LC_ALL": "C",
            "FAKE_UNITS": json.dumps(units or {}),
            "VRAMFREE_FAKE_CGROUP_ROOT": str(self.cgroups),
            # A path that does not exist selects the built-in default profile.
            "VRAMFREE_FAKE_GPU": str(profile or self.folder / "absent.json"),
            "VRAMFREE_FAKE_NVIDIA_SMI": str(self.smi),
            "LD_LIBRARY_PATH": str(NVML_BUILD / nvml if nvml else self.no_lib),
        }
