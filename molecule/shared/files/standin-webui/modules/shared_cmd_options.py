# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of A1111's modules/shared_cmd_options.py (v1.10.1): where the command line
is parsed for good.

The parser of modules/cmd_args.py first gets the built-in extensions' flags
(extensions-builtin/*/preload.py), then parses strictly: a flag neither defines makes
the UI exit with status 2. A1111 also preloads the user's enabled extensions (the
extensions folder) before the built-in ones; the stand-in is installed without any, so
it reads only the built-in folder.
"""

import os

from modules import script_loading
from modules.cmd_args import parser

extensions_builtin_dir = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "extensions-builtin")

script_loading.preload_extensions(extensions_builtin_dir, parser)

cmd_opts = parser.parse_args()
