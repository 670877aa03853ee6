# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of A1111's modules/script_loading.py (v1.10.1): the extensions' preload step.

A1111 runs the preload() of every <extensions folder>/<name>/preload.py, in name order,
with the command-line parser, before the command line is parsed: that is how built-in
extensions (Lora, LDSR, ScuNET, SwinIR) add flags of their own. A preload that fails is
reported and skipped, as A1111 does, so one broken extension does not stop the UI.
"""

import importlib.util
import os
import sys
import traceback


def load_module(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload_extensions(extensions_dir, parser):
    if not os.path.isdir(extensions_dir):
        return
    for name in sorted(os.listdir(extensions_dir)):
        script = os.path.join(extensions_dir, name, "preload.py")
        if not os.path.isfile(script):
            continue
        try:
            module = load_module(script)
            if hasattr(module, "preload"):
                module.preload(parser)
        except Exception:  # pylint: disable=broad-exception-caught
            print("Error running preload() for %s" % script, file=sys.stderr)
            traceback.print_exc()
