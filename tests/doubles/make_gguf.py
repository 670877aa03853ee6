#!/usr/bin/env python
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make a stand-in model: a real GGUF v3 header padded to a stated size, as a sparse file.

    make_gguf.py PATH --size-mib N --layers L --embd E --heads H --heads-kv K --ctx C \
        [--arch llama] [--name NAME] [--file-type 15]

The header is what vramfree.webui.gguf_facts and the stand-in servers read (block count,
embedding length, head counts, context length); the rest of the file is a hole, so a
model of many GiB costs no disk. The encoder is the collection's own
(plugins/module_utils/_gguf.py), loaded by path so that no Ansible is needed.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import sys

_GGUF_PATH = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "_gguf.py"


def load_gguf():
    spec = importlib.util.spec_from_file_location("vramfree_gguf", _GGUF_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, got %s" % text)
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--size-mib", type=_positive, required=True, help="the file's size in MiB")
    parser.add_argument("--layers", type=_positive, required=True, help="block_count")
    parser.add_argument("--embd", type=_positive, required=True, help="embedding_length")
    parser.add_argument("--heads", type=_positive, required=True, help="attention.head_count")
    parser.add_argument("--heads-kv", type=_positive, help="attention.head_count_kv (default: --heads)")
    parser.add_argument("--ctx", type=_positive, required=True, help="context_length the model was trained on")
    parser.add_argument("--arch", default="llama", help="general.architecture (default: llama)")
    parser.add_argument("--name", help="general.name")
    parser.add_argument("--file-type", type=int, default=15, help="general.file_type (default: 15, Q4_K_M)")
    args = parser.parse_args(argv)

    gguf = load_gguf()
    metadata = gguf.model_metadata(
        args.arch,
        block_count=args.layers,
        embedding_length=args.embd,
        head_count=args.heads,
        head_count_kv=args.heads_kv or args.heads,
        context_length=args.ctx,
        name=args.name,
        file_type=args.file_type,
    )
    try:
        gguf.write_model(args.path, args.size_mib * gguf.MIB, metadata)
    except (OSError, ValueError) as error:
        parser.exit(1, "make_gguf.py: %s\n" % error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
