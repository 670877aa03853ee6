"""Make the checkout importable as ``ansible_collections.vramfree.webui``.

The plugins import each other by their collection path, as Ansible loads them. When the
checkout already sits in an ``ansible_collections/vramfree/webui`` tree (as ansible-test
wants) that tree is used; otherwise a symlink under ``build/`` provides one.
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _collections_path() -> pathlib.Path:
    if ROOT.parent.name == "vramfree" and ROOT.parents[1].name == "ansible_collections":
        return ROOT.parents[2]
    base = ROOT / "build" / "collections"
    link = base / "ansible_collections" / "vramfree" / "webui"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT)
    return base


sys.path.insert(0, str(_collections_path()))
# The GPU doubles' helpers (fake_host), shared by their own tests and the unit tests
# that run the modules against them.
sys.path.insert(0, str(ROOT / "tests" / "doubles"))
