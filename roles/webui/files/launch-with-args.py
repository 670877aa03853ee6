# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a Python program with the words of $COMMANDLINE_ARGS as its arguments.

For web UIs that read only their argv (ComfyUI). The words are split with
shlex.split, as A1111 splits the variable, so the program receives exactly the
arguments the webui_flags module reports: a value with a space stays one argument,
and no shell is involved. The interpreter is exec'd, so the service's main PID is
the web UI's.

    python launch-with-args.py main.py   ->   python main.py <words of COMMANDLINE_ARGS>
"""

import os
import shlex
import sys

words = shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))
os.execv(sys.executable, [sys.executable] + sys.argv[1:] + words)
