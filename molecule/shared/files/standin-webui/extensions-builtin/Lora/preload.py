# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of A1111's extensions-builtin/Lora/preload.py (v1.10.1): the flags the
built-in Lora extension adds to the command line, under their real names."""


def preload(parser):
    # A1111's defaults are folders under its models folder; the stand-in loads no models.
    parser.add_argument("--lora-dir", type=str, default=None, help="folder of the Lora networks")
    # Named so that --lyco-dir, the old LyCORIS extension's flag, still works as an
    # abbreviation argparse accepts.
    parser.add_argument("--lyco-dir-backcompat", type=str, default=None, help="folder of the LyCORIS networks")
