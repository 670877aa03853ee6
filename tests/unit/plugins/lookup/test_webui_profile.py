# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role and the playbooks see each UI through its profile, and only through it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.vramfree.webui.plugins.lookup.webui_profile import LookupModule
from ansible_collections.vramfree.webui.plugins.module_utils import _profiles


def test_the_lookup_gives_the_profile_as_plain_data():
    [comfyui] = LookupModule().run(['comfyui'])
    assert comfyui['entry'] == 'main.py'
    assert comfyui['exec'] == 'python'
    assert comfyui['bind'] == 'listen'
    assert comfyui['api'] is None
    # Lists, not tuples: what the role hands on reaches modules as JSON.
    assert comfyui['validate_with'] == ['comfy/cli_args.py']
    [a1111] = LookupModule().run(['a1111'])
    assert (a1111['version'], a1111['launch_file'], a1111['api']) == ('v1.10.1', 'webui-user.sh', 'sdapi')
    # The flag tables stay in Python.
    assert 'values' not in a1111 and 'switches' not in a1111


def test_an_unknown_ui_is_named_with_the_known_ones():
    with pytest.raises(AnsibleLookupError, match=r"unknown web UI 'invokeai'; one of a1111, forge, sdnext, comfyui"):
        LookupModule().run(['invokeai'])
    with pytest.raises(AnsibleLookupError, match='give one web UI, got 2'):
        LookupModule().run(['a1111', 'forge'])


def test_every_profile_has_every_attribute_the_role_reads():
    for ui in _profiles.PROFILES:
        view = _profiles.play_view(ui)
        # Plus the one attribute derived from another: webui_service_name's default.
        assert set(view) == set(_profiles.PLAY_ATTRIBUTES) | {'service_name'}, ui
        assert view['exec'] in ('script', 'python'), ui
        assert view['bind'] in ('server-name', 'listen'), ui
        assert view['launch_format'] in ('sh', 'bat', 'env'), ui
