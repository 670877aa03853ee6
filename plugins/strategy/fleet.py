# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fleet
short_description: Ansible's linear strategy, through Mitogen where the mitogen package is installed
version_added: 0.2.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Runs a play task by task on all hosts, as C(ansible.builtin.linear) does.
  - Where the C(mitogen) Python package is installed on the controller, it runs the tasks through
    Mitogen, as Mitogen's C(mitogen_linear) strategy does. Mitogen keeps one Python
    interpreter per host for the whole run instead of starting one per task, which makes a
    re-run on a fleet several times faster.
  - Where C(mitogen) is not installed, or cannot be loaded into this version of ansible-core,
    it is plain C(linear); in the second case it says why, once. So one C(ansible.cfg) serves
    controllers with and without Mitogen, which C(strategy = mitogen_linear) cannot (that
    fails where Mitogen is missing).
  - The collection's C(ansible.cfg) sets it. Set C(ANSIBLE_STRATEGY=linear) for one run
    without Mitogen.
notes:
  - Mitogen only takes over the C(ssh), C(local), C(sudo), C(su) and similar connection and
    become plugins; see Mitogen's documentation for what it does not support.
seealso:
  - name: Mitogen for Ansible
    description: The mitogen package, its strategies and their limits.
    link: https://mitogen.networkgenomics.com/ansible_detailed.html
"""

from ansible.plugins.loader import strategy_loader  # noqa: E402
from ansible.utils.display import Display  # noqa: E402

_LINEAR = strategy_loader.get('linear', class_only=True)


def _mitogen_mixin():
    """Mitogen's strategy mix-in, or the reason it cannot be used here (a string), or
    None where mitogen is not installed."""
    try:
        # The mitogen package's own name for its Ansible side.
        import ansible_mitogen.strategy  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # Installed, but it refuses this ansible-core (its version check raises AnsibleError).
        return '%s: %s' % (type(exc).__name__, exc)
    return ansible_mitogen.strategy.StrategyMixin


_FOUND = _mitogen_mixin()
MITOGEN = isinstance(_FOUND, type)

if isinstance(_FOUND, str):
    Display().warning('vramfree.webui.fleet: Mitogen is installed but cannot be used, running linear: %s' % _FOUND)

if MITOGEN:

    class StrategyModule(_FOUND, _LINEAR):  # type: ignore[valid-type,misc]
        """linear, through Mitogen."""

else:

    class StrategyModule(_LINEAR):  # type: ignore[valid-type,misc,no-redef]
        """linear."""
