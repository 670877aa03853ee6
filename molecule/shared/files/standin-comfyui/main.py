# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TEST DOUBLE of ComfyUI's main.py, for hosts without a GPU.

Like ComfyUI it reads its options from its own argv only (no environment variable),
with argparse and ComfyUI's option names (an unknown flag exits with status 2), binds
--listen (127.0.0.1 unless told) and --port, and answers GET /system_stats with the
argv it was started with, as ComfyUI's does. It runs no model.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from comfy.cli_args import parser

args = parser.parse_args()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # pylint: disable=invalid-name
        if self.path == "/system_stats":
            body = json.dumps({"system": {"argv": sys.argv, "python_version": sys.version}, "devices": []})
            kind = "application/json"
        elif self.path == "/":
            body, kind = "<!DOCTYPE html><title>ComfyUI (stand-in)</title>", "text/html"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


address = args.listen.split(",")[0]
print("Starting server\nTo see the GUI go to: http://%s:%d" % (address, args.port), flush=True)
ThreadingHTTPServer((address, args.port), Handler).serve_forever()
