#!/usr/bin/python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: converged_facts
short_description: Find in one call whether a host is still as the last converged site run left it
version_added: 0.5.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - The converged path of the C(site) playbook. At the end of a run that converged a host, C(site)
    records here what the roles left (O(record)); the next run reads the host once, measures its
    VRAM, plans the web UI again from it on the controller, and compares. Where nothing differs,
    the roles are skipped as a block; where anything does, they run as usual, and the result says
    why in RV(reasons).
  - What is compared, each as a digest that never leaves the host with what it holds
    (passwords and keys stay in their files) is the request (every option of the roles set for
    the host, and the collection's own code), root's files the roles write (the units under
    C(/etc/systemd/system), C(/etc/vramfree), the proxy's files), the state file, the web UI's
    launch file and entry point (read by a child process running as the web UI's user, never by
    root), that user's uid, groups and home, the units' load, active and enabled states, the
    default target, the firewalls' rules, the processes on each GPU, and the plan made again
    from the VRAM measured now (GPU, memory mode, flags, server settings). The web UI must also
    answer its probe.
  - The record is root's (mode 0600 in a folder only root enters), since the facts it keeps for
    the report are the host's own.
  - The VRAM is measured as M(vramfree.webui.gpu_vram_facts) measures it (NVML, C(nvidia-smi), sysfs), in the
    same module run on the host as the digests.
  - Runs as an action plugin. The host reads and measures, the controller decides.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
    details: It reads the host; in check mode it records nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  gpu:
    description: The web UI's GPU, as O(vramfree.webui.webui_plan#module:gpu) takes it; the site's GPU plan is returned as RV(gpu).
    type: raw
    default: auto
  ignore_units:
    description: Units whose processes count as free VRAM (the web UI's own).
    type: list
    elements: str
    default: []
  request:
    description:
      - The request to compare, as C(site) hands it. Leave it out to take the options of the roles'
        argument specifications (and C(vramfree_stop_desktop), C(vramfree_webui), C(vramfree_proxy))
        from the host's variables.
    type: dict
  request_digest:
    description: With O(record), the digest RV(request_digest) of the run's first call.
    type: str
  record:
    description:
      - Record what the host is now, as converged for RV(request_digest). Needs O(watch),
        O(plan) and O(facts). Nothing is recorded in check mode.
    type: bool
    default: false
  watch:
    description:
      - What to fingerprint (with O(record)). C(paths) root's files and folders, C(user) the web UI's user
        and C(user_paths) the files read as that user, C(units) the units, C(default_target) whether the
        default target counts, C(firewalls) the firewalls (V(ufw), V(firewalld)) whose rules count, and
        C(probe) (C(host), C(port), C(path)) the web UI's probe.
    type: dict
  plan:
    description: With O(record), the request of the webui role's M(vramfree.webui.webui_plan) (its RV(vramfree.webui.webui_plan#module:request)).
    type: dict
  facts:
    description: With O(record), the facts a converged run sets again for the report (C(webui_result), C(proxy_result), C(vramfree_desktop_stopped)).
    type: dict
  run_tags:
    description:
      - With O(record), the run's tags (C(ansible_run_tags)). A run limited to tags is not recorded.
    type: list
    elements: str
    default: [all]
  skip_tags:
    description:
      - With O(record), the tags the run skips (C(ansible_skip_tags)). A run that skipped a tag of the
        collection's roles or playbooks is not recorded; other tags (molecule's C(notest)) do not count.
    type: list
    elements: str
    default: []
  forget:
    description: Remove the record, so that the next run runs the roles.
    type: bool
    default: false
  path:
    description: The record.
    type: path
    default: /var/lib/vramfree/converged.json
  state_file:
    description: The state file of M(vramfree.webui.state_file); a change to it is a change.
    type: path
    default: /etc/ansible/facts.d/vramfree.fact
  command_timeout:
    description: Seconds each command (C(systemctl), C(ufw), C(firewall-cmd), C(nvidia-smi)) may take.
    type: int
    default: 30
notes:
  - Run it as root (C(become)). It reads root's files, and drops to the web UI's user to read the user's.
seealso:
  - module: vramfree.webui.webui_plan
  - module: vramfree.webui.gpu_vram_facts
"""

EXAMPLES = r"""
- name: Find whether this host is converged, and plan its GPU
  vramfree.webui.converged_facts:
    ignore_units: [webui.service]
  register: fast

- name: Run the roles only where something differs
  ansible.builtin.include_role:
    name: vramfree.webui.webui
  when: not fast.converged
"""

RETURN = r"""
converged:
  description: Whether the host is as the last converged run left it, for the same request.
  returned: always
  type: bool
reasons:
  description: What differs, where RV(converged) is false.
  returned: always
  type: list
  elements: str
  sample: ["the request changed", "root's files changed: /etc/systemd/system"]
request_digest:
  description: The digest of the request, to hand to the O(record) call at the end of the run.
  returned: always
  type: str
facts:
  description: Where RV(converged), the recorded facts, C(webui_result) updated with the memory plan made now.
  returned: always
  type: dict
gpu_vram:
  description: The VRAM measured now (as M(vramfree.webui.gpu_vram_facts) returns it).
  returned: when not O(record)
  type: dict
gpu:
  description: The GPU plan of C(site) (as M(vramfree.webui.webui_plan) returns it).
  returned: when not O(record)
  type: dict
observed:
  description: The digests read on the host.
  returned: always
  type: dict
recorded:
  description: Whether a record was written (O(record), not in check mode).
  returned: always
  type: bool
"""

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vramfree.webui.plugins.module_utils import (
    _command,
    _fingerprint,
    _gpu,
    _state_file,
    _systemctl,
    _vram_measure,
)

STATE_UNITS = ('LoadState', 'ActiveState', 'UnitFileState')


def read_record(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"unreadable": str(exc)}
    return data if isinstance(data, dict) else {"unreadable": "not an object"}


def write_record(path, record):
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    fd, temporary = tempfile.mkstemp(prefix=".converged-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def observe(module, watch, run):
    """The digests of what ``watch`` names, read now."""
    watch = watch or {}
    observed = {
        "paths": _fingerprint.trees(watch.get("paths") or []),
        "state_file": _fingerprint.tree(module.params["state_file"]),
        "units": {},
        "default_target": None,
        "firewalls": {},
        "user": None,
        "user_paths": {},
        "probe": None,
    }
    units = list(watch.get("units") or [])
    if units:
        rc, out, err = run(_systemctl.show_argv(units, ("Id",) + STATE_UNITS))
        if rc != 0:
            module.fail_json(msg="systemctl show failed (rc %s): %s" % (rc, err.strip()))
        shown = _systemctl.parse_show(out, units, ("Id",) + STATE_UNITS)
        observed["units"] = {unit: "/".join(props[key] for key in STATE_UNITS) for unit, props in shown.items()}
    if watch.get("default_target"):
        rc, out, _err = run(["systemctl", "get-default"])
        observed["default_target"] = out.strip() if rc == 0 else "error"
    for name in watch.get("firewalls") or []:
        argv = {"ufw": ["ufw", "status", "verbose"], "firewalld": ["firewall-cmd", "--list-all-zones"]}.get(name)
        if argv is None or module.get_bin_path(argv[0]) is None:
            observed["firewalls"][name] = _fingerprint.MISSING
            continue
        rc, out, _err = run(argv)
        observed["firewalls"][name] = "rc=%d %s" % (rc, _fingerprint.sha256_text(out))
    user = watch.get("user")
    if user:
        observed["user"] = _fingerprint.identity(user)
        if observed["user"] != _fingerprint.MISSING:
            try:
                observed["user_paths"] = _fingerprint.as_user(
                    user, _fingerprint.trees, list(watch.get("user_paths") or [])
                )
            except _fingerprint.FingerprintError as exc:
                observed["user_paths"] = {"error": str(exc)}
    probe = watch.get("probe")
    if probe:
        observed["probe"] = _fingerprint.probe(probe["host"], probe["port"], probe["path"])
    return observed


def main():
    module = AnsibleModule(
        # The options of the action plugin (DOCUMENTATION); gpu, ignore_units and request
        # are the controller's, and not used here.
        argument_spec=dict(
            gpu=dict(type="raw", default="auto"),
            ignore_units=dict(type="list", elements="str", default=[]),
            request=dict(type="dict"),
            request_digest=dict(type="str"),
            record=dict(type="bool", default=False),
            watch=dict(type="dict"),
            plan=dict(type="dict"),
            facts=dict(type="dict"),
            run_tags=dict(type="list", elements="str", default=["all"]),
            skip_tags=dict(type="list", elements="str", default=[]),
            forget=dict(type="bool", default=False),
            path=dict(type="path", default="/var/lib/vramfree/converged.json"),
            state_file=dict(type="path", default=_state_file.PATH),
            command_timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    params = module.params

    run = _command.module_runner(module, params["command_timeout"])

    if params["forget"]:
        existed = os.path.exists(params["path"])
        if existed and not module.check_mode:
            os.unlink(params["path"])
        module.exit_json(changed=False, recorded=False, forgot=existed)

    stored = read_record(params["path"])
    watch = params["watch"] if params["watch"] is not None else (stored or {}).get("watch")
    try:
        observed = observe(module, watch, run) if watch is not None else None
        remembered = _state_file.read(path=params["state_file"])[0]
    except (_systemctl.SystemctlError, _command.CommandTimeout, _state_file.StateFileError) as exc:
        module.fail_json(msg=str(exc))
    recorded = False
    gpu_vram = None
    if not params["record"]:
        # The measurement site plans from, in the same call as the digests: one module run
        # on the host instead of two.
        gpu_vram, warnings, failures = _vram_measure.measure(module, "auto", params["command_timeout"])
        for warning in warnings:
            module.warn(warning)
        if gpu_vram["backend"] == "none":
            module.warn("No GPU found (tried %s)" % _gpu.describe_failures(failures))
    if params["record"]:
        missing = [name for name in ("watch", "plan", "facts", "request_digest") if params[name] is None]
        if missing:
            module.fail_json(msg="record needs %s" % ", ".join(missing))
        if not module.check_mode:
            record = {name: params[name] for name in ("request_digest", "plan", "facts")}
            write_record(params["path"], dict(record, watch=watch, observed=observed))
            recorded = True
    module.exit_json(
        changed=False, stored=stored, observed=observed, remembered=remembered, recorded=recorded, gpu_vram=gpu_vram
    )


if __name__ == "__main__":
    main()
