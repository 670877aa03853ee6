# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The inner quoting level: the words the web UI gets from ``shlex.split`` of the
variable's text, each with its span in that text, so an edit can keep every word it does
not touch byte for byte. Changes here only when the UI's splitting rules change.
"""

from __future__ import annotations

import re

_WHITESPACE = ' \t\r\n'
# argparse reads these as values, not options (its _negative_number_matcher).
_NEGATIVE_NUMBER = re.compile(r'^-\d+$|^-\d*\.\d+$')


class Word:
    __slots__ = ('start', 'end', 'value')

    def __init__(self, start, end, value):
        self.start = start
        self.end = end
        self.value = value


def split_words(text):
    """``shlex.split(text)`` with each word's span in ``text``.

    Same rules as shlex in POSIX mode without comments: quotes concatenate, a backslash
    outside quotes escapes anything, inside double quotes only ``"`` and ``\\``.
    Raises ValueError with shlex's messages.
    """
    words = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in _WHITESPACE:
            i += 1
            continue
        start, chars = i, []
        while i < n and text[i] not in _WHITESPACE:
            c = text[i]
            if c == "'":
                close = text.find("'", i + 1)
                if close < 0:
                    raise ValueError('No closing quotation')
                chars.append(text[i + 1 : close])
                i = close + 1
            elif c == '"':
                i += 1
                while True:
                    if i >= n:
                        raise ValueError('No closing quotation')
                    c = text[i]
                    if c == '"':
                        i += 1
                        break
                    if c == '\\' and i + 1 < n and text[i + 1] in '"\\':
                        chars.append(text[i + 1])
                        i += 2
                        continue
                    chars.append(c)
                    i += 1
            elif c == '\\':
                if i + 1 >= n:
                    raise ValueError('No escaped character')
                chars.append(text[i + 1])
                i += 2
            else:
                chars.append(c)
                i += 1
        words.append(Word(start, i, ''.join(chars)))
    return words


def quote_word(value, inner, operators=''):
    """``value`` written so that shlex gives it back, in the line's quote style ``inner``;
    ``operators``: characters the file's own language would act on, quoted as well."""
    special = " \t\r\n'\"\\" + operators
    if value and not any(c in special for c in value):
        return value
    if inner == "'" and "'" not in value:
        return "'" + value + "'"
    out = []
    for k, c in enumerate(value):
        if c == '"' or (c == '\\' and (k + 1 == len(value) or value[k + 1] in '"\\')):
            out.append('\\')
        out.append(c)
    return '"' + ''.join(out) + '"'


def first_quote(text, words):
    """The first quote character inside ``words`` of ``text``, or None: new words follow
    the style the value already uses."""
    for word in words:
        for c in text[word.start : word.end]:
            if c in '\'"':
                return c
    return None


def is_flag(value):
    return len(value) > 1 and value.startswith('-') and not _NEGATIVE_NUMBER.match(value)
