# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shlex

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.filter.service import FilterModule

masked_log = FilterModule().filters()['masked_log']


def launching(args):
    # What A1111 1.10.1 and Forge print as they start (modules/launch_utils.py, start()).
    return 'Launching Web UI with arguments: %s' % shlex.join(args)


@pytest.mark.parametrize(
    'args',
    [
        ['--api', '--api-auth', 'sd:hunter2', '--port', '7860'],
        ['--api-auth=sd:hunter2', '--xformers'],
        ['--gradio-auth', 'a:hunter2,b:other pw', '--listen'],
        ['--gradio_auth', 'sd:hunter2'],
        # argparse takes an unambiguous prefix of a long option.
        ['--api-au', 'sd:hunter2'],
    ],
)
def test_the_launch_line_keeps_no_password(args):
    (line,) = masked_log([launching(args)])
    assert 'hunter2' not in line and 'other pw' not in line
    assert line.startswith('Launching Web UI with arguments: ') and line.endswith('********')


def test_lines_without_secrets_are_kept_byte_for_byte():
    lines = ['Model loaded in 3.2s', launching(['--api', '--port', '7860', '--ckpt-dir', '/srv/sd models'])]
    assert masked_log(lines, {'api-auth': 'sd:hunter2'}) == lines


def test_a_known_secret_is_hidden_wherever_it_appears():
    lines = ['Traceback: auth=sd:hunter2-api', 'password hunter2-api rejected', 'user sd logged in']
    assert masked_log(lines, {'api_auth': 'sd:hunter2-api'}) == [
        'Traceback: auth=********',
        'password ******** rejected',
        'user sd logged in',
    ]


def test_a_list_of_secret_values_and_a_string_input():
    text = 'one a:first-pw\ntwo b:second-pw'
    assert masked_log(text, {'gradio-auth': ['a:first-pw', 'b:second-pw']}) == ['one ********', 'two ********']


def test_switches_and_other_flags_reveal_nothing_and_hide_nothing():
    assert masked_log(['--api on'], {'api': True, 'port': 7860}) == ['--api on']


@pytest.mark.parametrize('bad, flags', [(42, None), (['x'], ['api-auth'])])
def test_bad_input_is_a_clear_error(bad, flags):
    with pytest.raises(AnsibleFilterError, match='masked_log: '):
        masked_log(bad, flags)
