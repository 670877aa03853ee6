#!/usr/bin/env bash
# Build the collection artifact and install it into a scratch path, as a user would
# from a tarball; fail if test or build material leaked into it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
out=build/dist
rm -rf "$out" && mkdir -p "$out"
ansible-galaxy collection build --force --output-path "$out" . >/dev/null
tarball=$(ls "$out"/vramfree-webui-*.tar.gz)
leaked=$(tar -tzf "$tarball" | grep -E '^(molecule|tests|scripts|\.venv|build|\.ci)/' || true)
[ -z "$leaked" ] || die "the artifact carries files users do not need: $leaked"
# -p outside the configured collections paths is intended: only the install is checked.
# --no-deps: the declared dependencies come from a collection server, which this machine
# need not reach; they are checked in MANIFEST.json below.
ansible-galaxy collection install --force --no-deps -p "$out/installed" "$tarball" >/dev/null 2>&1 \
  || die "ansible-galaxy could not install $tarball"
manifest="$out/installed/ansible_collections/vramfree/webui/MANIFEST.json"
[ -f "$manifest" ] || die "install left no MANIFEST.json"
# A controller with ansible-core alone gets the proxy's firewall modules with the collection.
python3 - "$manifest" <<'PY' || die "MANIFEST.json does not declare the collections the roles use"
import json
import sys

deps = json.load(open(sys.argv[1]))["collection_info"]["dependencies"]
missing = {"community.general", "ansible.posix"} - set(deps)
sys.exit("missing: %s" % ", ".join(sorted(missing)) if missing else 0)
PY
printf '%s: %s KiB, %s files; installs cleanly\n' "$(basename "$tarball")" \
  "$(( $(stat -c %s "$tarball") / 1024 ))" "$(tar -tzf "$tarball" | grep -vc '/$')"
