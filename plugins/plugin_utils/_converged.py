# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's half of site's converged path (plugins/modules/converged_facts.py).

A host is converged when the request (the roles' options set for it, and the collection's
own code, which holds the roles' defaults), what the host holds (the digests
module_utils/_fingerprint.py reads) and the plan made again from the VRAM measured now
are all what they were at the end of the last run that converged it, and the web UI
answers. Anything else, an unreadable record included, runs the roles: a false
"converged" would leave a host wrong, a false "not converged" only costs a full run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import yaml

# site's own options, beside the roles' argument specifications.
SITE_NAMES = ('vramfree_stop_desktop', 'vramfree_webui', 'vramfree_proxy')
# The status lines the webui role's wait accepts (roles/webui/tasks/wait.yml).
PROBE_OK = re.compile(r'^HTTP/1\.[01] (200|30[27]|401)\b')
# What the plan decides, as the roles act on it: the reasons' words and the free MiB they
# quote may change from run to run without any change on the host.
DECISION_KEYS = ('configure', 'flags', 'endpoint', 'server')
UNIT_ACTIVE = ('active', 'activating', 'reloading')

_CODE = {}


def collection_root() -> str:
    """The collection's folder (this file is plugins/plugin_utils/_converged.py in it)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def code_digest(root=None) -> str:
    """The digest of the collection's roles and plugins: a new release, or an edited
    default, is a new request. Once per controller process."""
    root = root or collection_root()
    if root not in _CODE:
        digest = hashlib.sha256()
        for part in ('roles', 'plugins', 'playbooks'):
            for top, folders, files in os.walk(os.path.join(root, part)):
                folders[:] = sorted(f for f in folders if f != '__pycache__')
                for name in sorted(files):
                    if name.endswith('.pyc'):
                        continue
                    path = os.path.join(top, name)
                    digest.update(os.path.relpath(path, root).encode('utf-8', 'surrogateescape') + b'\0')
                    with open(path, 'rb') as handle:
                        digest.update(hashlib.sha256(handle.read()).digest())
        _CODE[root] = digest.hexdigest()
    return _CODE[root]


def request_names(root=None) -> list:
    """Every option of the roles' argument specifications, and site's own."""
    root = root or collection_root()
    names = set(SITE_NAMES)
    roles = os.path.join(root, 'roles')
    for role in sorted(os.listdir(roles)):
        path = os.path.join(roles, role, 'meta', 'argument_specs.yml')
        if not os.path.exists(path):
            continue
        with open(path, encoding='utf-8') as handle:
            specs = (yaml.safe_load(handle) or {}).get('argument_specs') or {}
        for entry in specs.values():
            names.update((entry or {}).get('options') or {})
    return sorted(names)


def _tags_in(node, found):
    if isinstance(node, dict):
        tags = node.get('tags')
        if isinstance(tags, str):
            found.add(tags)
        elif isinstance(tags, list):
            found.update(tag for tag in tags if isinstance(tag, str))
        for value in node.values():
            _tags_in(value, found)
    elif isinstance(node, list):
        for value in node:
            _tags_in(value, found)


def collection_tags(root=None) -> set:
    """Every tag the roles' tasks and the playbooks carry."""
    root = root or collection_root()
    found = set()
    for part in ('roles', 'playbooks'):
        for top, folders, files in os.walk(os.path.join(root, part)):
            folders.sort()
            for name in sorted(files):
                if name.endswith('.yml') and ('/tasks' in top or part == 'playbooks'):
                    with open(os.path.join(top, name), encoding='utf-8') as handle:
                        _tags_in(yaml.safe_load(handle), found)
    return found


def partial_run(run_tags, skip_tags, root=None):
    """Why a run with these tags did not go through the whole job, or None: only a whole
    run is recorded. Tags the collection does not use (molecule's ``notest``) do not count."""
    run_tags = set(run_tags or ['all'])
    if run_tags != {'all'}:
        return 'the run was limited to the tags %s' % ', '.join(sorted(run_tags))
    skipped = set(skip_tags or ()) & (collection_tags(root) | {'always', 'tagged', 'untagged'})
    if skipped:
        return 'the run skipped the tags %s' % ', '.join(sorted(skipped))
    return None


