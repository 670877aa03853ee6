# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one error every layer of the COMMANDLINE_ARGS edit raises.

It sits below the file formats and the flag editor so that both can refuse with it
without knowing of each other; the module turns it into a failure naming the file.
"""

from __future__ import annotations

from ansible_collections.vramfree.webui.plugins.module_utils._secrets import mask_line


class LaunchArgsError(Exception):
    """A file or a request this module will not act on; the file stays as it is."""

    def __init__(self, msg, line_no=None, line=None):
        if line_no is not None:
            msg = '%s (line %d: %s)' % (msg, line_no, mask_line(line))
        super().__init__(msg)
        self.line_no = line_no
