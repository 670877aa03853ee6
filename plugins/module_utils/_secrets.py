# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one rule that says which flag values are secret, for every place a value is shown.

argparse accepts an unambiguous prefix of a long option (``--api-au`` is ``--api-auth``),
and users write YAML keys with ``_``: a value is secret when its flag, spelled either way,
is a secret flag or a prefix of one, unless it is exactly another flag some UI defines
(``--api`` is a switch, not the start of ``--api-auth``). Masking errs on the side of
hiding: an ambiguous prefix argparse would refuse is still masked.
"""

from __future__ import annotations

import re

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog

MASK = catalog.MASK

_KNOWN = frozenset(
    flag for entry in catalog.CATALOG.values() for flag in list(entry['values']) + list(entry['switches'])
)
# A flag and the value written after it on a line nobody parses (a comment): the value is
# a quoted run or a bare word.
_FLAG_AND_VALUE = re.compile(r'''(?<![\w-])(--[A-Za-z0-9][\w.-]*)(=|[ \t]+)("[^"]*"?|'[^']*'?|(?!-)[^\s"']+)''')
_FLAG_IN_LINE = re.compile(r'(?<![\w-])--[A-Za-z0-9][\w.-]*')


def canonical(flag):
    """``--Gradio_Auth`` and ``--gradio-auth`` are one name for the secret rule."""
    return flag.split('=', 1)[0].replace('_', '-').lower()


def is_secret(flag):
    if not flag or not flag.startswith('--'):
        return False
    name = canonical(flag)
    if name in catalog.SECRET_FLAGS:
        return True
    if name in _KNOWN or len(name) < 4:
        return False
    return any(secret.startswith(name) for secret in catalog.SECRET_FLAGS)


def mask_line(line):
    """A line fit for a message: everything after the first secret flag is hidden.

    Used for lines that may not parse, so the value's end is unknown: hiding the rest of
    the line is the only safe cut.
    """
    line = line.rstrip('\r\n')
    for match in _FLAG_IN_LINE.finditer(line):
        if is_secret(match.group(0)):
            return line[: match.end()] + ' ' + MASK
    return line


def mask_words(line):
    """A line that is shown but never parsed (a commented-out assignment in a diff), with
    the word after each secret flag replaced by the mask and every other byte kept."""

    def repl(match):
        if not is_secret(match.group(1)):
            return match.group(0)
        return match.group(1) + match.group(2) + MASK

    return _FLAG_AND_VALUE.sub(repl, line)
