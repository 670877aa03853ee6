# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The GGUF header reader against headers the encoder writes, whole, cut short or
hostile, and the stand-in model script that uses the same encoder."""

from __future__ import annotations

import io
import os
import pathlib
import struct
import subprocess
import sys

import pytest

from ansible_collections.vramfree.webui.plugins.module_utils import _gguf
from ansible_collections.vramfree.webui.plugins.module_utils._gguf import GgufError, read_header

MAKE_GGUF = str(pathlib.Path(__file__).resolve().parents[3] / "doubles" / "make_gguf.py")

# Llama 3.1 8B's shape, as its converted file states it.
LLAMA8B = dict(block_count=32, embedding_length=4096, head_count=32, head_count_kv=8, context_length=131072)


def llama(**changes):
    shape = dict(LLAMA8B, name="Meta Llama 3.1 8B Instruct")
    shape.update(changes)
    return _gguf.model_metadata("llama", **shape)


def read(data, size=None):
    return read_header(io.BytesIO(data), len(data) if size is None else size)


class CountingReader(io.RawIOBase):
    """A file object that records the largest read asked of it and the bytes handed out."""

    def __init__(self, data):
        self.data = io.BytesIO(data)
        self.largest = 0
        self.handed = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        return self.data.seek(offset, whence)

    def readinto(self, buffer):
        self.largest = max(self.largest, len(buffer))
        chunk = self.data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.handed += len(chunk)
        return len(chunk)


def test_round_trip_gives_the_shape_the_writer_wrote():
    header = _gguf.encode_header(llama())
    model = read(header + b"\0" * 1000, size=4693 * _gguf.MIB)
    assert model == {
        "architecture": "llama",
        "block_count": 32,
        "context_length": 131072,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "file_type": 15,
        "file_size_mib": 4693,
        "name": "Meta Llama 3.1 8B Instruct",
        "version": 3,
    }


def test_version_2_is_read_and_the_size_rounds_up():
    model = read(_gguf.encode_header(llama(), version=2), size=_gguf.MIB + 1)
    assert model["version"] == 2 and model["file_size_mib"] == 2


def test_keys_in_any_order_and_of_any_integer_width():
    metadata = [
        ("qwen2.block_count", _gguf.UINT64, 28),
        ("qwen2.attention.head_count", _gguf.UINT16, 28),
        ("qwen2.embedding_length", _gguf.INT32, 3584),
        ("general.architecture", _gguf.STRING, "qwen2"),
    ]
    model = read(_gguf.encode_header(metadata))
    assert (model["architecture"], model["block_count"], model["embedding_length"]) == ("qwen2", 28, 3584)
    # No head_count_kv: no grouped-query attention, one KV head per head.
    assert model["head_count_kv"] == 28
    assert model["context_length"] is None and model["name"] is None and model["file_type"] is None


def test_arrays_are_skipped_and_what_follows_them_is_read():
    tokens = ["<tok%d>" % i for i in range(150000)]
    metadata = (
        llama()[:1]
        + [
            ("tokenizer.ggml.tokens", _gguf.ARRAY, (_gguf.STRING, tokens)),
            ("tokenizer.ggml.scores", _gguf.ARRAY, (_gguf.FLOAT32, [0.5] * 1000000)),
            ("nested", _gguf.ARRAY, (_gguf.ARRAY, [(_gguf.UINT8, [1, 2]), (_gguf.STRING, ["a"])])),
            ("tokenizer.chat_template", _gguf.STRING, "{{ messages }}" * 100000),
        ]
        + llama()[1:]
    )
    data = _gguf.encode_header(metadata)
    stream = CountingReader(data)
    model = read_header(io.BufferedReader(stream), len(data))
    assert model["block_count"] == 32 and model["name"] == "Meta Llama 3.1 8B Instruct"
    # The scores and the template are skipped by seeking, never read in; the vocabulary's
    # strings are passed one length at a time.
    assert stream.handed < len(data) // 2


def test_only_the_header_is_read_not_the_tensors():
    header = _gguf.encode_header(llama(), tensor_count=291)
    stream = CountingReader(header + b"\xff" * 100000)
    read_header(stream, len(header) + 100000)
    assert stream.handed == len(header)


@pytest.mark.parametrize("cut", [0, 3, 4, 10, 23, 30, -1])
def test_a_truncated_header_is_refused(cut):
    header = _gguf.encode_header(llama())
    data = header[:cut]
    with pytest.raises(GgufError, match="truncated|more than the file can hold"):
        read(data)


def test_a_size_smaller_than_the_data_is_believed_not_the_data():
    header = _gguf.encode_header(llama())
    with pytest.raises(GgufError, match="truncated"):
        read(header + b"\0" * 100, size=len(header) - 1)


def test_a_stream_that_ends_before_its_stated_size_is_refused():
    header = _gguf.encode_header(llama())
    with pytest.raises(GgufError, match="ended early"):
        read(header[:-2], size=len(header) + 10)


@pytest.mark.parametrize("magic", [b"GGML", b"\0\0\0\0", b"FUGG", b"gguf"])
def test_bad_magic_is_refused(magic):
    with pytest.raises(GgufError, match="not a GGUF file"):
        read(_gguf.encode_header(llama(), magic=magic))


def test_a_file_that_is_not_a_model_is_refused():
    with pytest.raises(GgufError, match="not a GGUF file"):
        read(b"#!/bin/sh\necho hello\n")


def test_version_1_is_refused_with_what_to_do():
    with pytest.raises(GgufError, match="version 1 .*convert"):
        read(_gguf.encode_header(llama(), version=1))


@pytest.mark.parametrize("version, message", [(0, "version 0 is not read"), (4, "version 4"), (3 << 24, "big-endian")])
def test_other_versions_are_refused(version, message):
    with pytest.raises(GgufError, match=message):
        read(_gguf.encode_header(llama(), version=version))


def huge_string_header(length, key=b"general.architecture"):
    """A header whose first key holds a string claiming ``length`` bytes."""
    return (
        b"GGUF"
        + struct.pack("<IQQ", 3, 0, 1)
        + struct.pack("<Q", len(key))
        + key
        + struct.pack("<I", _gguf.STRING)
        + struct.pack("<Q", length)
        + b"llama"
    )


@pytest.mark.parametrize("length", [2**63, 2**64 - 1, _gguf.MAX_STRING + 1])
def test_a_huge_string_length_is_refused_without_reading_it(length):
    data = huge_string_header(length, key=b"tokenizer.chat_template")
    stream = CountingReader(data)
    with pytest.raises(GgufError, match="over the .* bytes allowed"):
        read_header(stream, 2**62)
    # Nothing of the claimed length was asked for.
    assert stream.largest <= 64


def test_a_string_longer_than_the_file_is_refused_as_truncated():
    data = huge_string_header(1000, key=b"tokenizer.chat_template")
    stream = CountingReader(data)
    with pytest.raises(GgufError, match="truncated"):
        read_header(stream, len(data))
    assert stream.largest <= 64


def test_a_kept_string_is_short():
    with pytest.raises(GgufError, match="general.architecture is 5000 bytes long"):
        read(huge_string_header(5000) + b"x" * 5000)


def test_a_huge_key_length_is_refused():
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**40) + b"k" * 100
    with pytest.raises(GgufError, match="metadata key 0 is 1099511627776 bytes long"):
        read_header(io.BytesIO(data), 2**50)


@pytest.mark.parametrize(
    "count, message", [(_gguf.MAX_METADATA + 1, "metadata pairs"), (2**64 - 1, "metadata pairs"), (1000, "can hold")]
)
def test_absurd_metadata_counts_are_refused_before_looping(count, message):
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, count) + b"\0" * 64
    with pytest.raises(GgufError, match=message):
        read(data, size=len(data) if count == 1000 else 2**62)


def test_an_absurd_tensor_count_is_refused():
    with pytest.raises(GgufError, match="tensors"):
        read(_gguf.encode_header(llama(), tensor_count=2**63))


def array_header(element_type, count, body=b""):
    return (
        b"GGUF"
        + struct.pack("<IQQ", 3, 0, 1)
        + struct.pack("<Q", 21)
        + b"tokenizer.ggml.tokens"
        + struct.pack("<IIQ", _gguf.ARRAY, element_type, count)
        + body
    )


@pytest.mark.parametrize("element_type", [_gguf.STRING, _gguf.UINT32, _gguf.ARRAY])
def test_an_array_longer_than_the_file_is_refused_without_looping(element_type):
    # 10 million elements claimed, 16 bytes there: refused at once, not element by element.
    data = array_header(element_type, 10**7, b"\0" * 16)
    stream = CountingReader(data)
    with pytest.raises(GgufError, match="truncated"):
        read_header(stream, len(data))
    assert stream.handed < len(data)


def test_an_array_over_the_cap_is_refused():
    with pytest.raises(GgufError, match="elements, over"):
        read(array_header(_gguf.UINT8, _gguf.MAX_ARRAY + 1), size=2**40)


def test_arrays_nested_too_deep_are_refused():
    value = (_gguf.UINT8, [1])
    for _level in range(_gguf.MAX_ARRAY_DEPTH):
        value = (_gguf.ARRAY, [value])
    with pytest.raises(GgufError, match="nests arrays"):
        read(_gguf.encode_header([("deep", _gguf.ARRAY, value)] + llama()))


@pytest.mark.parametrize(
    "metadata, message",
    [
        ([("general.architecture", 13, 0)], "value type 13"),
        ([("x", _gguf.ARRAY, (99, []))], "element type 99"),
        ([("general.architecture", _gguf.BOOL, 2)], "only 0 and 1"),
        ([("general.architecture", _gguf.STRING, b"\xff\xfe")], "not UTF-8"),
        ([("ключ", _gguf.UINT8, 1)], "not ASCII"),
    ],
)
def test_malformed_values_are_refused(metadata, message):
    data = _gguf.encode_header([(key, t, v) for key, t, v in metadata if t != 13])
    if metadata[0][1] == 13:
        # The encoder writes only defined types: this one is written by hand.
        data = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 20) + b"general.architecture"
        data += struct.pack("<I", 13) + b"\0" * 16
    with pytest.raises(GgufError, match=message):
        read(data)


@pytest.mark.parametrize(
    "drop, message",
    [
        ("general.architecture", "no general.architecture"),
        ("llama.block_count", "no integer llama.block_count"),
        ("llama.attention.head_count", "no integer llama.attention.head_count"),
        ("llama.embedding_length", "no integer llama.embedding_length"),
    ],
)
def test_a_required_key_missing_is_refused(drop, message):
    with pytest.raises(GgufError, match=message):
        read(_gguf.encode_header([kv for kv in llama() if kv[0] != drop]))


@pytest.mark.parametrize("blocks, message", [(0, "outside"), (_gguf.MAX_BLOCKS + 1, "outside"), (-1, "negative")])
def test_absurd_block_counts_are_refused(blocks, message):
    metadata = [kv for kv in llama() if kv[0] != "llama.block_count"]
    metadata.append(("llama.block_count", _gguf.INT32 if blocks < 0 else _gguf.UINT32, blocks))
    with pytest.raises(GgufError, match=message):
        read(_gguf.encode_header(metadata))


def test_a_float_where_a_count_belongs_is_refused():
    metadata = [kv for kv in llama() if kv[0] != "llama.attention.head_count"]
    metadata.append(("llama.attention.head_count", _gguf.FLOAT32, 32.0))
    with pytest.raises(GgufError, match="no integer llama.attention.head_count"):
        read(_gguf.encode_header(metadata))


def test_a_stream_that_cannot_seek_is_skipped_by_reading():
    class Pipe(CountingReader):
        def seekable(self):
            return False

        def seek(self, *args):
            raise OSError("not seekable")

    metadata = llama()[:1] + [("tokenizer.chat_template", _gguf.STRING, "x" * 200000)] + llama()[1:]
    data = _gguf.encode_header(metadata)
    stream = Pipe(data)
    assert read_header(stream, len(data))["block_count"] == 32
    assert stream.largest <= 1 << 16


def test_make_gguf_writes_a_sparse_model_the_reader_reads(tmp_path):
    path = tmp_path / "model.gguf"
    subprocess.run(
        [sys.executable, MAKE_GGUF, str(path), "--size-mib", "2048", "--layers", "40", "--embd", "5120"]
        + ["--heads", "40", "--heads-kv", "8", "--ctx", "32768", "--name", "stand-in 13B"],
        check=True,
        # The collection is not importable there: the script loads the encoder by its file path.
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": ""},
    )
    info = os.stat(path)
    assert info.st_size == 2048 * _gguf.MIB
    # A hole, not 2 GiB of zeros on disk.
    assert info.st_blocks * 512 < 1 * _gguf.MIB
    with open(path, "rb") as stream:
        model = read_header(stream, info.st_size)
    assert model == {
        "architecture": "llama",
        "block_count": 40,
        "context_length": 32768,
        "embedding_length": 5120,
        "head_count": 40,
        "head_count_kv": 8,
        "file_type": 15,
        "file_size_mib": 2048,
        "name": "stand-in 13B",
        "version": 3,
    }


def test_make_gguf_refuses_bad_arguments(tmp_path):
    result = subprocess.run(
        [sys.executable, MAKE_GGUF, str(tmp_path / "m.gguf"), "--size-mib", "0", "--layers", "1"]
        + ["--embd", "8", "--heads", "1", "--ctx", "8"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and "must be 1 or more" in result.stderr
    assert not (tmp_path / "m.gguf").exists()