def request_digest(request: dict, code: str) -> str:
    text = json.dumps({'code': code, 'request': request}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def decision(planned: dict) -> dict:
    """What the roles act on, of a plan (_webui_plan.plan)."""
    gpu = planned.get('gpu') or {}
    memory = planned.get('memory') or {}
    out = {key: planned.get(key) for key in DECISION_KEYS}
    out.update(
        gpu={key: gpu.get(key) for key in ('index', 'uuid', 'stop_desktop')},
        memory_mode=memory.get('mode'),
    )
    return json.loads(json.dumps(out, sort_keys=True, default=str))


def gpu_holders(gpu_vram: dict, ignore_units) -> list:
    """Who holds VRAM on each GPU, but the web UI's own units: a new holder (a desktop
    back, another program) is a change, whatever the plan makes of it."""
    ignored = set(ignore_units or ())
    out = []
    for gpu in (gpu_vram or {}).get('gpus') or []:
        names = sorted(
            '%s/%s' % (proc.get('unit') or (proc.get('name') or '?').rsplit('/', 1)[-1], proc.get('type') or '?')
            for proc in gpu.get('processes') or []
            if proc.get('unit') not in ignored
        )
        out.append({'uuid': gpu.get('uuid'), 'total_mib': gpu.get('memory_total_mib'), 'holders': names})
    return out


def unit_active(observed: dict, unit: str) -> bool:
    parts = (((observed or {}).get('units') or {}).get(unit) or '').split('/')
    return len(parts) > 1 and parts[1] in UNIT_ACTIVE


def blocking(stored, digest) -> list:
    """Why the record cannot be compared with at all: [] where it can."""
    if stored is None:
        return ['no run has converged this host yet']
    if 'unreadable' in stored:
        return ['the record is unreadable (%s)' % stored['unreadable']]
    if stored.get('request_digest') != digest:
        return ['the request changed (the options set for this host, or the collection)']
    return []


def compare(stored, digest, observed, holders, planned_decision) -> list:
    """Why the host is not converged: [] where it is."""
    reasons = blocking(stored, digest)
    if reasons:
        return reasons
    then = stored.get('observed') or {}
    now = observed or {}
    for path, value in sorted((then.get('paths') or {}).items()):
        if (now.get('paths') or {}).get(path) != value:
            reasons.append("root's files changed: %s" % path)
    if then.get('state_file') != now.get('state_file'):
        reasons.append('the state file changed')
    for unit, value in sorted((then.get('units') or {}).items()):
        if (now.get('units') or {}).get(unit) != value:
            reasons.append('%s is %s, was %s' % (unit, (now.get('units') or {}).get(unit), value))
    if then.get('default_target') != now.get('default_target'):
        reasons.append('the default target is %s, was %s' % (now.get('default_target'), then.get('default_target')))
    for name, value in sorted((then.get('firewalls') or {}).items()):
        if (now.get('firewalls') or {}).get(name) != value:
            reasons.append('the rules of %s changed' % name)
    if then.get('user') != now.get('user'):
        reasons.append("the web UI's user changed")
    if then.get('user_paths') != now.get('user_paths'):
        changed = sorted(
            path
            for path in set(then.get('user_paths') or {}) | set(now.get('user_paths') or {})
            if (then.get('user_paths') or {}).get(path) != (now.get('user_paths') or {}).get(path)
        )
        reasons.append("the web UI's user's files changed: %s" % ', '.join(changed))
    if then.get('probe') is not None and not PROBE_OK.match(now.get('probe') or ''):
        reasons.append('the web UI does not answer its probe (%s)' % now.get('probe'))
    plan = stored.get('plan') or {}
    if plan.get('holders') != holders:
        reasons.append('the processes on the GPUs changed')
    if plan.get('decision') != planned_decision:
        reasons.append('the plan from the VRAM free now differs')
    return reasons


def facts(stored, planned) -> dict:
    """The facts a converged run sets again: the recorded ones, the web UI's memory plan
    (its reason and free MiB) as made now."""
    out = json.loads(json.dumps((stored or {}).get('facts') or {}))
    webui = out.get('webui_result')
    memory = (planned or {}).get('memory') or {}
    if isinstance(webui, dict) and memory:
        webui.update(memory_reason=memory.get('reason'), free_mib=memory.get('free_mib'))
    return out
