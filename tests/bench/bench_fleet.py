#!/usr/bin/env python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fleet benchmark of the site playbook (make bench-fleet): Ansible's defaults, the
shipped ansible.cfg on a controller without Mitogen (its fleet strategy is then linear),
and the shipped ansible.cfg as it is with mitogen installed, side by side in one run.

For each fleet size and each configuration, fresh test hosts (the molecule harness's
own create and prepare playbooks: systemd containers reached over SSH, a simulated
GTX 1060 whose desktop holds VRAM, the stand-in ComfyUI) get site three times: a first
run, the idempotent re-run (the converged path), and the re-run again with the converged
path turned off (the roles evaluated); then a one-ping playbook, the floor any playbook
costs on that fleet. The ratios of the converged re-run to Ansible's defaults and of the
largest fleet to one host are printed under the table. Each run's wall time (time.monotonic), the controller's CPU
time (getrusage of the finished ansible-playbook and everything it waited for: forks,
ssh clients, Mitogen's processes; not the ControlPersist masters, which outlive it) and
the changed count and the tasks evaluated per host of the recap are recorded; before
each run it waits (up to 90 s) for the load average to fall under the CPU count. After
each fleet's re-run, one untimed ad-hoc command asks every host which process ran its
module, to show whether Mitogen's interpreter did. Prints a Markdown table and writes the
figures as JSON. A benchmark: it prints figures and never judges them.

Run through scripts/bench-fleet.sh, which installs what it needs first:
  bash scripts/bench-fleet.sh [--sizes 1,4,8] [--configs defaults,tuned,mitogen]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "bench-fleet"
CONFIGS = {
    "defaults": "Ansible's defaults",
    "tuned": "shipped ansible.cfg, no Mitogen",
    "mitogen": "shipped ansible.cfg, Mitogen installed",
}
# Cheap hosts: the fake desktop (no xdm) and the stand-in ComfyUI, which needs no Gradio.
HOST_VARS = {
    # Fresh throwaway containers with new host keys on each run. Mitogen checks host keys
    # itself and ignores ssh's StrictHostKeyChecking option, so say it as a variable.
    "ansible_host_key_checking": False,
    "vramfree_test_gpu_profile": "gtx1060-comfyui",
    "vramfree_test_webui": "comfyui",
    "webui_ui": "comfyui",
    "webui_port": 8188,
    "webui_comfyui_python": "/usr/bin/python3",
}


def host_name(config: str, size: int, index: int) -> str:
    return "vramfree-fleetbench-%s-%d-%d" % (config, size, index)


def require_mitogen():
    import ansible_mitogen  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import


def run_env(config: str) -> dict:
    """The environment of an ansible-playbook run under one configuration."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    for key in ("ANSIBLE_STRATEGY", "ANSIBLE_STRATEGY_PLUGINS", "ANSIBLE_PIPELINING", "ANSIBLE_SSH_ARGS"):
        env.pop(key, None)
    if config == "defaults":
        empty = WORK / "defaults.cfg"
        empty.write_text("# Ansible's defaults: no settings.\n", encoding="utf-8")
        env["ANSIBLE_CONFIG"] = str(empty)
    else:
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    if config == "tuned":
        # What the shipped file's fleet strategy is on a controller without mitogen.
        env["ANSIBLE_STRATEGY"] = "linear"
    return env


def playbook(args: list, env: dict, log: pathlib.Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["ansible-playbook"] + args, env=env, check=False, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    log.write_text(proc.stdout, encoding="utf-8")
    return proc


def harness_vars(platforms: list) -> pathlib.Path:
    """What molecule hands its create/destroy playbooks, for these platforms."""
    # No hosts in the inventory: the plays run on Ansible's implicit localhost, with the
    # controller's own Python, as under molecule.
    (WORK / "no-hosts.yml").write_text("all: {}\n", encoding="utf-8")
    path = WORK / "harness-vars.json"
    path.write_text(
        json.dumps(
            {
                "molecule_yml": {"platforms": platforms},
                "molecule_ephemeral_directory": str(WORK),
                "molecule_instance_config": str(WORK / "instance_config.yml"),
                "molecule_scenario_name": "bench-fleet",
            }
        ),
        encoding="utf-8",
    )
    return path


def setup_hosts(platforms: list, groups: dict) -> pathlib.Path:
    """Create and prepare the hosts with the harness's playbooks; return the inventory."""
    env = run_env("tuned")
    env["MOLECULE_PROJECT_DIRECTORY"] = str(ROOT)
    variables = harness_vars(platforms)
    proc = playbook(
        [str(ROOT / "molecule/shared/create.yml"), "-i", str(WORK / "no-hosts.yml"), "-e", "@%s" % variables],
        env,
        WORK / "logs" / "create.log",
    )
    if proc.returncode:
        raise SystemExit("creating the hosts failed: %s\n%s" % (WORK / "logs" / "create.log", proc.stdout[-3000:]))
    import yaml  # pylint: disable=import-outside-toplevel

    instances = yaml.safe_load((WORK / "instance_config.yml").read_text(encoding="utf-8"))
    hosts = {}
    for inst in instances:
        hosts[inst["instance"]] = dict(
            HOST_VARS,
            ansible_host=inst["address"],
            ansible_user=inst["user"],
            ansible_ssh_private_key_file=inst["identity_file"],
            ansible_ssh_common_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
        )
    children = {name: {"hosts": dict.fromkeys(members)} for name, members in groups.items()}
    inventory = {"all": {"hosts": hosts, "children": children}}
    path = WORK / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=True), encoding="utf-8")
    # molecule/webui/prepare.yml: the desktop GPU box, then the stand-in web UI; then acl,
    # which Ansible's defaults (no pipelining) need to act as the web UI's user.
    for book, log, what in (
        ("molecule/webui/prepare.yml", "prepare.log", "preparing the hosts"),
        ("tests/bench/acl.yml", "acl.log", "installing acl"),
    ):
        proc = playbook([str(ROOT / book), "-i", str(path), "--forks", str(len(hosts) + 1)], env, WORK / "logs" / log)
        if proc.returncode:
            raise SystemExit("%s failed: %s\n%s" % (what, WORK / "logs" / log, proc.stdout[-3000:]))
    return path


