# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The flag editor without any file format: only a quoting function and a value check."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils._flag_editor import FlagEditor
from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import quote_word


def editor(text, ui='a1111', refuse=''):
    def check_value(flag, value):
        if any(c in value for c in refuse):
            raise LaunchArgsError('flag %s: refused' % flag)

    def quote(word):
        return quote_word(word, "'")

    return FlagEditor(text, ui, quote, check_value)


@pytest.mark.parametrize(
    'text, flags, memory_mode, result',
    [
        # A new word is joined by one blank; untouched neighbours keep theirs.
        ("--lowvram  --ckpt-dir 'a b'   --x", {}, 'medvram', "--medvram --ckpt-dir 'a b'   --x"),
        ('--port=7860 --x', {'port': 8080}, 'keep', '--port=8080 --x'),
        ('--use-cpu a b --x', {'use_cpu': ['c d']}, 'keep', "--use-cpu 'c d' --x"),
        ('--x', {'styles-file': ['a', 'b']}, 'keep', '--x --styles-file a --styles-file b'),
        ('--x --listen', {'listen': 'no', 'api': True}, 'none', '--x --api'),
        ('  --x  ', {}, 'keep', '  --x  '),
    ],
)
def test_untouched_words_keep_their_bytes_and_spacing(text, flags, memory_mode, result):
    edit = editor(text)
    edit.apply_request(flags, memory_mode)
    assert edit.result() == result


def test_the_value_check_is_the_callers():
    edit = editor('--x', refuse='%')
    with pytest.raises(LaunchArgsError, match='flag --theme: refused'):
        edit.apply_request({'theme': '50%'}, 'keep')
    editor('--x').apply_request({'theme': '50%'}, 'keep')


def test_secrets_are_masked_in_place():
    edit = editor("--gradio-auth 'u:p' --api-auth=a:b --x")
    edit.mask_secrets()
    assert edit.result() == '--gradio-auth ******** --api-auth=******** --x'


def test_a_text_shlex_cannot_split_is_a_value_error():
    with pytest.raises(ValueError, match='No closing quotation'):
        editor('--x "a')
