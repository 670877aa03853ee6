"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from a host these machines cannot reach. This script
takes its place: it installs pip from the standard library's ensurepip, then lets that
pip install what ansible-test asked for from the registry configured for this machine.
"""

import os
import subprocess
import sys

# get-pip.py's own switches that plain pip does not know.
DROP = {"--no-setuptools", "--no-wheel"}


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    env = dict(os.environ)
    # ensurepip points PIP_CONFIG_FILE at /dev/null, which would hide the machine's pip
    # configuration (its index and CA bundle).
    env.pop("PIP_CONFIG_FILE", None)
    args = [a for a in sys.argv[1:] if a not in DROP]
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=env)


main()
