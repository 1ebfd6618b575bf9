#!/usr/bin/env bash
# Copy the collection (tracked files plus untracked files that are not git-ignored) into
# DEST/ansible_collections/alibabacloud/eflo and print that path.
#
# ansible-test needs its working directory inside ansible_collections/NS/NAME and resolves symlinks,
# so it runs in such a copy; everything it writes (tests/output, venvs) stays out of the checkout.
#
# usage: tools/stage_collection.sh DEST
set -euo pipefail

dest_root=${1:?usage: stage_collection.sh DEST}
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dest="$dest_root/ansible_collections/alibabacloud/eflo"

rm -rf "$dest"
mkdir -p "$dest"

# git ls-files lists files deleted in the working tree too: copy only what exists.
# cp --parents keeps the relative layout; -P copies symlinks as symlinks.
(
  cd "$src"
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
      done \
    | xargs -0 --no-run-if-empty cp -P --parents -t "$dest"
)

printf '%s\n' "$dest"
