# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""gguf_facts on real files: a model is read in check mode and out of it, and a link, a
FIFO, a folder, a device or a broken file is refused with a message that says why."""

from __future__ import annotations

import os
import threading

import pytest
import yaml

from ansible_collections.vramfree.webui.plugins.module_utils import _gguf
from ansible_collections.vramfree.webui.plugins.modules import gguf_facts


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.gguf"
    metadata = _gguf.model_metadata(
        "llama", block_count=32, embedding_length=4096, head_count=32, head_count_kv=8, context_length=8192, name="m"
    )
    _gguf.write_model(str(path), 4693 * _gguf.MIB, metadata)
    return path


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_model_is_read(run_module, model, check_mode):
    args = dict(path=str(model), _ansible_check_mode=check_mode)
    result = run_module(gguf_facts.main, args).result
    assert result["changed"] is False
    assert result["model"] == {
        "architecture": "llama",
        "block_count": 32,
        "context_length": 8192,
        "embedding_length": 4096,
        "head_count": 32,
        "head_count_kv": 8,
        "file_type": 15,
        "file_size_mib": 4693,
        "name": "m",
        "version": 3,
    }
    # RETURN documents each key the module returns, and no other.
    assert set(yaml.safe_load(gguf_facts.RETURN)["model"]["contains"]) == set(result["model"])


def test_a_link_to_a_model_is_refused(run_module, model, tmp_path):
    link = tmp_path / "link.gguf"
    link.symlink_to(model)
    result = run_module(gguf_facts.main, dict(path=str(link)), fails=True).result
    assert result["msg"] == "%s is a symbolic link; give the file itself" % link


def test_a_fifo_is_refused_without_waiting_for_a_writer(run_module, tmp_path):
    fifo = tmp_path / "model.gguf"
    os.mkfifo(fifo)
    outcome = {}

    def run():
        try:
            outcome["result"] = run_module(gguf_facts.main, dict(path=str(fifo)), fails=True).result
        except BaseException as exc:  # noqa: B036  the main thread reports it
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    # A blocking open would wait for a writer forever: the join's limit is the failure.
    worker.join(timeout=30)
    if worker.is_alive():
        # Free the stuck open so the thread ends, then fail.
        with open(fifo, "wb"):
            pass
        pytest.fail("gguf_facts blocked on a FIFO")
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]["msg"] == "%s is a FIFO, not a regular file" % fifo


@pytest.mark.parametrize("path, kind", [("/dev/null", "a character device"), (None, "a folder")])
def test_other_non_regular_files_are_refused(run_module, tmp_path, path, kind):
    path = path or str(tmp_path)
    result = run_module(gguf_facts.main, dict(path=path), fails=True).result
    assert result["msg"] == "%s is %s, not a regular file" % (path, kind)


def test_a_broken_model_says_which_file_and_why(run_module, tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(_gguf.encode_header([], version=1))
    result = run_module(gguf_facts.main, dict(path=str(path)), fails=True).result
    assert result["msg"].startswith("%s: GGUF version 1" % path)


def test_a_missing_file_is_reported(run_module, tmp_path):
    result = run_module(gguf_facts.main, dict(path=str(tmp_path / "none.gguf")), fails=True).result
    assert result["msg"] == "cannot read %s: No such file or directory" % (tmp_path / "none.gguf")
