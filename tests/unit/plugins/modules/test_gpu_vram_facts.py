# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""gpu_vram_facts's main(): options, warnings, failures and check mode."""

from __future__ import annotations

import contextlib
import json
import pathlib
import sys

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.vramfree.webui.plugins.module_utils import _vram_measure
from ansible_collections.vramfree.webui.plugins.modules import gpu_vram_facts

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "module_utils"))
from gpu_doubles import RecordedSmi  # noqa: E402  pylint: disable=wrong-import-position

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 reads the arguments from basic._ANSIBLE_ARGS

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class AnsibleExitJson(Exception):
    pass


class AnsibleFailJson(Exception):
    pass


def exit_json(self, **kwargs):
    raise AnsibleExitJson(kwargs)


def fail_json(self, **kwargs):
    raise AnsibleFailJson(kwargs)


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A host with no pynvml, no nvidia-smi and an empty sysfs, unless a test adds them."""
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg, **kw: warnings.append(msg))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: None)
    monkeypatch.setattr(_vram_measure, "pynvml", None)
    monkeypatch.setattr(_vram_measure, "PYNVML_IMPORT_ERROR", "Traceback: No module named 'pynvml'")
    monkeypatch.setattr(_vram_measure, "SYSFS_ROOT", str(tmp_path))
    # The desktop's processes of the recordings, in the cgroup a display manager gives them.
    for pid in (1201, 1874):
        (tmp_path / "proc" / str(pid)).mkdir(parents=True)
        (tmp_path / "proc" / str(pid) / "cgroup").write_text("0::/system.slice/gdm.service\n")
    monkeypatch.setattr(_vram_measure, "PROC_ROOT", str(tmp_path / "proc"))
    state = {"warnings": warnings, "root": tmp_path}
    return state


def run_module(args, outcome=AnsibleExitJson):
    with patch_module_args(args):
        with pytest.raises(outcome) as result:
            gpu_vram_facts.main()
    return result.value.args[0]


NO_GPU = {"backend": "none", "driver_version": None, "gpus": []}


def tried(root):
    return (
        "No GPU found (tried nvml: the pynvml module (nvidia-ml-py) is not installed; "
        "nvidia_smi: nvidia-smi is not installed; "
        "sysfs: no amdgpu card with mem_info_vram_total under %s/class/drm)" % root
    )


def test_no_gpu_gives_an_empty_list_and_a_warning(host):
    result = run_module({})
    assert result == {"changed": False, "ansible_facts": {"gpu_vram": NO_GPU}}
    assert host["warnings"] == [tried(host["root"])]


def test_required_fails_naming_what_was_tried(host):
    result = run_module({"required": True}, AnsibleFailJson)
    assert result["msg"] == tried(host["root"])
    assert result["ansible_facts"] == {"gpu_vram": NO_GPU}


def test_explicit_nvml_without_pynvml_is_missing_required_lib(host):
    result = run_module({"backend": "nvml"}, AnsibleFailJson)
    assert result["msg"].startswith("Failed to import the required Python library (nvidia-ml-py)")
    assert result["exception"] == "Traceback: No module named 'pynvml'"


def test_explicit_backend_failure_names_only_that_backend(host):
    result = run_module({"backend": "sysfs", "required": True}, AnsibleFailJson)
    assert (
        result["msg"]
        == "No GPU found (tried sysfs: no amdgpu card with mem_info_vram_total under %s/class/drm)" % host["root"]
    )


def test_bad_backend_is_rejected(host):
    result = run_module({"backend": "rocm"}, AnsibleFailJson)
    assert "value of backend must be one of: auto, nvml, nvidia_smi, sysfs" in result["msg"]


def fake_nvidia_smi(host, monkeypatch, body):
    """An nvidia-smi executable on the host: a shell script standing in for the tool."""
    path = host["root"] / "bin" / "nvidia-smi"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    monkeypatch.setattr(
        basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: str(path) if name == "nvidia-smi" else None
    )
    return path


def test_nvidia_smi_runs_with_lc_all_c(host, monkeypatch):
    recorded = RecordedSmi("gtx970-gnome-470").folder
    fake_nvidia_smi(
        host,
        monkeypatch,
        """
echo "$LC_ALL $LANG $*" >> "%(log)s"
case "$1" in
  --query-gpu=*memory.reserved*) cat "%(dir)s/reject-reserved.txt"; exit 2 ;;
  --query-gpu=*) cat "%(dir)s/query-gpu.csv" ;;
  -q) cat "%(dir)s/q-x.xml" ;;
esac
"""
        % {"dir": recorded, "log": host["root"] / "calls"},
    )
    result = run_module({"backend": "auto"})
    facts = result["ansible_facts"]["gpu_vram"]
    assert (facts["backend"], facts["driver_version"]) == ("nvidia_smi", "470.256.02")
    assert [
        (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"], g["memory_reserved_mib"])
        for g in facts["gpus"]
    ] == [(4043, 702, 3341, None)]
    calls = (host["root"] / "calls").read_text().splitlines()
    assert [c.split()[:2] for c in calls] == [["C", "C"]] * 3
    assert host["warnings"] == []


def test_hung_nvidia_smi_is_killed_and_named(host, monkeypatch):
    fake_nvidia_smi(host, monkeypatch, "exec sleep 300\n")
    result = run_module({"backend": "nvidia_smi", "required": True, "command_timeout": 1}, AnsibleFailJson)
    assert result["msg"] == (
        "No GPU found (tried nvidia_smi: nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,"
        "memory.total,memory.used,memory.free,memory.reserved,display_active,"
        "persistence_mode,driver_version --format=csv,noheader,nounits did not finish "
        "within 1 s and was killed)"
    )


def test_command_timeout_must_be_positive(host):
    result = run_module({"command_timeout": 0}, AnsibleFailJson)
    assert result["msg"] == "command_timeout must be a number of seconds above 0, got 0"