RECAP_LINE = re.compile(r"^(\S+)\s+:\s+(ok=\d+.*)$")


def recap(output: str) -> dict:
    """The recap's totals, and the tasks evaluated on each host.

    The recap prints Ansible's AggregateStats (ansible/executor/stats.py) whatever the
    callback's display_skipped_hosts or display_ok_hosts say, so the count does not
    depend on which results the callback chose to show. The strategy files each task
    result of a host under exactly one of ok, skipped, failed (failures), rescued (a
    failure inside a block with a rescue) or unreachable (dark); changed and ignored
    are counted on top of ok (a changed result, and an ignored failure or unreachable,
    are also an ok), so adding them in would count those results twice. An include is
    one ok per host; a loop is one result, whatever its items.
    """
    totals = {"ok": 0, "changed": 0, "failed": 0, "unreachable": 0}
    per_host = {}
    # profile_tasks prints its task timings after the recap as "role : task ---- 1.23s":
    # only lines that go on with ok= are the recap's.
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        match = RECAP_LINE.match(line.strip())
        if not match:
            continue
        counts = {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(2))}
        for key in totals:
            totals[key] += counts.get(key, 0)
        per_host[match.group(1)] = sum(
            counts.get(key, 0) for key in ("ok", "skipped", "failed", "rescued", "unreachable")
        )
    tasks = sorted(per_host.values())
    return dict(
        totals,
        tasks_per_host=per_host,
        tasks_mean=round(sum(tasks) / len(tasks), 1) if tasks else None,
        tasks_min=tasks[0] if tasks else None,
        tasks_max=tasks[-1] if tasks else None,
    )


def tasks_text(res: dict) -> str:
    if res["tasks_mean"] is None:
        return "-"
    if res["tasks_min"] == res["tasks_max"]:
        return str(res["tasks_min"])
    return "%.1f (%d-%d)" % (res["tasks_mean"], res["tasks_min"], res["tasks_max"])


PARENT_MARK = "vramfree-module-parent:"
# Under Mitogen the module runs inside its interpreter on the host, whose command line
# reads "/usr/bin/python3.X(mitogen:user@controller:pid)"; under Ansible's own
# strategies its parent is the python3 that Ansible started for that one module.
PARENT_COMMAND = "printf '%s %%s\\n' \"$(tr '\\0' ' ' </proc/$PPID/cmdline)\"" % PARENT_MARK


