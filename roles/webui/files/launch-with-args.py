# Copyright (c) 2026, vramfree.webui contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start a web UI with the passwords in what it prints masked before the journal gets it.

    launch-with-args.py --from LAUNCH_SCRIPT [--argv] -- PROGRAM [ARGS...]

The web UI's unit runs this as the web UI's user. It sources LAUNCH_SCRIPT with bash (as
A1111's webui.sh sources webui-user.sh) to read COMMANDLINE_ARGS, runs PROGRAM, and copies
each line PROGRAM prints, standard output and error, to its own standard output, which
systemd sends to the journal:

- A1111 and Forge print every argument as they start ("Launching Web UI with arguments:
  ...", modules/launch_utils.py, start(), A1111 1.10.1), --gradio-auth and --api-auth
  values included; SD.Next logs its argv too. The journal is readable by the adm and
  systemd-journal groups, so on each line the rest after a secret flag is masked, and so
  is every value COMMANDLINE_ARGS gives a secret flag, wherever it appears.
- With --argv, the words of COMMANDLINE_ARGS, split with shlex.split as A1111 splits the
  variable, are appended to PROGRAM's arguments: for web UIs that read only their argv
  (ComfyUI). A value with a space stays one argument.

Root never opens LAUNCH_SCRIPT: this runs with the user's rights alone (an
EnvironmentFile= would have systemd, as root, read wherever the user points it). The exit
status is PROGRAM's, or 128 + the signal that ended it, as a shell's would be;
SIGTERM and SIGINT are passed on to PROGRAM.
"""

import re
import shlex
import signal
import subprocess
import sys

# The collection's rule for secret flags (plugins/module_utils/_secrets.py and
# _flag_catalog.py); a unit test keeps these equal to it.
SECRET_FLAGS = ("--api-auth", "--auth", "--database-url", "--gradio-auth", "--ngrok", "--ngrok-options")
# Flags some UI defines that are also the start of a secret flag: not secret themselves.
NOT_SECRET = ("--api",)
MASK = "********"
_FLAG = re.compile(r"(?<![\w-])--[A-Za-z0-9][\w.-]*")


def is_secret(flag):
    """A secret flag, spelled with _ or -, in any case, or a prefix argparse would take."""
    name = flag.split("=", 1)[0].replace("_", "-").lower()
    if name in SECRET_FLAGS:
        return True
    if name in NOT_SECRET or len(name) < 4 or not name.startswith("--"):
        return False
    return any(secret.startswith(name) for secret in SECRET_FLAGS)


def secret_values(words):
    """The values secret flags get in a list of words, and the password halves of user:pw pairs."""
    found = set()
    for index, word in enumerate(words):
        if not word.startswith("--") or not is_secret(word):
            continue
        if "=" in word:
            value = word.split("=", 1)[1]
        else:
            value = words[index + 1] if index + 1 < len(words) else ""
        if value:
            found.add(value)
            for pair in value.split(","):
                found.add(pair)
                found.add(pair.split(":", 1)[-1])
    # Longest first, so that no value is left half masked by a shorter one inside it.
    return sorted((v for v in found if len(v) >= 4), key=len, reverse=True)


def mask(line, values):
    match = next((m for m in _FLAG.finditer(line) if is_secret(m.group(0))), None)
    if match is not None:
        line = line[: match.end()] + " " + MASK
    for value in values:
        line = line.replace(value, MASK)
    return line


def read_args(script):
    """COMMANDLINE_ARGS as LAUNCH_SCRIPT sets it; what the script prints is dropped."""
    return subprocess.run(
        ["/bin/bash", "-c", '. "$1" >/dev/null 2>&1; printf %s "${COMMANDLINE_ARGS-}"', "launch-with-args", script],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        check=False,
        text=True,
    ).stdout


def main(argv):
    if len(argv) < 4 or argv[0] != "--from" or "--" not in argv:
        sys.exit("usage: launch-with-args.py --from LAUNCH_SCRIPT [--argv] -- PROGRAM [ARGS...]")
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1 :]
    if not command or [o for o in options[2:] if o != "--argv"]:
        sys.exit("usage: launch-with-args.py --from LAUNCH_SCRIPT [--argv] -- PROGRAM [ARGS...]")
    words = shlex.split(read_args(options[1]))
    values = secret_values(words)
    if "--argv" in options:
        command += words
    # The handlers go in before the program starts: a stop that comes as it starts would
    # otherwise end the launcher alone, and the program's last words with it. A signal
    # that comes before the program exists is handed on once it does.
    pending = []
    child = None

    def forward(num, _frame):
        if child is None:
            pending.append(num)
        else:
            child.send_signal(num)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    for num in pending:
        child.send_signal(num)
    out = sys.stdout.buffer
    for raw in child.stdout:
        line = raw.decode("utf-8", "surrogateescape").rstrip("\n")
        out.write(mask(line, values).encode("utf-8", "surrogateescape") + b"\n")
        out.flush()
    status = child.wait()
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
