# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A client of the web UI behind the proxy, from a chosen source address of the controller.

  client.py SOURCE URL http [USER:PASSWORD]     GET URL, print {"status": ..., "body": ...,
                                                 "challenges": [each WWW-Authenticate]}
  client.py SOURCE URL http "Bearer TOKEN"       the same with that Authorization header
  client.py SOURCE URL gradio [USER:PASSWORD]   Gradio's own client (gradio_client 0.5.0,
                                                 whose queue is a websocket): predict("hello")
Prints {"error": ...} when no HTTP answer came. Every socket it opens (urllib, requests,
httpx, websockets) is bound to SOURCE first, so the proxy and the firewall see that address.
Environment: VRAMFREE_GRADIO (the folder holding gradio_client), CAFILE (the certificate to
trust for https)."""

import base64
import json
import os
import socket
import ssl
import sys
import urllib.error
import urllib.request

source, url, mode = sys.argv[1:4]
auth = sys.argv[4] if len(sys.argv) > 4 else None
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _bind(sock):
    if sock.family == socket.AF_INET and sock.getsockname()[1] == 0:
        sock.bind((source, 0))


def connect(self, address):
    _bind(self)
    return _connect(self, address)


def connect_ex(self, address):
    _bind(self)
    return _connect_ex(self, address)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
# A dropped packet must not hang the test: libraries without their own timeout use this.
socket.setdefaulttimeout(8)


def http():
    context = ssl.create_default_context(cafile=os.environ["CAFILE"]) if url.startswith("https") else None
    request = urllib.request.Request(
        url, headers={"Host": os.environ.get("HOST_HEADER", "")} if os.environ.get("HOST_HEADER") else {}
    )
    if auth and " " in auth:
        # Sent as it is: an API client's "Bearer <token>" (a user name holds no blank).
        request.add_header("Authorization", auth)
    elif auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=8, context=context) as answer:
            return {
                "status": answer.status,
                "body": answer.read().decode(errors="replace"),
                "challenges": answer.headers.get_all("WWW-Authenticate") or [],
            }
    except urllib.error.HTTPError as exc:
        return {
            "status": exc.code,
            "body": exc.read().decode(errors="replace"),
            "challenges": exc.headers.get_all("WWW-Authenticate") or [],
        }


def gradio():
    sys.path.insert(0, os.environ["VRAMFREE_GRADIO"])
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    if url.startswith("https"):
        # requests, httpx and websockets each find their CA bundle their own way.
        for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
            os.environ[name] = os.environ["CAFILE"]
    from gradio_client import Client  # pylint: disable=import-error

    scheme, rest = url.split("://", 1)
    target = "%s://%s@%s" % (scheme, auth, rest) if auth else url
    result = Client(target, verbose=False).predict("hello", api_name="/predict")
    return {"status": 200, "body": result}


try:
    print(json.dumps(http() if mode == "http" else gradio()))
except Exception as exc:  # pylint: disable=broad-except
    print(json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)}))
