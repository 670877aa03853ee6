# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What each web UI's command line looks like, read from its profile (``_profiles``).

The module ``webui_flags``, the memory-mode table and the benchmark read the flags
through these functions; the flags themselves are part of each UI's profile.
"""

from __future__ import annotations

import ast
import re

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles

# The arities of the profiles' flag tables, for the parsers that read them.
SWITCH = _profiles.SWITCH
ONE = _profiles.ONE
OPTIONAL = _profiles.OPTIONAL
MANY = _profiles.MANY
ANY = _profiles.ANY
APPEND = _profiles.APPEND

# The profiles, under the name the flag functions have always used for them.
CATALOG = _profiles.PROFILES
UIS = tuple(CATALOG)
VERSIONS = {ui: entry['catalog_version'] for ui, entry in CATALOG.items()}
BUILTIN_EXTENSION_FLAGS = {ui: entry['builtin_extension_flags'] for ui, entry in CATALOG.items()}

# Values of these flags are credentials: user:password pairs, tokens, URLs with a
# password. Paths to files holding credentials (--gradio-auth-path, --auth-file) are not
# secret and stay visible. The set is shared by all UIs: a file written for one UI and
# edited as another still never leaks a password.
# Whether a flag as written is one of them (prefixes and _ spellings too) is
# _secrets.is_secret, the one rule every masking uses.
SECRET_FLAGS = frozenset(
    [
        '--gradio-auth',
        '--api-auth',
        '--auth',
        '--ngrok',
        '--ngrok-options',
        '--database-url',
    ]
)

MASK = '********'


def memory_modes(ui):
    """The UI's memory mode names, fastest first."""
    return tuple(name for name, _flag in CATALOG[ui]['memory_modes'])


def memory_flag(ui, mode):
    """The flag that selects ``mode`` for ``ui`` (None for ``none``)."""
    return dict(CATALOG[ui]['memory_modes'])[mode]


def memory_group(ui):
    """Every flag that belongs to the UI's exclusive memory choice."""
    flags = [flag for _name, flag in CATALOG[ui]['memory_modes'] if flag]
    flags.extend(CATALOG[ui]['ignored_memory_flags'])
    return tuple(flags)


def all_memory_mode_names():
    """Every memory mode name of every UI, for the module's choices, then the names of
    flags a UI ignores: asking for one of those gets a warning saying so, not a refusal."""
    names = []
    for ui in UIS:
        for name in memory_modes(ui):
            if name not in names:
                names.append(name)
    for ui in UIS:
        for flag in CATALOG[ui]['ignored_memory_flags']:
            if flag[2:] not in names:
                names.append(flag[2:])
    return names


def ignored_memory_mode(ui, mode):
    """Whether ``mode`` names a memory flag ``ui`` parses and never acts on."""
    return '--' + mode in CATALOG[ui]['ignored_memory_flags']


def arity(ui, flag):
    """How many values ``flag`` takes for ``ui``; None when the catalog does not know it."""
    entry = CATALOG[ui]
    if flag in entry['values']:
        return entry['values'][flag]
    if flag in entry['switches']:
        return SWITCH
    return None


_ADD_ARGUMENT_TEXT = re.compile(r'''add_argument\(\s*((?:(?:'[^']*'|"[^"]*")\s*,\s*)*(?:'[^']*'|"[^"]*"))''')
_QUOTED = re.compile(r'''(?:'([^']*)'|"([^"]*)")''')


def defined_flags(source):
    """Option strings of every ``add_argument`` call in a UI's argument definitions.

    The file is only read, never imported or run: it imports torch and the UI's own
    modules. ``ast`` is exact; a file whose syntax is newer than the Python running this
    falls back to a textual scan of the same calls.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _defined_flags_text(source)
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == 'add_argument'):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith('-'):
                names.add(arg.value)
    return names


def _defined_flags_text(source):
    names = set()
    for match in _ADD_ARGUMENT_TEXT.finditer(source):
        for single, double in _QUOTED.findall(match.group(1)):
            value = single or double
            if value.startswith('-'):
                names.add(value)
    return names


def unknown_flags(flags, accepted):
    """Flags that argparse, given the ``accepted`` option strings, would reject.

    argparse also accepts an unambiguous prefix of a long option (``allow_abbrev``), so
    a prefix of exactly one accepted flag passes, as it does at launch.
    """
    unknown = []
    for flag in flags:
        if flag in accepted:
            continue
        matches = [name for name in accepted if name.startswith('--') and name.startswith(flag)]
        if flag.startswith('--') and len(matches) == 1:
            continue
        if flag not in unknown:
            unknown.append(flag)
    return unknown
