# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The flag level of an edit: a task's ``flags`` and ``memory_mode`` applied to the flag
occurrences of a COMMANDLINE_ARGS text.

Arity comes from the flag catalog; flags the task does not name keep their order and
their exact bytes, a value set in place keeps its form (``--port 7860`` or
``--port=7860``), and the UI's memory flags are one exclusive choice. File formats are
none of its business: the caller hands in how a new word is quoted and which values the
file's language cannot carry.
"""

from __future__ import annotations

import difflib
import re

from ansible_collections.vramfree.webui.plugins.module_utils import _flag_catalog as catalog
from ansible_collections.vramfree.webui.plugins.module_utils._flag_args import Occurrence, group
from ansible_collections.vramfree.webui.plugins.module_utils._launch_error import LaunchArgsError
from ansible_collections.vramfree.webui.plugins.module_utils._secrets import is_secret
from ansible_collections.vramfree.webui.plugins.module_utils._shell_words import is_flag, split_words

_FLAG_NAME = re.compile(r'^--?[A-Za-z0-9][A-Za-z0-9_.-]*$')
_BOOLEAN_WORDS = {'true': True, 'yes': True, 'on': True, 'false': False, 'no': False, 'off': False}


def normalize_flag(name, ui=None):
    """``lowvram``, ``--lowvram`` and ``Low_VRAM``-style YAML keys name the same flag.

    argparse only knows the dashed, lower-case spelling the UI defines, so ``_`` becomes
    ``-``, and the case is folded where that gives a flag the UI's catalog knows.
    """
    name = str(name).strip()
    if not name.startswith('-'):
        name = '--' + name
    if not _FLAG_NAME.match(name):
        raise LaunchArgsError('%r is not a flag name' % name)
    if ui is not None and catalog.arity(ui, name) is not None:
        return name
    name = name.replace('_', '-')
    if ui is not None and catalog.arity(ui, name) is None and catalog.arity(ui, name.lower()) is not None:
        name = name.lower()
    return name


def flag_value(flag, value, ui):
    """The value a task gave, with Ansible's boolean words (``"true"``, ``"no"``: what
    ``-a 'flags="listen=true"'`` gives) read as booleans. No flag of the catalogs takes
    one of these words as its value; ``"1"`` and ``"0"`` stay values (``--directml 1``)."""
    if isinstance(value, str) and value.strip().lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[value.strip().lower()]
    return value


def unknown_flag_warning(flag, ui):
    """A warning for a flag the UI's catalog does not define, naming the closest one."""
    entry = catalog.CATALOG[ui]
    known = sorted(set(entry['values']) | set(entry['switches']))
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    hint = '; did you mean %s?' % close[0] if close else ''
    return (
        '%s is not a flag %s is known to define (%s)%s; it is written as given, and the web UI '
        'refuses to start on a flag it does not define (validate_with checks the installed version)'
        % (flag, entry['name'], entry['definitions'], hint)
    )


def _value_text(flag, value, check_value):
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, tuple)):
        raise LaunchArgsError('flag %s: a value must be a string or a number, not %r' % (flag, value))
    text = str(value)
    if any(c in text for c in '\r\n\x00'):
        raise LaunchArgsError('flag %s: a value cannot contain a line break' % flag)
    check_value(flag, text)
    if is_flag(text):
        raise LaunchArgsError(
            'flag %s: the value %r starts with "-", argparse would read it as a flag'
            % (flag, text if not is_secret(flag) else catalog.MASK)
        )
    return text


