# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/execution-environment.yml, the execution environment docs/awx.md builds: the build
context ansible-builder makes of it holds this collection, the collections galaxy.yml
declares, and the tools at the versions the tests run; and ansible-builder's own
introspection, which runs inside the build, reads the collection's dependencies."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "docs" / "execution-environment.yml"
BUILDER = pathlib.Path(sys.executable).with_name("ansible-builder")


def _pins(path):
    """{name: version} of the name==version lines of a requirements file."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ee") / "context"
    proc = subprocess.run(
        [str(BUILDER), "create", "-f", str(DEFINITION), "-c", str(folder), "--output-filename", "Containerfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder


def test_ansible_builder_creates_a_containerfile_on_the_base_image(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    base = yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))["images"]["base_image"]["name"]
    assert 'ARG EE_BASE_IMAGE="%s"' % base in containerfile
    assert "ansible-galaxy collection install" in containerfile
    # git for ansible-galaxy's install of the collection from its repository.
    assert re.search(r"^RUN \$PKGMGR install -y git-core", containerfile, re.M), containerfile


def test_the_tools_are_the_versions_the_tests_run(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile, re.M).group(1).split()
    dev = _pins(ROOT / "requirements-dev.txt")
    assert refs == ["ansible-core==" + dev["ansible-core"], "ansible-runner==" + dev["ansible-runner"]]
    assert _pins(context / "_build" / "requirements.txt") == {"mitogen": dev["mitogen"]}


def test_the_image_gets_this_collection_and_the_ones_galaxy_yml_declares(context):
    wanted = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert wanted[0] == {"name": galaxy["repository"] + ".git", "type": "git", "version": "main"}
    assert {c["name"]: c["version"] for c in wanted[1:]} == galaxy["dependencies"]


def test_the_builds_introspection_reads_the_collections_own_dependencies(context):
    # What ansible-builder runs on the installed collections in the build, here on this
    # checkout as vramfree.webui (tests/conftest.py makes that collections path).
    collections = ROOT / "build" / "collections"
    assert (collections / "ansible_collections" / "vramfree" / "webui" / "galaxy.yml").is_file()
    proc = subprocess.run(
        [sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = yaml.safe_load(proc.stdout)
    ours = "  # from collection vramfree.webui"
    assert "openssh-clients [platform:rpm]" + ours in found["system"]
    assert "nvidia-ml-py>=12.535.108" + ours in found["python"]
