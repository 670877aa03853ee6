# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One plain-text table of the fleet's VRAM, from each host's gpu_vram fact."""

from __future__ import annotations

HEADERS = ("HOST", "GPU", "TOTAL", "USED", "FREE", "TOP HOLDERS")


def _mib(value) -> str:
    return "-" if value is None else "%d MiB" % value


def _holders(gpu: dict, top: int) -> str:
    if gpu.get("error"):
        return "error: %s" % gpu["error"]
    if not gpu.get("processes_supported"):
        return "(process list not supported)"
    # Largest first; a holder whose size the driver cannot tell goes last.
    ranked = sorted(
        gpu.get("processes") or [],
        key=lambda p: (p.get("used_memory_mib") is None, -(p.get("used_memory_mib") or 0), p["pid"]),
    )
    if not ranked:
        return "none"
    shown = [
        "%s %s" % ((p.get("name") or "unknown").rsplit("/", 1)[-1], _mib(p.get("used_memory_mib")))
        for p in ranked[:top]
    ]
    if len(ranked) > top:
        shown.append("+%d more" % (len(ranked) - top))
    return ", ".join(shown)


def vram_rows(fleet: dict, top: int = 3) -> list:
    """Rows (tuples of cells) for a {host: gpu_vram fact} mapping, hosts in name order."""
    if not isinstance(fleet, dict):
        raise TypeError("expected a mapping of host name to gpu_vram fact, got %s" % type(fleet).__name__)
    rows = []
    for host in sorted(fleet):
        facts = fleet[host] or {}
        gpus = facts.get("gpus") or []
        if not gpus:
            rows.append((host, "no GPU found", "-", "-", "-", "-"))
            continue
        for gpu in gpus:
            label = "%s: %s" % (gpu.get("index"), gpu.get("name") or "unknown GPU")
            rows.append(
                (
                    host,
                    label,
                    _mib(gpu.get("memory_total_mib")),
                    _mib(gpu.get("memory_used_mib")),
                    _mib(gpu.get("memory_free_mib")),
                    _holders(gpu, top),
                )
            )
    return rows


def vram_table(fleet: dict, top: int = 3) -> list:
    """The table as lines: a header, a rule, one line per GPU; columns padded to fit.

    Figure columns are right-aligned so that MiB line up; text columns left-aligned.
    """
    if int(top) < 1:
        raise ValueError("top must be at least 1, got %r" % top)
    rows = [HEADERS] + vram_rows(fleet, int(top))
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADERS))]
    right = {2, 3, 4}

    def line(cells):
        padded = [cell.rjust(w) if col in right else cell.ljust(w) for col, (cell, w) in enumerate(zip(cells, widths))]
        return "  ".join(padded).rstrip()

    return [line(rows[0]), "  ".join("-" * w for w in widths)] + [line(row) for row in rows[1:]]
