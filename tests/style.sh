#!/bin/sh
# Every C file of the project follows the .clang-format at its top.
set -eu
root=$1
cd "$root"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find core fs include tests -name '*.[ch]')
# shellcheck disable=SC2086
clang-format --dry-run -Werror $files
echo "style: $(echo "$files" | wc -w) files follow .clang-format"
