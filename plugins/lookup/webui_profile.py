# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: webui_profile
short_description: What the collection knows of a web UI, from its profile
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Returns the profile of one web UI (C(a1111), C(forge), C(sdnext) or C(comfyui)) or LLM server
    (C(ollama), C(llamacpp)), that is where
    it is cloned from and at which version, its default folder name, its launch file and
    that file's format, the file that shows it is installed, how it is started, which of
    its files list the flags it accepts, how it is told its address, and whether it serves
    A1111's API.
  - The webui role and the playbooks read a UI only through this lookup; the profiles
    themselves are in C(plugins/module_utils/_profiles.py) (docs/extending.md).
options:
  _terms:
    description: The web UI, usually C(webui_ui).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: The file that holds ComfyUI's arguments
  ansible.builtin.debug:
    msg: "{{ lookup('vramfree.webui.webui_profile', 'comfyui').launch_file }}"
"""

RETURN = r"""
_raw:
  description: The profile, one dict.
  type: list
  elements: dict
  contains:
    name:
      description: The UI's own name.
      type: str
    repo:
      description: The git repository webui_install clones.
      type: str
    version:
      description: The tag or branch webui_install checks out.
      type: str
    dir_name:
      description: The install's default folder name, under the web UI user's home.
      type: str
    launch_file:
      description: The file that holds the UI's arguments, relative to the install.
      type: str
    launch_format:
      description: That file's format, as the webui_flags module's O(vramfree.webui.webui_flags#module:format).
      type: str
    entry:
      description: The file that shows the UI is installed, and that the service starts.
      type: str
    exec:
      description:
        - C(script), the UI's own launcher script (it reads the launch file itself), run with bash.
        - C(python), the entry run by the web UI's Python with the launch file's words as its
          arguments, in a venv the role makes when the UI ships no launcher.
      type: str
    validate_with:
      description: The files, relative to the install, whose C(add_argument) calls list the flags it accepts.
      type: list
      elements: str
    bind:
      description:
        - C(server-name) (C(--listen) means every address, C(--server-name) one) or C(listen) (C(--listen ADDR)).
        - For the LLM servers C(ollama-host) (C(OLLAMA_HOST=ADDR:PORT)) or C(host-port) (C(--host ADDR --port PORT)).
      type: str
    api:
      description: C(sdapi) where the UI serves A1111's C(/sdapi/v1/txt2img) API, C(ollama) or C(openai) for the LLM servers, else null.
      type: str
    catalog_version:
      description: The upstream version the UI's flag catalog was read from (null for the LLM servers).
      type: str
    kind:
      description: C(image) for the web UIs, C(llm) for the LLM servers, which have no launch file.
      type: str
    service:
      description: C(own), a unit the role writes; C(vendor), the unit the server's installer wrote, changed only through a drop-in.
      type: str
    unit:
      description: The unit's default name.
      type: str
    service_name:
      description: The unit's default name without C(.service), C(webui_service_name)'s default.
      type: str
    user:
      description: The user it runs as by default.
      type: str
    port:
      description: Its default port.
      type: int
    probe_path:
      description: The path that answers once it is up.
      type: str
    memory:
      description: How the free VRAM becomes its settings, C(modes), C(ollama-settings) or C(gpu-layers) (docs/llm-memory.md).
      type: str
    model_format:
      description: The model file the role reads before planning (C(gguf)), or null.
      type: str
"""

from ansible.errors import AnsibleLookupError  # noqa: E402
from ansible.plugins.lookup import LookupBase  # noqa: E402

from ansible_collections.vramfree.webui.plugins.module_utils import _profiles  # noqa: E402


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        if len(terms) != 1:
            raise AnsibleLookupError('webui_profile: give one web UI, got %d' % len(terms))
        try:
            return [_profiles.play_view(terms[0])]
        except _profiles.ProfileError as exc:
            raise AnsibleLookupError('webui_profile: %s' % exc) from None
