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
ansible-galaxy collection install --force -p "$out/installed" "$tarball" >/dev/null 2>&1 \
  || die "ansible-galaxy could not install $tarball"
[ -f "$out/installed/ansible_collections/vramfree/webui/MANIFEST.json" ] || die "install left no MANIFEST.json"
printf '%s: %s KiB, %s files; installs cleanly\n' "$(basename "$tarball")" \
  "$(( $(stat -c %s "$tarball") / 1024 ))" "$(tar -tzf "$tarball" | grep -vc '/$')"
