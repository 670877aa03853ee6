# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of A1111's extensions-builtin/ScuNET/preload.py (v1.10.1): the flag the
built-in ScuNET extension adds to the command line, under its real name."""


def preload(parser):
    # A1111's default is a folder under its models folder; the stand-in loads no models.
    parser.add_argument("--scunet-models-path", type=str, default=None, help="folder of the ScuNET model files")
