#!/bin/sh
# The man pages are clean roff: groff, with every warning turned on,
# has nothing to say about either of them.
set -eu
root=$1
rc=0
# Typeset for print (groff's default device) and for a terminal (what
# man(1) shows), since some warnings depend on the device.
for page in "$root/fs/ccmailfs.1" "$root/fs/ccmail2iff.1"; do
	for dev in ps utf8; do
		out=$(groff -man -ww -z -T"$dev" "$page" 2>&1) || rc=1
		if [ -n "$out" ]; then
			printf '%s (-T%s):\n%s\n' "$page" "$dev" "$out"
			rc=1
		fi
	done
done
[ "$rc" = 0 ] && echo "man: groff -man -ww finds nothing in 2 pages"
exit "$rc"
