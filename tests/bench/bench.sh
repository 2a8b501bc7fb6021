#!/bin/bash
# The side-by-side benchmark of ccmailfs (README.md, "Tests and benchmarks").
# Run by hand, as root, never from the test suite:
#
#   bash tests/bench/bench.sh [-r RUNS] [-m MESSAGES] [-a ATTACH] [-w DIR]
#
# CCM_BUILD=DIR uses the build in DIR instead of build/.
# It generates a synthetic post office, writes its tree to disk with
# ccmail2iff (the limit), packs that tree uncompressed with mksquashfs
# -noI -noD -noF -noX and mounts it with Debian's squashfuse_ll (the peer),
# mounts the export with ccmailfs, and measures each mount the same way,
# in one run: mount time (until the mountpoint answers a stat), first and
# second full read (cat of every file), a metadata walk (find -printf %s),
# 4 KiB O_DIRECT random reads (fio) and the daemon's peak memory.
# It prints every value, the medians, and ccmailfs/squashfuse ratios.
set -euo pipefail
runs=5 messages=100000 attach=1G work=/var/tmp/ccmailfs-bench extra=""
while getopts "r:m:a:w:o:" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	m) messages=$OPTARG ;;
	a) attach=$OPTARG ;;
	w) work=$OPTARG ;;
	o) extra=$OPTARG ;;
	*) echo "usage: $0 [-r RUNS] [-m MESSAGES] [-a ATTACH] [-w DIR] [-o CCMAILFS_OPTS]" >&2; exit 2 ;;
	esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
b=${CCM_BUILD:-build}
[ "$b" = build ] && sh .ci/build bench >/dev/null
gen=$b/tests/gen/ccm-gen
mkdir -p "$work"
src=$work/src tree=$work/tree img=$work/tree.sqfs mnt=$work/mnt
mkdir -p "$mnt"

cleanup() {
	for m in "$mnt"; do
		if mountpoint -q "$m"; then fusermount3 -u "$m" || fusermount3 -uz "$m"; fi
	done
}
trap cleanup EXIT

if [ ! -f "$src/PO.INI" ] || [ "$(cat "$work/params" 2>/dev/null)" != "$messages $attach" ]; then
	rm -rf "$src" "$tree" "$img"
	echo "generating $messages messages, $attach of attachments in $src"
	"$gen" --seed 11 --users 200 --messages "$messages" \
		--attach-bytes "$attach" --big-attach 20 "$src"
	echo "$messages $attach" >"$work/params"
fi
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

# The limit: the same tree written to disk, and cp of it in the same run.
rm -rf "$tree"
cat "$src"/*.EXP "$src"/USERS/* "$src"/FILES/* >/dev/null
t0=$(now); "$b"/fs/ccmail2iff -q "$src" "$tree" 2>/dev/null; t1=$(now)
bytes=$(du -sb "$tree" | cut -f1)
rm -rf "$work/cp"; t2=$(now); cp -r "$tree" "$work/cp"; t3=$(now); rm -rf "$work/cp"
echo "ccmail2iff: $bytes bytes in $(secs "$t0" "$t1") s = $(echo "$bytes / ($t1 - $t0) / 1000000" | bc) MB/s;" \
	"cp -r of that tree: $(echo "$bytes / ($t3 - $t2) / 1000000" | bc) MB/s"
[ -f "$img" ] || mksquashfs "$tree" "$img" -noI -noD -noF -noX -no-xattrs -quiet >/dev/null
big=$(cd "$tree"/* && ls -S | awk "NR == 1")
folder=$(basename "$(ls -d "$tree"/*)")

declare -A R
measure() { # name command...
	local name=$1; shift
	# Every source warm in the page cache, the peer's image and ours.
	cat "$src"/*.EXP "$src"/USERS/* "$src"/FILES/* "$img" >/dev/null
	local t0 t1 t2 t3 t4 t5 t6 pid
	t0=$(now)
	"$@"
	until stat "$mnt/$folder" >/dev/null 2>&1; do sleep 0.01; done
	t1=$(now)
	find "$mnt" -type f -print0 | xargs -0 cat >/dev/null
	t2=$(now)
	find "$mnt" -type f -print0 | xargs -0 cat >/dev/null
	t3=$(now)
	find "$mnt" -printf '%s\n' >/dev/null
	t4=$(now)
	local iops
	iops=$(fio --name=r --filename="$mnt/$folder/$big" --rw=randread --bs=4k \
		--ioengine=psync --direct=1 --runtime=3 --time_based \
		--output-format=terse 2>/dev/null | cut -d';' -f8)
	pid=$(pgrep -n -f "$1 .*$mnt" || true)
	local rss=0
	[ -n "$pid" ] && rss=$(awk '/VmHWM/ {print $2}' /proc/"$pid"/status)
	fusermount3 -u "$mnt"
	R[$name,mount]+="$(secs "$t0" "$t1") "
	R[$name,read1]+="$(echo "$bytes / ($t2 - $t1) / 1000000" | bc) "
	R[$name,read2]+="$(echo "$bytes / ($t3 - $t2) / 1000000" | bc) "
	R[$name,walk]+="$(echo "($t4 - $t3) * 1000" | bc | cut -d. -f1) "
	R[$name,iops]+="$iops "
	R[$name,rss]+="$((rss / 1024)) "
}
for i in $(seq "$runs"); do
	measure squashfuse squashfuse_ll "$img" "$mnt"
	# shellcheck disable=SC2086
	measure ccmailfs "$b"/fs/ccmailfs $extra "$src" "$mnt"
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-10s %-7s %s\n' metric fs "values (median last)"
for k in mount read1 read2 walk iops rss; do
	for f in squashfuse ccmailfs; do
		m=$(echo "${R[$f,$k]}" | median)
		printf '%-10s %-10s %s -> %s\n' "$k" "$f" "${R[$f,$k]}" "$m"
		eval "M_${f}_$k=$m"
	done
done
echo "units: mount s, read1/read2 MB/s (first/second full read), walk ms, iops 4 KiB O_DIRECT, rss MiB"
for k in mount read1 read2 walk iops rss; do
	a=$(eval echo "\$M_ccmailfs_$k") b=$(eval echo "\$M_squashfuse_$k")
	echo "ratio ccmailfs/squashfuse $k: $(echo "scale=2; $a / $b" | bc)"
done
