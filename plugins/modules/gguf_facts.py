#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: gguf_facts
short_description: Read the header of a GGUF model file (layers, embedding, heads, context)
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Reads the metadata of a GGUF (version 2 or 3, little-endian) model file, the format of llama.cpp and Ollama,
    and returns what the VRAM estimate of the C(vramfree.webui) LLM plans needs.
  - Only the header is read; the tensors are never touched, so a model of many GiB is read in a moment.
  - Every length in the file is checked against the file's size and a cap before it is read, and the arrays
    (the tokenizer's vocabulary) are skipped, not kept.
  - The file is opened without following a symbolic link at its last component and without blocking; anything
    but a regular file (a link, a FIFO, a device, a folder) is refused.
options:
  path:
    description: The GGUF file.
    type: path
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: It only reads; it does the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The model's folder belongs to the service's user, who can replace the file at will. Run the module as that
    user (C(become_user)), not as root, so that it can read nothing the user could not.
seealso:
  - name: The GGUF specification
    description: The file format, in ggml's docs/gguf.md.
    link: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

EXAMPLES = r"""
- name: Read the model's header as the service's user
  vramfree.webui.gguf_facts:
    path: /srv/llm/models/llama-3.1-8b-instruct-q4_k_m.gguf
  become: true
  become_user: llamacpp
  register: gguf

- name: Say how big it is
  ansible.builtin.debug:
    msg: "{{ gguf.model.name }}: {{ gguf.model.block_count }} blocks, {{ gguf.model.file_size_mib }} MiB"
"""

RETURN = r"""
model:
  description:
    - What the header says, C(general.*) and C(<architecture>.*) keys of the GGUF specification.
    - C(context_length), C(file_type) and C(name) are null where the file has none; C(head_count_kv) is
      C(head_count) where the file has none (a model without grouped-query attention).
  returned: success
  type: dict
  contains:
    architecture:
      description: C(general.architecture).
      type: str
      sample: llama
    block_count:
      description: The repeating layers (C(<architecture>.block_count)); llama.cpp counts one more, the output layer.
      type: int
      sample: 32
    context_length:
      description: The context the model was trained on, in tokens.
      type: int
      sample: 131072
    embedding_length:
      description: C(<architecture>.embedding_length).
      type: int
      sample: 4096
    head_count:
      description: C(<architecture>.attention.head_count).
      type: int
      sample: 32
    head_count_kv:
      description: C(<architecture>.attention.head_count_kv).
      type: int
      sample: 8
    file_type:
      description: C(general.file_type), the quantisation of most tensors (15 is Q4_K_M).
      type: int
      sample: 15
    file_size_mib:
      description: The file's size in MiB, rounded up.
      type: int
      sample: 4693
    name:
      description: C(general.name).
      type: str
      sample: Meta Llama 3.1 8B Instruct
    version:
      description: The GGUF version, 2 or 3.
      type: int
      sample: 3
"""

import errno
import os
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vramfree.webui.plugins.module_utils import _gguf

_KINDS = (
    (stat.S_ISDIR, 'a folder'),
    (stat.S_ISFIFO, 'a FIFO'),
    (stat.S_ISSOCK, 'a socket'),
    (stat.S_ISCHR, 'a character device'),
    (stat.S_ISBLK, 'a block device'),
)


def read_model(path):
    """The header of the regular file at ``path``; raises GgufError, or OSError."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _gguf.GgufError('%s is a symbolic link; give the file itself' % path) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), 'not a regular file')
            raise _gguf.GgufError('%s is %s, not a regular file' % (path, kind))
        stream = os.fdopen(fd, 'rb')
    except BaseException:
        os.close(fd)
        raise
    with stream:
        try:
            return _gguf.read_header(stream, info.st_size)
        except _gguf.GgufError as exc:
            raise _gguf.GgufError('%s: %s' % (path, exc)) from None


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type='path', required=True)),
        supports_check_mode=True,
    )
    path = module.params['path']
    try:
        model = read_model(path)
    except _gguf.GgufError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg='cannot read %s: %s' % (path, exc.strerror or exc))
    module.exit_json(changed=False, model=model)


if __name__ == '__main__':
    main()
