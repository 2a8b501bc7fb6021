#!/bin/sh
# "meson install --destdir" puts in place what a user of ccmailfs needs:
# the two programs, their man pages, and under share/doc/ccmailfs the
# README, the licence and the format document, each the file it should be.
set -eu
meson=$1 build=$2 root=$3
dest=$(mktemp -d /tmp/ccm-install-test.XXXXXX)
trap 'rm -rf "$dest"' EXIT
"$meson" install -C "$build" --no-rebuild --quiet --destdir "$dest"
rc=0
# want PATH-PATTERN SOURCE: exactly one installed file matches, and it has
# the bytes of SOURCE (or, for a program, is executable).
want() {
	found=$(find "$dest" -path "$1" -type f)
	if [ "$(printf '%s' "$found" | grep -c .)" != 1 ]; then
		echo "install: expected one file at $1, found: ${found:-none}"
		rc=1
	elif [ "$2" = exec ]; then
		[ -x "$found" ] || { echo "install: $found not executable"; rc=1; }
	elif ! cmp -s "$found" "$2"; then
		echo "install: $found differs from $2"
		rc=1
	fi
}
want '*/bin/ccmailfs' exec
want '*/bin/ccmail2iff' exec
want '*/man/man1/ccmailfs.1' "$root/fs/ccmailfs.1"
want '*/man/man1/ccmail2iff.1' "$root/fs/ccmail2iff.1"
want '*/share/doc/ccmailfs/README.md' "$root/README.md"
want '*/share/doc/ccmailfs/LICENSE' "$root/LICENSE"
want '*/share/doc/ccmailfs/core/README.md' "$root/core/README.md"
[ "$rc" = 0 ] && echo "install: 7 files in place under $dest"
exit "$rc"
