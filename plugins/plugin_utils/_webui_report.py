# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One plain-text table of the fleet's web UIs, from each host's webui_result fact."""

from __future__ import annotations

HEADERS = ("HOST", "UI", "GPU", "MEMORY MODE", "URL ON THE HOST")


def webui_rows(fleet: dict) -> list:
    if not isinstance(fleet, dict):
        raise TypeError("expected a mapping of host name to webui_result, got %s" % type(fleet).__name__)
    rows = []
    for host in sorted(fleet):
        result = fleet[host]
        if not isinstance(result, dict):
            rows.append((host, "-", "-", "not run", "-"))
            continue
        if not result.get("configured"):
            rows.append((host, result.get("ui") or "-", "-", "not configured: no GPU", "-"))
            continue
        mode = result.get("memory_mode") or "-"
        if mode == "none":
            mode = "none (no memory flag)"
        elif mode == "keep":
            mode = "kept as in the launch file"
        elif str(mode).isdigit():
            # llama-server's counterpart of a memory mode: its --n-gpu-layers.
            mode = "%s GPU layers" % mode
        gpu = "-" if result.get("gpu") is None else str(result["gpu"])
        rows.append((host, result.get("ui") or "-", gpu, mode, result.get("url") or "-"))
    return rows


def webui_table(fleet: dict) -> list:
    """The table as lines: a header, a rule, one line per host; columns padded to fit."""
    rows = [HEADERS] + webui_rows(fleet)
    widths = [max(len(row[col]) for row in rows) for col in range(len(HEADERS))]

    def line(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(rows[0]), "  ".join("-" * w for w in widths)] + [line(row) for row in rows[1:]]
