#!/bin/sh
# The man pages are clean roff: groff, with every warning turned on,
# has nothing to say about either of them.
set -eu
root=$1
rc=0
for page in "$root/fs/ccmailfs.1" "$root/fs/ccmail2iff.1"; do
	out=$(groff -man -ww -z "$page" 2>&1) || rc=1
	if [ -n "$out" ]; then
		printf '%s:\n%s\n' "$page" "$out"
		rc=1
	fi
done
[ "$rc" = 0 ] && echo "man: groff -man -ww finds nothing in 2 pages"
exit "$rc"
