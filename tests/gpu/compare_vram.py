#!/usr/bin/env python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compare gpu_vram_facts output with nvidia-smi's CSV, as written by check_real_gpu.sh."""

from __future__ import annotations

import argparse
import csv
import json
import pathlib
import sys

BACKENDS = ("nvml", "nvidia_smi")


def read_smi(path: pathlib.Path) -> dict:
    gpus = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, skipinitialspace=True):
            if len(row) == 6:
                index, uuid, name, total, used, free = row
                gpus[uuid] = {
                    "index": int(index),
                    "name": name,
                    "total": int(total),
                    "used": int(used),
                    "free": int(free),
                }
    return gpus


def read_facts(path: pathlib.Path) -> dict:
    text = path.read_text(encoding="utf-8")
    _host, _sep, payload = text.partition("=> ")
    return json.loads(payload)["ansible_facts"]["gpu_vram"]


def compare(backend: str, smi: dict, facts: dict, tolerance: int) -> bool:
    ok = True
    seen = set()
    for gpu in facts["gpus"]:
        label = "backend=%s GPU %s %s" % (backend, gpu["index"], gpu.get("name"))
        ref = smi.get(gpu.get("uuid"))
        if gpu.get("error") or ref is None:
            print("FAIL %s: %s" % (label, gpu.get("error") or "uuid %s not in nvidia-smi" % gpu.get("uuid")))
            ok = False
            continue
        seen.add(gpu["uuid"])
        diffs = []
        # The total is fixed; used/free move while the desktop draws.
        for key, fact, allowed in (
            ("total", "memory_total_mib", 0),
            ("used", "memory_used_mib", tolerance),
            ("free", "memory_free_mib", tolerance),
        ):
            if gpu[fact] is None or abs(gpu[fact] - ref[key]) > allowed:
                diffs.append("%s %s vs nvidia-smi %s" % (key, gpu[fact], ref[key]))
        if gpu["name"] != ref["name"]:
            diffs.append("name %r vs nvidia-smi %r" % (gpu["name"], ref["name"]))
        if diffs:
            ok = False
            print("FAIL %s: %s" % (label, "; ".join(diffs)))
        else:
            print(
                "PASS %s: total %d, used %d (nvidia-smi %d), free %d (nvidia-smi %d), reserved %s, "
                "%d processes%s"
                % (
                    label,
                    gpu["memory_total_mib"],
                    gpu["memory_used_mib"],
                    ref["used"],
                    gpu["memory_free_mib"],
                    ref["free"],
                    gpu["memory_reserved_mib"],
                    len(gpu["processes"]),
                    "" if gpu["processes_supported"] else " (listing not supported)",
                )
            )
    for uuid in set(smi) - seen:
        print("FAIL backend=%s: GPU %s (%s) missing from the facts" % (backend, smi[uuid]["index"], uuid))
        ok = False
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tolerance", type=int, default=8, help="MiB used/free may differ by")
    parser.add_argument("workdir", type=pathlib.Path)
    args = parser.parse_args()
    ok = True
    for backend in BACKENDS:
        facts_file = args.workdir / ("facts-%s.txt" % backend)
        try:
            facts = read_facts(facts_file)
        except (OSError, ValueError, KeyError) as exc:
            print("FAIL backend=%s: no facts (%s)" % (backend, exc))
            ok = False
            continue
        ok = compare(backend, read_smi(args.workdir / ("smi-%s.csv" % backend)), facts, args.tolerance) and ok
    print("RESULT: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
