#!/usr/bin/env bash
# The module boundaries CONTRIBUTING.md describes, checked on the sources:
#   - core never includes Qt;
#   - SQL is the store's: no prepare( outside core/store, and the workspace's raw connection
#     (core/store/raw_db.h) is included only by core/store and by tests;
#   - core/train is used only by train itself, the demo, the programs (app) and the training view.
# Prints every offending line and exits 1; exits 0 when all hold.
#   tests/layering_check.sh SOURCE_DIR
set -euo pipefail
root="${1:?usage: layering_check.sh SOURCE_DIR}"
cd "$root"
failed=0
check() {  # description, offending lines (empty = fine)
  if [ -n "$2" ]; then
    echo "layering: $1:" >&2
    echo "$2" >&2
    failed=1
  fi
}
sources() { find "$@" -type f \( -name '*.cpp' -o -name '*.h' \) | sort; }

check "core includes Qt" "$(sources core | xargs grep -nE '#include <Q[A-Za-z]*>|#include <Qt' || true)"
check "SQL outside core/store" \
  "$(sources core widgets app | grep -v '^core/store/' | xargs grep -nF 'prepare(' || true)"
check "the raw connection outside core/store" \
  "$(sources core widgets app | grep -v '^core/store/' | xargs grep -nF '#include "core/store/raw_db.h"' || true)"
check "core/train used outside train, demo, app and the training view" \
  "$(sources core widgets | grep -vE '^core/(train|demo)/|^widgets/training_' | xargs grep -nF '#include "core/train/' || true)"
if [ "$failed" -ne 0 ]; then exit 1; fi
echo "layering: core has no Qt; SQL only in core/store; core/train only where allowed"
