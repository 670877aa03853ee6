# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet's web UI table."""

from __future__ import annotations

import pytest

from ansible_collections.vramfree.webui.plugins.plugin_utils._webui_report import webui_rows, webui_table


def test_one_line_per_host_in_name_order():
    fleet = {
        "sd-970": {"ui": "a1111", "configured": True, "gpu": 0, "memory_mode": "none", "url": "http://127.0.0.1:7860/"},
        "sd-1060": {
            "ui": "comfyui",
            "configured": True,
            "gpu": 1,
            "memory_mode": "lowvram",
            "url": "http://10.0.0.5:8188/",
        },
        "nas": {"ui": "a1111", "configured": False, "gpu": None},
        "down": None,
    }
    assert webui_table(fleet) == [
        "HOST     UI       GPU  MEMORY MODE             URL ON THE HOST",
        "-------  -------  ---  ----------------------  ----------------------",
        "down     -        -    not run                 -",
        "nas      a1111    -    not configured: no GPU  -",
        "sd-1060  comfyui  1    lowvram                 http://10.0.0.5:8188/",
        "sd-970   a1111    0    none (no memory flag)   http://127.0.0.1:7860/",
    ]


def test_not_a_mapping_is_refused():
    with pytest.raises(TypeError, match="expected a mapping"):
        webui_table([])


def test_llama_servers_layers_are_named_as_layers():
    fleet = {
        "box": {"ui": "llamacpp", "configured": True, "gpu": 1, "memory_mode": "38", "url": "http://127.0.0.1:8080/"}
    }
    assert webui_rows(fleet) == [("box", "llamacpp", "1", "38 GPU layers", "http://127.0.0.1:8080/")]
