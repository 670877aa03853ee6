# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.filter.vram import FilterModule
from ansible_collections.vramfree.webui.plugins.plugin_utils._vram_report import vram_table


def proc(pid, name, used, kind="graphics"):
    return {"pid": pid, "name": name, "type": kind, "used_memory_mib": used}


def nvidia(index, name, total, used, free, processes=(), supported=True, **extra):
    gpu = {
        "index": index,
        "vendor": "nvidia",
        "name": name,
        "memory_total_mib": total,
        "memory_used_mib": used,
        "memory_free_mib": free,
        "processes_supported": supported,
        "processes": list(processes),
    }
    gpu.update(extra)
    return gpu


FLEET = {
    "sd-02": {
        "backend": "nvml",
        "gpus": [
            nvidia(
                0,
                "NVIDIA GeForce GTX 1070",
                8192,
                1509,
                6605,
                [
                    proc(1432, "/usr/lib/xorg/Xorg", 1025),
                    proc(1688, "/usr/bin/kwin_x11", 313),
                    proc(1701, "krunner", 3),
                    proc(1733, "/usr/bin/plasmashell", 58),
                ],
            ),
            nvidia(
                1,
                "NVIDIA GeForce GTX 1080 Ti",
                11264,
                3961,
                7129,
                [proc(4310, "ollama", None, "compute"), proc(5120, "/opt/sd/venv/bin/python3", 3874, "compute")],
            ),
        ],
    },
    "sd-01": {
        "backend": "nvidia_smi",
        "gpus": [
            nvidia(
                0,
                "NVIDIA GeForce GTX 970",
                4096,
                701,
                3329,
                [proc(1874, "/usr/bin/gnome-shell", 229), proc(1201, "/usr/lib/xorg/Xorg", 431)],
            )
        ],
    },
    "old-01": {"backend": "nvml", "gpus": [nvidia(0, "NVIDIA GeForce GT 730", 1999, 125, 1874, supported=False)]},
    "lost-01": {"backend": "nvml", "gpus": [nvidia(0, None, None, None, None, supported=False, error="GPU is lost")]},
    "nas": {"backend": "none", "driver_version": None, "gpus": []},
}


def test_fleet_table():
    assert vram_table(FLEET, top=2) == [
        "HOST     GPU                                TOTAL      USED      FREE  TOP HOLDERS",
        "-------  -----------------------------  ---------  --------  --------  "
        + "-" * len("Xorg 1025 MiB, kwin_x11 313 MiB, +2 more"),
        "lost-01  0: unknown GPU                         -         -         -  error: GPU is lost",
        "nas      no GPU found                           -         -         -  -",
        "old-01   0: NVIDIA GeForce GT 730        1999 MiB   125 MiB  1874 MiB  (process list not supported)",
        "sd-01    0: NVIDIA GeForce GTX 970       4096 MiB   701 MiB  3329 MiB  Xorg 431 MiB, gnome-shell 229 MiB",
        "sd-02    0: NVIDIA GeForce GTX 1070      8192 MiB  1509 MiB  6605 MiB  Xorg 1025 MiB, kwin_x11 313 MiB, +2 more",
        "sd-02    1: NVIDIA GeForce GTX 1080 Ti  11264 MiB  3961 MiB  7129 MiB  python3 3874 MiB, ollama -",
    ]


def test_empty_process_list_says_none():
    fleet = {"sd-01": {"gpus": [nvidia(0, "NVIDIA GeForce GTX 970", 4096, 1, 4029)]}}
    assert vram_table(fleet)[2] == "sd-01  0: NVIDIA GeForce GTX 970  4096 MiB  1 MiB  4029 MiB  none"


@pytest.mark.parametrize(
    "fleet, top, message",
    [
        (["sd-01"], 3, "vram_table: expected a mapping of host name to gpu_vram fact, got list"),
        ({}, 0, "vram_table: top must be at least 1, got 0"),
    ],
)
def test_filter_errors(fleet, top, message):
    with pytest.raises(AnsibleFilterError, match="^%s$" % message):
        FilterModule().filters()["vram_table"](fleet, top)