def module_parents(config: str, group: str, inventory: pathlib.Path, label: str) -> dict:
    """The command line of the process that ran a module on each host of the group, asked
    by one ad-hoc shell command under the configuration's own settings. Outside the timed
    runs, so that the figures are those of site alone."""
    proc = subprocess.run(
        ["ansible", group, "-i", str(inventory), "-m", "ansible.builtin.shell", "-a", PARENT_COMMAND],
        env=run_env(config),
        check=False,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    (WORK / "logs" / (label + ".log")).write_text(proc.stdout, encoding="utf-8")
    parents = {}
    host = None
    # The default callback prints each host's result as "host | CHANGED | rc=0 >>" and
    # then the command's stdout.
    for line in proc.stdout.splitlines():
        header = re.match(r"^(\S+) \| \S+ \| rc=-?\d+ >>$", line)
        if header:
            host = header.group(1)
        elif host and line.startswith(PARENT_MARK):
            parents[host] = line[len(PARENT_MARK) :].strip()
    return parents


def parent_text(config: str, res: dict) -> str:
    """One line on whether Mitogen's interpreter ran the modules, for the printed output."""
    under = res["under_mitogen"]
    size = res["hosts"]
    asked = len(res["module_parents"])
    text = "modules' parent: Mitogen's interpreter on %d of %d host(s)" % (under, size)
    if asked < size:
        text += ", %d host(s) did not answer (log: %s)" % (size - asked, res["parents_log"])
    if config == "mitogen" and under < size:
        text += "  NOT under Mitogen"
    sample = next(iter(res["module_parents"].values()), None)
    if sample is not None:
        text += "  (e.g. %s)" % sample
    return text


def settle(limit_s: float = 90.0) -> float:
    """Wait (up to limit_s) until the 1-minute load average is under the CPU count, so that
    a run does not pay for the setup's or the previous run's tail; returns the seconds waited."""
    start = time.monotonic()
    while os.getloadavg()[0] >= (os.cpu_count() or 1) and time.monotonic() - start < limit_s:
        time.sleep(2)
    return round(time.monotonic() - start, 1)


# The runs of each fleet, in order: site's first run, its converged re-run, the same
# re-run with the converged path turned off (the roles evaluated, as before it), and the
# floor: one ping per host, what any playbook on this fleet costs at least.
RUNS = {
    "first": [],
    "re-run": [],
    "re-run, roles": ["-e", "vramfree_converged_path=false"],
    "floor": None,
}
FLOOR = ROOT / "tests" / "bench" / "floor.yml"


def timed_site(config: str, group: str, inventory: pathlib.Path, label: str, run: str = "first") -> dict:
    env = run_env(config)
    waited = settle()
    load = os.getloadavg()[0]
    before_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    # One report folder per fleet, so that the re-run finds it made, as a user's would be.
    if RUNS[run] is None:
        args = [str(FLOOR), "-i", str(inventory), "-e", "vramfree_hosts=%s" % group]
    else:
        args = [
            "vramfree.webui.site",
            "-i",
            str(inventory),
            "-e",
            "vramfree_hosts=%s" % group,
            "-e",
            "vramfree_report_dir=%s" % (WORK / "report" / group),
        ] + RUNS[run]
    proc = playbook(args, env, WORK / "logs" / (label + ".log"))
    wall = time.monotonic() - start
    after_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime)
    return dict(
        recap(proc.stdout),
        rc=proc.returncode,
        wall_s=round(wall, 1),
        cpu_s=round(cpu, 1),
        settled_s=waited,
        load_at_start=round(load, 2),
    )


