#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_plan
short_description: Plan the proxy in front of the web UI, and refuse what it must not do, before anything changes
version_added: 0.3.0
author:
  - vramfree.webui contributors (@vramfree)
description:
  - Reads the host once with M(vramfree.webui.host_state) (what proxies of other kinds left, the firewall
    rules opened before, the firewalls that run, where the web UI listens, the TLS files given) and
    decides, for the C(vramfree.webui.proxy) role, who gets in, what to remove, and which firewall rules
    to open and close.
  - Fails, changing nothing, with a message that says how to restrict it, on an exposure to everyone
    without a password or an API token (unless O(allow_public)), on what the kind cannot honour (passwords,
    API tokens, TLS, several networks, IPv6 sources, as its entry in O(kinds) says), on an API token that
    nginx's configuration could not hold as it is, on a network written with host bits set, on a
    proxy port equal to the web UI's, on a web UI that listens beyond loopback, on TLS files that are not
    there, and on a firewall asked for that does not run.
  - Passwords and API tokens are read only to see that they are set and can be written; they are never
    in the result, nor in a message.
  - Runs as an action plugin; the decisions are made on the controller.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - vramfree.webui.action_plugin
attributes:
  check_mode:
    support: full
    details: It only reads; it does the same in check mode.
  diff_mode:
    support: none
options:
  kind:
    description: The kind asked for, a key of O(kinds).
    type: str
    required: true
  kinds:
    description:
      - The kinds, by name. Each entry has C(paths), C(kept_paths), C(units), C(reload) (C(service) and
        C(check) argv), C(listens), C(passwords), C(tokens), C(tls), C(ipv6), C(max_sources) and C(single_source);
        see the role's C(vars/main.yml).
    type: dict
    required: true
  allow:
    description: Networks or addresses (CIDR) that may connect; empty is everyone.
    type: raw
    default: []
  auth_users:
    description: Basic-auth users, C(name) and C(password).
    type: raw
    default: []
  api_tokens:
    description:
      - API tokens; a request whose C(Authorization) header is C(Bearer <token>) gets in as one with a password. Each is RFC 6750's
        C(b64token) (letters, digits, C(-._~+/), then C(=)), 16 to 4096 characters, listed once.
    type: raw
    default: []
  allow_public:
    description: Allow an exposure to everyone without a password or an API token.
    type: bool
    default: false
  port:
    description: The port the proxy listens on.
    type: raw
    default: 7861
  tls:
    description: V(none), V(selfsigned) or V(files).
    type: str
    default: none
  tls_cert:
    description: With O(tls=files), the certificate on the host.
    type: str
    default: ""
  tls_key:
    description: With O(tls=files), its key on the host.
    type: str
    default: ""
  upstream:
    description: Where the web UI answers, C(host:port).
    type: str
    required: true
  firewall:
    description: V(auto) (the firewalls that run), V(ufw), V(firewalld) or V(none).
    type: str
    choices: [auto, ufw, firewalld, none]
    default: auto
  state_file:
    description:
      - Where the roles remember what they did (M(vramfree.webui.state_file)); its V(proxy) section's
        C(firewall_rules) are the rules opened before. Leave the default.
    type: path
    default: /etc/ansible/facts.d/vramfree.fact
"""

EXAMPLES = r"""
- name: Plan an nginx proxy for the LAN
  vramfree.webui.proxy_plan:
    kind: nginx
    kinds: "{{ _proxy_kinds }}"
    allow: [192.168.1.0/24]
    upstream: 127.0.0.1:7860
  register: plan
"""

RETURN = r"""
sources:
  description: The allowed networks, normalised (C(10.0.0.5) is C(10.0.0.5/32)).
  returned: success
  type: list
  elements: str
public:
  description: Whether anyone may connect.
  returned: success
  type: bool
auth:
  description: The basic-auth user names.
  returned: success
  type: list
  elements: str
tokens:
  description: How many API tokens let a request in (never the tokens).
  returned: success
  type: int
single_source:
  description: For a kind that takes one network (C(max_sources=1)), that network; null otherwise.
  returned: success
  type: str
kind:
  description: The entry of the kind asked for.
  returned: success
  type: dict
leftovers:
  description: What other kinds left, to remove - C(paths), C(units) to stop, C(reload) services.
  returned: success
  type: dict
firewalls:
  description: The firewalls to open the port in.
  returned: success
  type: list
  elements: str
rules:
  description:
    - The firewall rules (C(firewall), C(port), C(source)) C(wanted) now, the C(stale) ones opened before
      to close, what to C(remember), what was C(remembered), and whether that changes (C(remember_changed)).
  returned: success
  type: dict
refusal:
  description: Why the request is refused; empty when it is not.
  returned: always
  type: str
"""
