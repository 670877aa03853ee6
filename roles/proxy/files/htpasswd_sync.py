# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make nginx's basic-auth file hold exactly the users given on stdin (JSON list of
{name, password}), as SHA-512 crypt hashes (openssl passwd -6: glibc's crypt, which
nginx reads, at 5000 rounds: nginx hashes on every request, so a slow hash slows every
page). A user whose stored hash still matches keeps it, so a second run changes nothing.
Usage: python3 -c "$(cat htpasswd_sync.py)" PATH GROUP check|write
Prints {"changed": bool}; never prints a password or a hash."""

import grp
import json
import os
import subprocess
import sys
import tempfile

path, group, mode = sys.argv[1], sys.argv[2], sys.argv[3]
users = json.load(sys.stdin)


def sha512_crypt(password, salt=None):
    argv = ["openssl", "passwd", "-6", "-stdin"] + (["-salt", salt] if salt else [])
    out = subprocess.run(argv, input=password, capture_output=True, text=True, check=True)
    return out.stdout.strip()


try:
    with open(path, encoding="utf-8") as handle:
        before = handle.read()
    info = os.stat(path)
except FileNotFoundError:
    before, info = None, None
stored = dict(line.split(":", 1) for line in (before or "").splitlines() if ":" in line)

lines = []
for user in users:
    name, password = str(user["name"]), str(user["password"])
    old = stored.get(name, "")
    parts = old.split("$")
    if not (old.startswith("$6$") and len(parts) == 4 and sha512_crypt(password, parts[2]) == old):
        old = sha512_crypt(password)
    lines.append("%s:%s\n" % (name, old))
after = "".join(lines)

gid = grp.getgrnam(group).gr_gid
changed = after != before or info is None or (info.st_mode & 0o7777) != 0o640 or info.st_uid != 0 or info.st_gid != gid
if changed and mode == "write":
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".htpasswd.")
    try:
        os.fchown(fd, 0, gid)
        os.fchmod(fd, 0o640)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(after)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
print(json.dumps({"changed": changed}))
