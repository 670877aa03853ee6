#!/usr/bin/env bash
# The lint step: ruff (one style for all Python), ansible-lint (production profile) and
# antsibull-changelog lint.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

# ansible-lint resolves vramfree.webui.* through the collections path: point it at this
# checkout, not at whatever copy may be installed in ~/.ansible/collections.
ruff check .
ruff format --check .
ANSIBLE_COLLECTIONS_PATH="$(collections_path)" ansible-lint --profile production
antsibull-changelog lint
