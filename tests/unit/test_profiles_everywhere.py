# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each web UI is one profile, and nothing else in the collection names a UI.

Adding a UI is its profile (plugins/module_utils/_profiles.py) plus its name in the
documented choices lists; these tests find every such list and every place a task,
template or decision would branch on a UI's name instead of a profile attribute.
"""

from __future__ import annotations

import ast
import pathlib
import re

import yaml

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles

ROOT = pathlib.Path(__file__).resolve().parents[2]
UIS = list(_profiles.PROFILES)
# The image UIs and the LLM servers: what the webui role and its plan take.
EVERY = _profiles.names()


def _choices_lists(node, path=()):
    """Every ``choices`` list in a parsed YAML document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'choices' and isinstance(value, list):
                yield path, value
            else:
                yield from _choices_lists(value, path + (str(key),))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _choices_lists(item, path + (str(index),))


def _documents():
    """The YAML documents that declare options: module and plugin docs, filter docs and
    the roles' argument specs."""
    for path in sorted((ROOT / 'plugins').rglob('*.py')):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION':
                yield path, yaml.safe_load(node.value.value)
    for pattern in ('plugins/filter/*.yml', 'roles/*/meta/argument_specs.yml'):
        for path in sorted(ROOT.glob(pattern)):
            yield path, yaml.safe_load(path.read_text())


def test_every_choices_list_of_web_uis_is_exactly_the_profiles():
    found = []
    for path, document in _documents():
        for _where, choices in _choices_lists(document):
            if set(choices) & set(EVERY):
                found.append((str(path.relative_to(ROOT)), choices))
    # The lists this test exists for: if one moved or went, the scan above proves nothing.
    # What edits a launch file or picks an image UI's memory mode takes the image UIs; what
    # runs a service, every profile.
    expected = {
        'plugins/modules/webui_flags.py': UIS,
        'plugins/filter/memory_mode.yml': UIS,
        'plugins/modules/webui_plan.py': EVERY,
        'roles/webui/meta/argument_specs.yml': EVERY,
    }
    assert sorted({name for name, _choices in found}) == sorted(expected)
    for name, choices in found:
        assert choices == expected[name], '%s: choices %s, profiles %s' % (name, choices, expected[name])


def test_the_modules_argument_specs_take_their_choices_from_the_profiles():
    from ansible_collections.vramfree.webui.plugins.action import webui_plan  # pylint: disable=import-outside-toplevel

    assert webui_plan.ARGUMENT_SPEC['ui']['choices'] == EVERY


# A UI's name in a task, template or decision: a comparison, a membership test or a key.
_NAME = '|'.join(re.escape(ui) for ui in UIS)
_BRANCH = re.compile(r"""(==|!=|\bin\b)\s*\[?[^\n]*['"](%s)['"]|['"](%s)['"]\s*(==|!=|\bin\b)""" % (_NAME, _NAME))


def test_no_task_template_or_decision_branches_on_a_uis_name():
    files = [
        *ROOT.glob('roles/*/tasks/*.yml'),
        *ROOT.glob('roles/*/templates/*.j2'),
        *ROOT.glob('roles/*/vars/*.yml'),
        *ROOT.glob('roles/*/defaults/*.yml'),
        *ROOT.glob('playbooks/*.yml'),
        *ROOT.glob('playbooks/tasks/*.yml'),
        *ROOT.glob('plugins/plugin_utils/*.py'),
        *ROOT.glob('plugins/action/*.py'),
    ]
    assert len(files) > 20
    offenders = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split('#', 1)[0]
            if _BRANCH.search(code):
                offenders.append('%s:%d: %s' % (path.relative_to(ROOT), number, line.strip()))
    assert offenders == []


def test_the_branch_scan_finds_a_branch_on_a_name():
    # The scan above would pass on nothing; it must see what it forbids.
    assert _BRANCH.search("when: webui_ui == 'comfyui'")
    assert _BRANCH.search("    if ui in ('a1111', 'forge', 'sdnext'):")
    assert not _BRANCH.search("when: _webui_profile.exec == 'python'")


# The public API: the filters a playbook author uses, and no more -----------------------

PUBLIC_FILTERS = {'memory_mode', 'vram_table', 'by_host', 'systemd_escape', 'masked_log', 'vram_without_units'}


def test_the_public_filters_are_the_few_a_playbook_author_needs():
    # What each filter file's FilterModule.filters() declares, and its documentation.
    declared = set()
    for path in sorted((ROOT / 'plugins' / 'filter').glob('*.py')):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == 'filters':
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Dict):
                        declared |= {key.value for key in ret.keys if isinstance(key, ast.Constant)}
    documented = {path.stem for path in (ROOT / 'plugins' / 'filter').glob('*.yml')}
    assert declared == documented
    assert declared <= PUBLIC_FILTERS, sorted(declared - PUBLIC_FILTERS)
    assert len(declared) <= 8


def test_every_removed_filter_says_where_its_work_went():
    runtime = yaml.safe_load((ROOT / 'meta' / 'runtime.yml').read_text())
    tombstones = runtime['plugin_routing']['filter']
    assert len(tombstones) >= 20
    for name, routing in tombstones.items():
        assert not (ROOT / 'plugins' / 'filter' / ('%s.yml' % name)).exists(), name
        assert routing['tombstone']['warning_text'].startswith(('Use the vramfree.webui.', 'The vramfree.webui.')), name
    assert not set(tombstones) & PUBLIC_FILTERS
