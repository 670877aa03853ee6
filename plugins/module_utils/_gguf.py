# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The header of a GGUF model file: what llama.cpp's layer split and KV cache depend on.

The layout follows the GGUF specification, ggml-org/ggml docs/gguf.md (master, read in
2026): magic ``GGUF``, uint32 version, uint64 tensor count, uint64 metadata count, then
the metadata key/value pairs (a GGUF string key, a uint32 value type, the value).
Version 1 used uint32 counts and string lengths and is refused; versions 2 and 3 share
the layout read here. Only little-endian files are read (the specification's default).

The file is hostile input: every length is checked against the bytes the file still
has and against a cap before anything is read or allocated, arrays and strings that are
not needed are skipped without being kept, and reading stops after the metadata (the
tensor descriptions and data are never touched).

Nothing here imports Ansible: ``tests/doubles/make_gguf.py`` loads this file by path to
write the stand-in models with the same encoder the tests check the reader against.
"""

from __future__ import annotations

import os
import struct

MAGIC = b'GGUF'
VERSIONS = (2, 3)
MIB = 1 << 20

# gguf_metadata_value_type of docs/gguf.md: the number, the struct format of a scalar.
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
_SCALAR = {
    UINT8: '<B',
    INT8: '<b',
    UINT16: '<H',
    INT16: '<h',
    UINT32: '<I',
    INT32: '<i',
    FLOAT32: '<f',
    BOOL: '<B',
    UINT64: '<Q',
    INT64: '<q',
    FLOAT64: '<d',
}
_INTEGER = (UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64)

# Caps far above any published model and far below what a hostile length could ask for.
# Real files carry a few dozen keys; a tokenizer array holds up to a few 100k entries.
MAX_METADATA = 1 << 16
MAX_TENSORS = 1 << 20
# The specification caps keys at 65535 bytes.
MAX_KEY = 65535
# A chat template or licence text is tens of KiB; these are skipped, never kept.
MAX_STRING = 16 * MIB
MAX_ARRAY = 1 << 24
MAX_ARRAY_DEPTH = 4
# Strings kept in the result (architecture, name) are short by nature.
MAX_KEPT_STRING = 4096
# A model with more blocks than this is not a model (the largest published have ~130).
MAX_BLOCKS = 1 << 16

_KEPT_STRINGS = ('general.architecture', 'general.name')
_SKIP_CHUNK = 1 << 16


class GgufError(ValueError):
    pass


class _Reader:
    """Reads a file object forward, never past ``size`` bytes, and skips without keeping."""

    def __init__(self, fileobj, size):
        self.file = fileobj
        self.size = size
        self.pos = 0
        try:
            self.seekable = bool(fileobj.seekable())
        except (AttributeError, OSError):
            self.seekable = False

    def left(self):
        return self.size - self.pos

    def need(self, count, what):
        if count > self.left():
            raise GgufError(
                'truncated: %s needs %d bytes at offset %d, the file has %d left' % (what, count, self.pos, self.left())
            )

    def read(self, count, what):
        self.need(count, what)
        data = self.file.read(count)
        if len(data) != count:
            raise GgufError('truncated: %s at offset %d: the file ended early' % (what, self.pos))
        self.pos += count
        return data

    def skip(self, count, what):
        self.need(count, what)
        if self.seekable:
            self.file.seek(count, os.SEEK_CUR)
            self.pos += count
            return
        while count:
            chunk = self.read(min(count, _SKIP_CHUNK), what)
            count -= len(chunk)

    def scalar(self, value_type, what):
        fmt = _SCALAR[value_type]
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))[0]

    def string_length(self, cap, what):
        length = self.scalar(UINT64, what + ' length')
        if length > cap:
            raise GgufError('%s is %d bytes long, over the %d bytes allowed' % (what, length, cap))
        self.need(length, what)
        return length


def _value(reader, value_type, key, keep_string, depth=0):
    """Read one value: a scalar, a string (kept only if asked) or an array (skipped)."""
    if value_type in _SCALAR:
        value = reader.scalar(value_type, 'the value of %s' % key)
        if value_type == BOOL:
            if value not in (0, 1):
                raise GgufError('%s is a bool of value %d (only 0 and 1 are valid)' % (key, value))
            return bool(value)
        return value
    if value_type == STRING:
        cap = MAX_KEPT_STRING if keep_string else MAX_STRING
        length = reader.string_length(cap, 'the string %s' % key)
        if not keep_string:
            reader.skip(length, 'the string %s' % key)
            return None
        try:
            return reader.read(length, 'the string %s' % key).decode('utf-8')
        except UnicodeDecodeError:
            raise GgufError('%s is not UTF-8' % key) from None
    if value_type == ARRAY:
        _skip_array(reader, key, depth + 1)
        return None
    raise GgufError('%s has value type %d, which GGUF does not define' % (key, value_type))


def _skip_array(reader, key, depth):
    if depth > MAX_ARRAY_DEPTH:
        raise GgufError('%s nests arrays more than %d deep' % (key, MAX_ARRAY_DEPTH))
    element_type = reader.scalar(UINT32, 'the element type of %s' % key)
    count = reader.scalar(UINT64, 'the length of %s' % key)
    if count > MAX_ARRAY:
        raise GgufError('the array %s has %d elements, over the %d allowed' % (key, count, MAX_ARRAY))
    if element_type in _SCALAR:
        reader.skip(count * struct.calcsize(_SCALAR[element_type]), 'the array %s' % key)
        return
    if element_type == STRING:
        # Each element carries at least its 8-byte length: a count the file cannot hold
        # is refused before looping over it.
        reader.need(count * 8, 'the array %s' % key)
        for _element in range(count):
            reader.skip(reader.string_length(MAX_STRING, 'an element of %s' % key), 'an element of %s' % key)
        return
    if element_type == ARRAY:
        reader.need(count * 12, 'the array %s' % key)
        for _element in range(count):
            _skip_array(reader, key, depth + 1)
        return
    raise GgufError('the array %s has element type %d, which GGUF does not define' % (key, element_type))


def _integer(metadata, key, required=True):
    value = metadata.get(key)
    if value is None or isinstance(value, (bool, float)):
        if required:
            raise GgufError('no integer %s in the metadata' % key)
        return None
    if value < 0:
        raise GgufError('%s is negative (%d)' % (key, value))
    return value


def read_header(fileobj, size):
    """Read the GGUF header of ``fileobj`` (``size`` bytes long, positioned at its start).

    Returns ``{architecture, block_count, context_length, embedding_length, head_count,
    head_count_kv, file_type, file_size_mib, name, version}``; ``context_length``,
    ``file_type`` and ``name`` are None where the file has none, ``head_count_kv`` is
    ``head_count`` where the file has none (the specification's meaning: no GQA), and
    ``file_size_mib`` is ``size`` in MiB rounded up. Raises GgufError otherwise.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise GgufError('the file size must be a byte count, got %r' % (size,))
    reader = _Reader(fileobj, size)
    magic = reader.read(4, 'the magic number')
    if magic != MAGIC:
        raise GgufError('not a GGUF file: it starts with %r, not %r' % (magic, MAGIC))
    version = reader.scalar(UINT32, 'the version')
    if version not in VERSIONS:
        if version == 1:
            raise GgufError('GGUF version 1 (32-bit counts) is not read; convert the model with a current llama.cpp')
        if version > 0xFFFF:
            raise GgufError('GGUF version %d: a big-endian file? only little-endian files are read' % version)
        raise GgufError('GGUF version %d is not read (versions %s are)' % (version, ', '.join(map(str, VERSIONS))))
    tensor_count = reader.scalar(UINT64, 'the tensor count')
    if tensor_count > MAX_TENSORS:
        raise GgufError('the header counts %d tensors, over the %d allowed' % (tensor_count, MAX_TENSORS))
    kv_count = reader.scalar(UINT64, 'the metadata count')
    # The smallest pair: an 8-byte key length, a 1-byte key, a 4-byte type, a 1-byte value.
    if kv_count > MAX_METADATA or kv_count * 14 > reader.left():
        raise GgufError(
            'the header counts %d metadata pairs, more than the file can hold or %d' % (kv_count, MAX_METADATA)
        )

    metadata = {}
    for index in range(kv_count):
        key_length = reader.string_length(MAX_KEY, 'metadata key %d' % index)
        raw_key = reader.read(key_length, 'metadata key %d' % index)
        try:
            key = raw_key.decode('ascii')
        except UnicodeDecodeError:
            raise GgufError('metadata key %d is not ASCII' % index) from None
        value_type = reader.scalar(UINT32, 'the value type of %s' % key)
        value = _value(reader, value_type, key, keep_string=key in _KEPT_STRINGS)
        if value is not None:
            metadata[key] = value

    architecture = metadata.get('general.architecture')
    if not isinstance(architecture, str) or not architecture:
        raise GgufError('no general.architecture in the metadata')
    block_count = _integer(metadata, architecture + '.block_count')
    if not 1 <= block_count <= MAX_BLOCKS:
        raise GgufError('%s.block_count is %d, outside 1-%d' % (architecture, block_count, MAX_BLOCKS))
    head_count = _integer(metadata, architecture + '.attention.head_count')
    head_count_kv = _integer(metadata, architecture + '.attention.head_count_kv', required=False)
    name = metadata.get('general.name')
    return {
        'architecture': architecture,
        'block_count': block_count,
        'context_length': _integer(metadata, architecture + '.context_length', required=False),
        'embedding_length': _integer(metadata, architecture + '.embedding_length'),
        'head_count': head_count,
        'head_count_kv': head_count if head_count_kv is None else head_count_kv,
        'file_type': _integer(metadata, 'general.file_type', required=False),
        'file_size_mib': -(-size // MIB),
        'name': name if isinstance(name, str) else None,
        'version': version,
    }


# Writing: the tests' files and the stand-in models.


def _encode_string(text):
    data = text.encode('utf-8') if isinstance(text, str) else bytes(text)
    return struct.pack('<Q', len(data)) + data


def _encode_value(value_type, value):
    if value_type in _SCALAR:
        return struct.pack(_SCALAR[value_type], value)
    if value_type == STRING:
        return _encode_string(value)
    if value_type == ARRAY:
        element_type, elements = value
        body = b''.join(_encode_value(element_type, element) for element in elements)
        return struct.pack('<IQ', element_type, len(elements)) + body
    raise ValueError('unknown GGUF value type %r' % (value_type,))


def encode_header(metadata, version=3, tensor_count=0, magic=MAGIC):
    """The bytes of a GGUF header: ``metadata`` is a sequence of (key, value type, value),
    an array's value being (element type, elements). ``version`` and ``magic`` may be
    anything, for the tests of what the reader refuses."""
    out = [magic, struct.pack('<IQQ', version, tensor_count, len(metadata))]
    for key, value_type, value in metadata:
        out.append(_encode_string(key))
        out.append(struct.pack('<I', value_type))
        out.append(_encode_value(value_type, value))
    return b''.join(out)


def model_metadata(
    architecture, block_count, embedding_length, head_count, head_count_kv, context_length, name=None, file_type=15
):
    """The metadata of a model as llama.cpp's converter writes it, in its order (the
    general keys first); ``file_type`` 15 is MOSTLY_Q4_K_M of the specification."""
    metadata = [('general.architecture', STRING, architecture)]
    if name is not None:
        metadata.append(('general.name', STRING, name))
    metadata += [
        (architecture + '.context_length', UINT32, context_length),
        (architecture + '.embedding_length', UINT32, embedding_length),
        (architecture + '.block_count', UINT32, block_count),
        (architecture + '.attention.head_count', UINT32, head_count),
        (architecture + '.attention.head_count_kv', UINT32, head_count_kv),
        ('general.file_type', UINT32, file_type),
        ('general.quantization_version', UINT32, 2),
    ]
    return metadata


def write_model(path, size, metadata, version=3):
    """Write a GGUF header with ``metadata`` to ``path`` and pad it with zeros to ``size``
    bytes as a sparse file (seek and truncate: a 7 GiB stand-in takes no disk)."""
    header = encode_header(metadata, version=version)
    if size < len(header):
        raise ValueError('the size %d is under the header\'s %d bytes' % (size, len(header)))
    with open(path, 'wb') as stream:
        stream.write(header)
        stream.truncate(size)
    return len(header)
