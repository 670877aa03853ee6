# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TO BE REPLACED by tests/doubles/make_gguf.py: a minimal GGUF v3 header (no tensors)
with the keys the stand-in LLM servers read, padded to a size (a sparse file)."""

from __future__ import annotations

import struct

U32, STR = 4, 8  # GGUF value types (ggml's gguf.h: GGUF_TYPE_UINT32, GGUF_TYPE_STRING)


def _str(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def write_gguf(
    path,
    size_mib,
    block_count,
    embedding_length,
    head_count,
    head_count_kv,
    context_length=8192,
    file_type=2,
    arch="llama",
    name=None,
):
    keys = {
        "general.architecture": arch,
        "general.file_type": file_type,
        f"{arch}.block_count": block_count,
        f"{arch}.context_length": context_length,
        f"{arch}.embedding_length": embedding_length,
        f"{arch}.attention.head_count": head_count,
        f"{arch}.attention.head_count_kv": head_count_kv,
    }
    if name:
        keys["general.name"] = name
    body = b"GGUF" + struct.pack("<IQQ", 3, 0, len(keys))
    for key, value in keys.items():
        body += _str(key) + (
            struct.pack("<I", STR) + _str(value) if isinstance(value, str) else struct.pack("<II", U32, value)
        )
    with open(path, "wb") as handle:
        handle.write(body)
        handle.truncate(size_mib * 1024 * 1024)
    return path