class FlagEditor:
    """The flag occurrences of ``text`` under edit; ``result()`` gives the new text.

    ``quote(word)`` writes a new word so the file's language and shlex give it back;
    ``check_value(flag, text)`` refuses a task's value the file's language cannot carry.
    Raises ValueError, with shlex's message, for a text shlex cannot split.
    """

    def __init__(self, text, ui, quote, check_value):
        self.text = text
        self.ui = ui
        self.quote = quote
        self.check_value = check_value
        self.words = split_words(text)
        self.items = group(self.words, ui)
        self.warnings = []

    def live(self, flag):
        return [it for it in self.items if not it.removed and it.flag == flag]

    def new_item(self, flag, values):
        entries = [(None, self.quote(flag))] + [(None, self.quote(v)) for v in values]
        return Occurrence(flag, list(values), False, entries)

    def insert(self, item, before=None):
        if before is None:
            self.items.append(item)
        else:
            self.items.insert(self.items.index(before), item)

    def set_present(self, flag, present):
        occurrences = self.live(flag)
        if not present:
            for item in occurrences:
                item.removed = True
        elif not occurrences:
            self.insert(self.new_item(flag, []))

    def set_occurrence(self, item, values):
        if item.values == values:
            return
        if item.inline and len(values) == 1:
            item.entries = [(item.entries[0][0], self.quote(item.flag + '=' + values[0]))]
        elif item.inline:
            item.entries = [(item.entries[0][0], self.quote(item.flag))] + [(None, self.quote(v)) for v in values]
        else:
            old = item.entries[1:]
            entries = [item.entries[0]]
            for k, value in enumerate(values):
                if k < len(old):
                    entries.append(old[k] if item.values[k] == value else (old[k][0], self.quote(value)))
                else:
                    entries.append((None, self.quote(value)))
            item.entries = entries
        item.values = list(values)
        item.inline = item.inline and len(values) == 1

    def set_values(self, flag, wanted):
        """``wanted``: the values of each occurrence, in order."""
        occurrences = self.live(flag)
        for item, values in zip(occurrences, wanted):
            self.set_occurrence(item, values)
        for item in occurrences[len(wanted) :]:
            item.removed = True
        anchor = None
        if occurrences and len(wanted) > len(occurrences):
            following = self.items.index(occurrences[-1]) + 1
            anchor = self.items[following] if following < len(self.items) else None
        for values in wanted[len(occurrences) :]:
            self.insert(self.new_item(flag, values), before=anchor)

    def apply_flag(self, flag, value):
        arity = catalog.arity(self.ui, flag)
        if flag in catalog.CATALOG[self.ui]['ignored_memory_flags'] and value is True:
            self.warnings.append(
                '%s ignores %s: its own memory management decides; to force a mode use '
                'memory_mode (e.g. always-low-vram)' % (catalog.CATALOG[self.ui]['name'], flag)
            )
        if value is True or value is False:
            if value and arity in (catalog.ONE, catalog.MANY, catalog.APPEND):
                raise LaunchArgsError('flag %s takes a value: give the value, or false to remove it' % flag)
            self.set_present(flag, value)
            return
        if arity == catalog.SWITCH:
            raise LaunchArgsError('flag %s is a switch: use true or false' % flag)
        if isinstance(value, (list, tuple)):
            values = [_value_text(flag, v, self.check_value) for v in value]
            if arity in (catalog.ONE, catalog.OPTIONAL):
                raise LaunchArgsError('flag %s takes one value, not a list' % flag)
            if not values and arity != catalog.ANY:
                raise LaunchArgsError('flag %s needs at least one value; use false to remove it' % flag)
        else:
            values = [_value_text(flag, value, self.check_value)]
        if arity == catalog.APPEND:
            self.set_values(flag, [[v] for v in values])
        else:
            self.set_values(flag, [values])

    def apply_memory_mode(self, mode):
        entry = catalog.CATALOG[self.ui]
        modes = catalog.memory_modes(self.ui)
        if mode not in modes:
            ignored = [f.lstrip('-') for f in entry['ignored_memory_flags']]
            if mode not in ignored:
                raise LaunchArgsError(
                    '%s has no memory mode %r; its modes: %s' % (entry['name'], mode, ', '.join(modes))
                )
            self.warnings.append(
                '%s ignores --%s: its own memory management decides, so no memory flag is '
                'written; to force a mode choose one of: %s'
                % (entry['name'], mode, ', '.join(m for m in modes if m != 'none'))
            )
            mode = 'none'
        target = catalog.memory_flag(self.ui, mode)
        members = catalog.memory_group(self.ui)
        present = [it for it in self.items if not it.removed and it.flag in members]
        kept = next((it for it in present if it.flag == target), None)
        if target and kept is None:
            self.insert(self.new_item(target, []), before=present[0] if present else None)
        for item in present:
            if item is not kept:
                item.removed = True

    def apply_request(self, flags, memory_mode):
        """Apply a task's ``flags`` and ``memory_mode`` (``keep`` leaves the memory flags)."""
        wanted = wanted_flags(flags, self.ui, self.warnings)
        memory_mode = memory_request(wanted, memory_mode, self.ui)
        target = dict(catalog.CATALOG[self.ui]['memory_modes']).get(memory_mode)
        for flag, value in wanted:
            if value is True and target and flag == target:
                # Placed by apply_memory_mode, where the flag it replaces stood.
                continue
            self.apply_flag(flag, value)
        if memory_mode != 'keep':
            self.apply_memory_mode(memory_mode)

    def mask_secrets(self):
        """Replace the values of secret flags by the mask, each kept in its place."""
        for item in self.items:
            if is_secret(item.flag) and item.values:
                self.set_occurrence(item, [catalog.MASK for _v in item.values])

    def result(self):
        """The new variable text: kept words keep their bytes and their spacing."""
        words, text = self.words, self.text
        if not words:
            lead, tail = text, ''
        else:
            lead, tail = text[: words[0].start], text[words[-1].end :]
        out = []
        previous = None
        for item in self.items:
            if item.removed:
                continue
            for index, raw in item.entries:
                if out:
                    if previous is not None and index == previous + 1:
                        out.append(text[words[previous].end : words[index].start])
                    else:
                        out.append(' ')
                out.append(text[words[index].start : words[index].end] if raw is None else raw)
                previous = index
        return lead + ''.join(out) + tail


