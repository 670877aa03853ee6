# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the roles remember on a host, in one file: the one place that reads and writes it.

One JSON object in a local fact file (``ansible_local.vramfree`` once facts are
gathered), one section per role or playbook:

- ``headless``: ``previous_default_target`` and ``disabled_units``, for restore_desktop;
- ``proxy``: ``firewall_rules`` the proxy role opened, to close them when not asked for;
- ``benchmark``: per web UI unit, what autotune proved (see ``_benchmark.memory_record``).

Earlier releases kept one file each (``LEGACY``). Reading folds them in, the state file
winning where both hold a key, so that a host stopped by an earlier release is restored
as well; the first write migrates them (they are removed in the same step). The files
are root's, in root's folders: nothing the web UI's user can write is read.
"""

from __future__ import annotations

import json
import os
import re

PATH = '/etc/ansible/facts.d/vramfree.fact'
# The root the earlier releases' paths are under (tests move it).
ROOT = '/'

# Where earlier releases kept each part (relative to the root '/'), and where it goes.
LEGACY_FILES = (
    ('etc/ansible/facts.d/vramfree_headless.fact', 'headless', {'previous_default_target': 'previous_default_target'}),
    ('etc/ansible/facts.d/vramfree_headless_units.fact', 'headless', {'disabled_units': 'disabled_units'}),
    ('etc/ansible/facts.d/vramfree_proxy_firewall.fact', 'proxy', {'rules': 'firewall_rules'}),
)
# benchmark-<unit>.json: the whole file is the unit's entry in the benchmark section.
LEGACY_BENCHMARK_DIR = 'var/lib/vramfree'
_LEGACY_BENCHMARK = re.compile(r'^benchmark-(?P<unit>[A-Za-z0-9:_.@\\-]+\.service)\.json$')


class StateFileError(ValueError):
    """The state file, or an earlier release's file, is not what the roles wrote."""


def read_text(path):
    """A file's text, or None where it is missing: the reader the modules hand in."""
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def listdir(path):
    """The names in a folder, or [] where it is missing: the lister the modules hand in."""
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _join(root, relative):
    return root.rstrip('/') + '/' + relative


def parse(text, path) -> dict:
    """The state held in ``text`` (a file's content; None where it is missing)."""
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateFileError(
            '%s is not the JSON the roles wrote (%s): move it away to start afresh' % (path, exc)
        ) from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise StateFileError('%s is not an object of sections: move it away to start afresh' % path)
    return data


def read(read_text=read_text, listdir=listdir, path=PATH, root=None):
    """``(state, legacy)``: the state with earlier releases' files folded in, and the
    paths of those files (to remove on the next write).

    ``read_text(path)`` returns a file's text or None where it is missing;
    ``listdir(path)`` the names in a folder, or [] where it is missing.
    """
    root = ROOT if root is None else root
    state = parse(read_text(path), path)
    merged = {}
    legacy = []
    for relative, section, keys in LEGACY_FILES:
        old_path = _join(root, relative)
        old = parse_legacy(read_text(old_path), old_path)
        if old is None:
            continue
        legacy.append(old_path)
        for old_key, key in keys.items():
            if old_key in old:
                merged.setdefault(section, {})[key] = old[old_key]
    folder = _join(root, LEGACY_BENCHMARK_DIR)
    for name in sorted(listdir(folder)):
        match = _LEGACY_BENCHMARK.match(name)
        if not match:
            continue
        old_path = folder + '/' + name
        old = parse_legacy(read_text(old_path), old_path)
        if old is None:
            continue
        legacy.append(old_path)
        merged.setdefault('benchmark', {})[match.group('unit')] = old
    for section, values in state.items():
        merged.setdefault(section, {}).update(values)
    return merged, legacy


def parse_legacy(text, path):
    """An earlier release's file: an object, or None where it is missing. One that is
    not JSON held nothing usable; it is still removed on the next write."""
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def update(state, section, values=None, forget=False) -> dict:
    """A new state: ``section`` updated with ``values`` (a key set to None is removed),
    or removed whole with ``forget``. A section left empty is removed."""
    if not isinstance(section, str) or not section:
        raise StateFileError('the section must be a non-empty name, not %r' % (section,))
    if values is not None and not isinstance(values, dict):
        raise StateFileError('the values of section %s must be a mapping, not %r' % (section, values))
    new = {name: dict(content) for name, content in state.items()}
    if forget:
        new.pop(section, None)
        return new
    content = new.get(section, {})
    for key, value in (values or {}).items():
        if value is None:
            content.pop(key, None)
        else:
            content[key] = value
    if content:
        new[section] = content
    else:
        new.pop(section, None)
    return new


def render(state):
    """The file's text, or None where nothing is left to remember (no file)."""
    if not state:
        return None
    return json.dumps(state, indent=2, sort_keys=True) + '\n'
