# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the scenarios' testinfra verifiers (run by molecule on the controller)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import threading
import time

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner


def inventory_hosts() -> set:
    """The hosts molecule's inventory gives this verifier run."""
    return set(AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all"))


def name(host) -> str:
    return host.backend.get_hostname()


def on(*names):
    """Run a test on the named hosts only (through the ``box`` fixture), so that it is
    neither skipped nor counted as passed on hosts it says nothing about."""
    return pytest.mark.parametrize("box", sorted(names), indirect=True)


@pytest.fixture
def box(request, pytestconfig):
    return testinfra.get_host(
        "ansible://" + request.param,
        ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"],
        sudo=bool(pytestconfig.getoption("sudo", False)),
    )


def ansible_playbook(
    playbook, *args, inventories=(), on_line=None, timeout=600, own_inventory=False, cwd=None, env_changes=None
) -> subprocess.CompletedProcess:
    """ansible-playbook as molecule runs it on this scenario (its config and inventory).

    ``inventories`` are more inventory sources after molecule's (their host variables win),
    or instead of it with ``own_inventory``; ``on_line`` is called with each line of output
    as it comes, while the run goes on; ``cwd`` and ``env_changes`` set the process's
    working folder and environment.
    """
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg"))
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.update(env_changes or {})
    argv = ["ansible-playbook"] + ([] if own_inventory else ["-i", os.environ["MOLECULE_INVENTORY_FILE"]])
    for extra in inventories:
        argv += ["-i", str(extra)]
    argv += [str(playbook)] + list(args)
    with subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        # A run that hangs is killed, and its output so far is what the test shows.
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            lines = []
            for line in proc.stdout:
                lines.append(line)
                if on_line is not None:
                    on_line(line)
            proc.wait()
        finally:
            watchdog.cancel()
    return subprocess.CompletedProcess(argv, proc.returncode, "".join(lines))


def play_recap(stdout: str) -> dict:
    """{host: {ok: N, changed: N, unreachable: N, failed: N, ...}} from a run's PLAY RECAP."""
    recap = {}
    for line in stdout.split("PLAY RECAP", 1)[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            recap[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return recap


def changed_tasks(stdout: str) -> list:
    """'TASK name: host' for each changed result in a run's output, for failure messages."""
    found, task = [], ""
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            task = line[6:].split("]", 1)[0]
        elif line.startswith("changed: ["):
            found.append("%s: %s" % (task, line[10:].split("]", 1)[0]))
    return found


def converge_in_check_mode(*args) -> dict:
    """Run the scenario's converge playbook again under --check: {host: recap counts}."""
    playbook = pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"
    proc = ansible_playbook(playbook, "--check", *args)
    recap = play_recap(proc.stdout)
    assert proc.returncode == 0 and recap, proc.stdout[-4000:]
    return recap


def reboot(container: str):
    """Restart the container (systemd boots again) and wait until boot has finished.

    The container's address may change on restart, so the host is reached through
    docker exec afterwards rather than over the inventory's SSH address.
    """
    subprocess.run(["docker", "restart", container], check=True, stdout=subprocess.DEVNULL)
    return wait_for_boot(container)


def wait_for_boot(container: str):
    """Wait until systemd in the (re)started container has finished booting."""
    state = ""
    for _attempt in range(60):
        # Right after the start the system bus may not answer yet.
        proc = subprocess.run(
            ["docker", "exec", container, "systemctl", "is-system-running", "--wait"],
            check=False,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        state = proc.stdout.strip()
        if state in ("running", "degraded"):
            return testinfra.get_host("docker://" + container)
        time.sleep(1)
    raise AssertionError("%s did not finish booting: %s" % (container, state))


def container_address(container: str) -> str:
    """The container's address on Docker's bridge now (it may change on a restart)."""
    return subprocess.run(
        ["docker", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", container],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def inventory_without(hosts, variables, path) -> pathlib.Path:
    """An inventory file at ``path`` holding ``hosts`` with every variable molecule's
    inventory gives them (its group variables included), less ``variables``: for a run
    that needs one of them unset."""
    listed = subprocess.run(
        ["ansible-inventory", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--list"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    hostvars = json.loads(listed)["_meta"]["hostvars"]
    chosen = {host: {k: v for k, v in hostvars[host].items() if k not in variables} for host in hosts}
    pathlib.Path(path).write_text(json.dumps({"all": {"hosts": chosen}}), encoding="utf-8")
    return pathlib.Path(path)


STATE_FILE = "/etc/ansible/facts.d/vramfree.fact"


def remembered(host) -> dict:
    """What the roles remember on a host (the state file, root's, 0644), {} without one."""
    state = host.file(STATE_FILE)
    if not state.exists:
        return {}
    assert (state.user, state.group, state.mode) == ("root", "root", 0o644)
    return json.loads(state.content_string)


def webui_unit_props(host, *props) -> dict:
    """Properties of webui.service on a host, from systemctl show."""
    out = host.check_output("systemctl show webui.service --property=%s", ",".join(props))
    return dict(line.split("=", 1) for line in out.splitlines())


def http_get(host, port, path, auth=None, timeout=60, address="127.0.0.1") -> str:
    """GET a path of the web UI from inside the host (it listens on the host's loopback,
    at ``address``), until it answers or ``timeout`` seconds have passed; ``auth`` is
    user:password."""
    code = (
        "import base64,sys,urllib.request as u;r=u.Request(sys.argv[1]);"
        "a=sys.argv[2] if len(sys.argv)>2 else '';"
        "a and r.add_header('Authorization','Basic '+base64.b64encode(a.encode()).decode());"
        "print(u.urlopen(r,timeout=10).read().decode())"
    )
    args = ["http://%s:%d%s" % (address, port, path)] + ([auth] if auth else [])
    deadline = time.monotonic() + timeout
    while True:
        result = host.run("python3 -c " + " ".join(["%s"] * (len(args) + 1)), code, *args)
        if result.rc == 0 or time.monotonic() > deadline:
            assert result.rc == 0, result.stderr
            return result.stdout
