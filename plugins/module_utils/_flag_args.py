# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The argparse level: the words of a COMMANDLINE_ARGS text grouped into flag
occurrences the way the UI's argparse groups them (values by the catalog's arity), and
those occurrences shown to a user with secret values masked. Knows nothing of files.
"""

from __future__ import annotations

import shlex
from collections import Counter

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import is_secret
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import Word, is_flag, split_words


class Occurrence:
    """One flag with its values, or a stray word; ``entries`` say how to write it.

    An entry is (original word index or None, raw text or None): None raw keeps the
    original word's bytes; an index keeps the original spacing to its neighbour.
    """

    __slots__ = ('flag', 'values', 'inline', 'entries', 'removed')

    def __init__(self, flag, values, inline, entries):
        self.flag = flag
        self.values = values
        self.inline = inline
        self.entries = entries
        self.removed = False


def _takes(arity):
    if arity == catalog.SWITCH:
        return 0
    if arity in (catalog.ONE, catalog.OPTIONAL, catalog.APPEND):
        return 1
    return None


def group(words, ui):
    """The flag occurrences of ``words``, each remembering the indexes of its words."""
    items = []
    i = 0
    while i < len(words):
        value = words[i].value
        if not is_flag(value):
            items.append(Occurrence(None, [value], False, [(i, None)]))
            i += 1
            continue
        if value.startswith('--') and '=' in value:
            flag, inline_value = value.split('=', 1)
            items.append(Occurrence(flag, [inline_value], True, [(i, None)]))
            i += 1
            continue
        item = Occurrence(value, [], False, [(i, None)])
        i += 1
        limit = _takes(catalog.arity(ui, value))
        while i < len(words) and (limit is None or len(item.values) < limit) and not is_flag(words[i].value):
            item.values.append(words[i].value)
            item.entries.append((i, None))
            i += 1
        items.append(item)
    return items


def parse_args(value, ui='a1111'):
    """Flag occurrences of a COMMANDLINE_ARGS text as (flag, values, inline) tuples."""
    return [(it.flag, list(it.values), it.inline) for it in group(split_words(value), ui)]


def render_occurrence(flag, values, inline):
    """One flag occurrence as a user would write it, secret values masked."""
    if is_secret(flag):
        values = [catalog.MASK for _v in values]
    if flag is None:
        return ' '.join(values)
    if inline:
        return '%s=%s' % (flag, values[0])
    return ' '.join([flag] + list(values))


def mask_args(args, ui='a1111'):
    """An argument list with the values of secret flags replaced by the mask, grouped as
    the UI's argparse groups them."""
    masked = []
    for item in group([Word(0, 0, arg) for arg in args], ui):
        if item.flag is None:
            masked.extend(item.values)
        elif item.inline:
            masked.append(item.flag + '=' + (catalog.MASK if is_secret(item.flag) else item.values[0]))
        else:
            masked.append(item.flag)
            masked.extend(catalog.MASK if is_secret(item.flag) else v for v in item.values)
    return masked


def command_line(args, ui='a1111'):
    """The masked arguments as one line a user can read or paste into a shell."""
    return ' '.join(arg if catalog.MASK in arg else shlex.quote(arg) for arg in mask_args(args, ui))


def secret_values(value, ui='a1111'):
    """Values of secret flags in a COMMANDLINE_ARGS text (for Ansible's no_log_values)."""
    found = set()
    for item in group(split_words(value), ui):
        if is_secret(item.flag):
            found.update(v for v in item.values if v)
    return found


def occurrences(value, ui):
    """Flag occurrences of a COMMANDLINE_ARGS text as hashable (flag, values, inline)."""
    return [(it.flag, tuple(it.values), it.inline) for it in group(split_words(value), ui)]


def multiset_minus(first, second):
    """The entries of ``first`` left after taking away those of ``second``, in order:
    what an edit added or removed, repeats counted."""
    left = Counter(second)
    out = []
    for entry in first:
        if left[entry]:
            left[entry] -= 1
        else:
            out.append(entry)
    return out