def markdown(results: list, sizes: list, configs: list) -> str:
    head = ["Hosts", "Run"]
    for config in configs:
        head += ["%s: wall s" % CONFIGS[config], "CPU s", "changed", "tasks/host"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for size in sizes:
        for run in RUNS:
            row = [str(size), run]
            for config in configs:
                found = [r for r in results if (r["config"], r["hosts"], r["run"]) == (config, size, run)]
                if not found:
                    row += ["-", "-", "-", "-"]
                    continue
                res = found[0]
                failed = "" if res["rc"] == 0 else " (failed)"
                row += ["%.1f%s" % (res["wall_s"], failed), "%.1f" % res["cpu_s"], str(res["changed"]), tasks_text(res)]
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.extend(ratios(results, sizes, configs))
    lines.append("")
    for config in configs:
        for size in sizes:
            found = [r for r in results if (r["config"], r["hosts"], r["run"]) == (config, size, "re-run")]
            if found and "module_parents" in found[0]:
                lines.append("%s, %d host(s): %s" % (CONFIGS[config], size, parent_text(config, found[0])))
    return "\n".join(lines)


def ratios(results: list, sizes: list, configs: list) -> list:
    """The converged re-run's wall time against Ansible's defaults (the same playbook, and
    the roles forced), and the largest fleet's against one host."""
    wall = {(r["config"], r["hosts"], r["run"]): r["wall_s"] for r in results if r["rc"] == 0}
    out = []
    for config in configs:
        for size in sizes:
            mine = wall.get((config, size, "re-run"))
            if mine is None:
                continue
            parts = []
            for run in ("re-run", "re-run, roles"):
                base = wall.get(("defaults", size, run))
                if base and config != "defaults":
                    parts.append("%.2fx the defaults' %s" % (mine / base, run))
            roles = wall.get((config, size, "re-run, roles"))
            if roles:
                parts.append("%.2fx its own re-run with the roles" % (mine / roles))
            if parts:
                out.append("%s, %d host(s), converged re-run: %s" % (CONFIGS[config], size, "; ".join(parts)))
        one, most = wall.get((config, min(sizes), "re-run")), wall.get((config, max(sizes), "re-run"))
        if one and most and max(sizes) != min(sizes):
            out.append(
                "%s: %d hosts take %.2fx the time of %d on the converged re-run"
                % (CONFIGS[config], max(sizes), most / one, min(sizes))
            )
    return out


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def versions() -> dict:
    out = {}
    for dist in ("ansible-core", "mitogen"):
        try:
            from importlib.metadata import version  # pylint: disable=import-outside-toplevel

            out[dist] = version(dist)
        except Exception:  # pylint: disable=broad-exception-caught
            out[dist] = None
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="1,4,8", help="fleet sizes (default 1,4,8)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="among %s" % ", ".join(CONFIGS))
    parser.add_argument("--out", default=str(ROOT / "build" / "bench-fleet.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    configs = args.configs.split(",")
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        parser.error("unknown configs: %s" % ", ".join(sorted(unknown)))
    if "mitogen" in configs:
        require_mitogen()  # fails here, before any host exists, without mitogen

    (WORK / "logs").mkdir(parents=True, exist_ok=True)
    # Fresh hosts for every (configuration, size): a first run is a first run for each.
    groups = {"fleetbench_%s_%d" % (c, n): [host_name(c, n, i) for i in range(n)] for c in configs for n in sizes}
    platforms = [{"name": h, "image": "vramfree-systemd:trixie"} for members in groups.values() for h in members]
    load_before = os.getloadavg()
    print("Creating and preparing %d hosts (the molecule harness's playbooks)..." % len(platforms), flush=True)
    results = []
    try:
        inventory = setup_hosts(platforms, groups)
        load_start = os.getloadavg()
        for size in sizes:
            for config in configs:
                group = "fleetbench_%s_%d" % (config, size)
                for run in RUNS:
                    label = "%s-%d-%s" % (config, size, run.replace(", ", "-"))
                    res = dict(timed_site(config, group, inventory, label, run), config=config, hosts=size, run=run)
                    results.append(res)
                    print(
                        "  %-8s %d host(s) %-13s wall %6.1f s  cpu %6.1f s  changed %3d  tasks/host %s%s"
                        % (
                            config,
                            size,
                            run,
                            res["wall_s"],
                            res["cpu_s"],
                            res["changed"],
                            tasks_text(res),
                            "" if res["rc"] == 0 else "  FAILED (log: %s)" % (WORK / "logs" / (label + ".log")),
                        ),
                        flush=True,
                    )
                parents_label = "%s-%d-parents" % (config, size)
                parents = module_parents(config, group, inventory, parents_label)
                res = next(r for r in results if (r["config"], r["hosts"], r["run"]) == (config, size, "re-run"))
                res.update(
                    module_parents=parents,
                    under_mitogen=sum("(mitogen:" in cmdline for cmdline in parents.values()),
                    parents_log=str(WORK / "logs" / (parents_label + ".log")),
                )
                print("  %-8s %d host(s) %s" % (config, size, parent_text(config, res)), flush=True)
        load_end = os.getloadavg()
    finally:
        playbook(
            [
                str(ROOT / "molecule/shared/destroy.yml"),
                "-i",
                str(WORK / "no-hosts.yml"),
                "-e",
                "@%s" % harness_vars(platforms),
            ],
            run_env("tuned"),
            WORK / "logs" / "destroy.log",
        )

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": {"before_setup": load_before, "before_runs": load_start, "after_runs": load_end},
        "versions": versions(),
        "configs": {c: CONFIGS[c] for c in configs},
        "results": results,
    }
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print(
        "site on %s hosts; %s; %d CPUs; load average %.1f before the runs, %.1f after"
        % ("/".join(map(str, sizes)), report["date"], report["machine"]["cpus"], load_start[0], load_end[0])
    )
    print(markdown(results, sizes, configs))
    print("\nJSON: %s" % out)
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
