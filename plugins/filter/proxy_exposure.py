# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.vramfree.webui.plugins.plugin_utils import _proxy


def proxy_exposure(
    allow, auth_users=None, allow_public=False, kind='socat', port=7861, tls='none', upstream=None, ui_binds=None
):
    """Who the proxy would let in, and the refusal message when that is everyone unasked."""
    try:
        return _proxy.exposure(allow, auth_users, allow_public, kind, port, tls, upstream=upstream, ui_binds=ui_binds)
    except _proxy.ExposureError as exc:
        raise AnsibleFilterError('proxy_exposure: %s' % exc) from exc


class FilterModule:
    def filters(self):
        return {'proxy_exposure': proxy_exposure}