def wanted_flags(flags, ui, warnings):
    """The task's flags as (flag, value), names normalised, unknown ones warned about."""
    wanted = {}
    for name, value in flags.items():
        flag = normalize_flag(name, ui)
        if flag in wanted:
            raise LaunchArgsError('flags names %s twice (as %r and another spelling); give it once' % (flag, name))
        wanted[flag] = flag_value(flag, value, ui)
        if catalog.arity(ui, flag) is None:
            warnings.append(unknown_flag_warning(flag, ui))
    return list(wanted.items())


def memory_request(wanted, memory_mode, ui):
    """The one memory mode a request asks for, from memory_mode and the flags together.

    The memory flags of a UI are one exclusive choice: a memory flag set true in flags
    chooses that mode (and so removes the others, as memory_mode would); a contradiction
    is refused rather than guessed.
    """
    modes = {flag: name for name, flag in catalog.CATALOG[ui]['memory_modes'] if flag}
    target = dict(catalog.CATALOG[ui]['memory_modes']).get(memory_mode)
    chosen = [flag for flag, value in wanted if value is True and flag in modes]
    if len(chosen) > 1:
        raise LaunchArgsError(
            'flags asks for %s at once; %s takes one memory mode' % (' and '.join(chosen), catalog.CATALOG[ui]['name'])
        )
    for flag, value in wanted:
        if memory_mode == 'keep':
            break
        if value is True and flag in catalog.memory_group(ui) and flag != target:
            raise LaunchArgsError('flags asks for %s but memory_mode is %s' % (flag, memory_mode))
        if value is False and flag == target:
            raise LaunchArgsError('flags removes %s but memory_mode %s sets it' % (flag, memory_mode))
    if chosen and memory_mode == 'keep':
        return modes[chosen[0]]
    return memory_mode
