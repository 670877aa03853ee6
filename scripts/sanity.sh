#!/usr/bin/env bash
# ansible-test sanity on a copy of the checkout placed where ansible-test wants it
# (.../ansible_collections/vramfree/webui), with no ignore files.
#   scripts/sanity.sh [extra ansible-test arguments, e.g. --test validate-modules]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PY=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
dest=${VRAMFREE_SANITY_DIR:-$REPO_ROOT/build/sanity}/ansible_collections/vramfree/webui

# ansible-test fetches pip's bootstrap script from a host that may be unreachable; give
# it the offline stand-in under every name it may ask for.
cache=~/.ansible/test/cache
mkdir -p "$cache"
pip_versions=$(grep -hoE "pip='[0-9.]+'" "$VENV"/lib/python*/site-packages/ansible_test/_internal/python_requirements.py \
  | grep -oE '[0-9]+(\.[0-9]+)+' | sort -u)
for v in $pip_versions; do
  cp "$REPO_ROOT/scripts/get_pip_standin.py" "$cache/get_pip_${v//./_}.py"
done

# Only what git tracks (plus new files not ignored): the copy must not carry venvs,
# build output or caches, which sanity would lint too.
rm -rf "$dest"
mkdir -p "$dest"
(
  cd "$REPO_ROOT"
  git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
    # Files deleted from the work tree but not yet from the index are skipped.
    if [ -e "$f" ]; then cp --parents "$f" "$dest"; fi
  done
)
# ansible-test only looks at files git knows about when there is a repository.
(cd "$dest" && git init -q && git add -A)

cd "$dest"
ansible-test sanity --venv --python "$PY" --color no "$@"
