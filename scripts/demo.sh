#!/usr/bin/env bash
# make demo: a small local fleet (systemd containers: a desktop with a simulated GTX 970
# holding ~700 MiB of its VRAM and A1111, one with a GTX 1060 and ComfyUI, one without a
# GPU), then the collection's playbooks against them over SSH, as from a laptop against
# real boxes; the A1111 box behind a socat proxy open to this machine only.
#   scripts/demo.sh            bring the hosts up (if needed) and run the playbooks
#   scripts/demo.sh --destroy  remove the hosts
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

if [ "${1:-}" = --destroy ]; then
  bash scripts/molecule.sh destroy -s default
  exit 0
fi

bash scripts/deps.sh --system
bash scripts/deps.sh
bash scripts/docker-up.sh
bash scripts/build-images.sh
bash scripts/gradio-standin.sh

step "bring up a small fleet: two desktop GPU boxes with web UIs (Debian 12 and 13) and a box without a GPU, over SSH"
molecule_log="$REPO_ROOT/build/demo-molecule.log"
mkdir -p build/demo
{ bash scripts/molecule.sh create -s default && bash scripts/molecule.sh prepare -s default --force; } \
  >"$molecule_log" 2>&1 || { tail -n 40 "$molecule_log"; die "could not bring the hosts up (log: $molecule_log)"; }

config=$(find "$ANSIBLE_HOME"/tmp -path '*/molecule.*.default/instance_config.yml' -printf '%T@ %p\n' 2>/dev/null \
  | sort -n | tail -n 1 | cut -d' ' -f2-)
[ -n "$config" ] || die "molecule wrote no instance config"
inventory=build/demo/inventory.yml
# The controller's address as the hosts see it: the one source the demo's proxy admits.
controller=$(ip -4 -o addr show docker0 | awk '{print $4}' | cut -d/ -f1 | head -n 1)
[ -n "$controller" ] || die "cannot tell this machine's address on Docker's bridge (docker0)"
python3 - "$config" molecule/default/molecule.yml "$controller" >"$inventory" <<'PY'
import sys
import yaml

print("# Written by make demo from the test hosts' addresses and the scenario's host variables.")
scenario = yaml.safe_load(open(sys.argv[2]))["provisioner"]["inventory"]
group_vars = {k: v for k, v in scenario["group_vars"]["all"].items() if "${" not in str(v)}
hosts = {}
for inst in yaml.safe_load(open(sys.argv[1])):
    hosts[inst["instance"]] = dict(scenario["host_vars"].get(inst["instance"], {}), **{
        "ansible_host": inst["address"],
        "ansible_user": inst["user"],
        "ansible_ssh_private_key_file": inst["identity_file"],
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    })
# The scenario's proxies (socat for A1111, nginx with a password for ComfyUI) let in
# this machine only.
group_vars["vramfree_test_controller"] = sys.argv[3]
print(yaml.safe_dump({"gpu_boxes": {"hosts": hosts, "vars": group_vars}}, sort_keys=True), end="")
PY
cat "$inventory"

export ANSIBLE_COLLECTIONS_PATH
ANSIBLE_COLLECTIONS_PATH=$(collections_path)
export ANSIBLE_PIPELINING=true ANSIBLE_PYTHON_INTERPRETER=auto_silent
# ansible-core and this collection alone, as on a newcomer's laptop: the collections the
# Python package ships are not looked at, and the demo's hosts (no firewall) need none.
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
# The demo's own SSH master connections, apart from the test scenarios', and none left
# from an earlier demo whose hosts had these addresses.
export ANSIBLE_SSH_CONTROL_PATH_DIR="$REPO_ROOT/build/demo/ssh"
forget_ssh_masters "$ANSIBLE_SSH_CONTROL_PATH_DIR"

step "who holds the VRAM now: ansible-playbook -i $inventory vramfree.webui.vram_report"
ansible-playbook -i "$inventory" vramfree.webui.vram_report

step "the whole job: ansible-playbook -i $inventory vramfree.webui.site"
ansible-playbook -i "$inventory" vramfree.webui.site -e vramfree_report_dir="$REPO_ROOT/build/demo/report"

step "the web UIs from this machine, as the report says to reach them"
python3 - "$REPO_ROOT/build/demo/report/report.json" "$inventory" <<'PY'
import base64
import json
import sys
import urllib.request

import yaml

report = json.load(open(sys.argv[1]))
hosts = yaml.safe_load(open(sys.argv[2]))["gpu_boxes"]["hosts"]
for host, entry in report["hosts"].items():
    access = entry.get("access") or {}
    if hosts[host].get("proxy_kind") and access.get("how") != "proxy":
        sys.exit("%s: the report gives no proxy to reach its web UI by (%s)" % (host, access))
    if access.get("how") == "proxy":
        request = urllib.request.Request(access["url"])
        kind = hosts[host]["proxy_kind"]
        if access.get("auth"):
            user = hosts[host]["proxy_auth_users"][0]
            token = base64.b64encode(("%s:%s" % (user["name"], user["password"])).encode()).decode()
            request.add_header("Authorization", "Basic " + token)
            kind += ", with user %s" % user["name"]
        with urllib.request.urlopen(request, timeout=30) as answer:
            print("%s: %s answers HTTP %d through the proxy (%s)" % (host, access["url"], answer.status, kind))
    elif access.get("how") == "tunnel":
        print("%s: %s, then %s" % (host, access["command"], access["url"]))
    else:
        print("%s: no web UI (%s)" % (host, (entry.get("webui") or {}).get("memory_reason", "not run")))
PY

cat <<TXT

Done. The desktops are stopped, their VRAM is free and the web UIs run with the memory
mode it allows (the GPUs and the web UIs are test doubles: see docs/testing.md). The
report: $REPO_ROOT/build/demo/report/report.html (and .md, .json).
Try it again to see that nothing changes, or bring the desktops back:
  ansible-playbook -i $inventory vramfree.webui.restore_desktop
Remove the hosts with: make demo-clean
TXT
