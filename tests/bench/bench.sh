#!/bin/bash
# The side-by-side benchmark of ccmailfs (README.md, "Tests and benchmarks").
# Run by hand, as root, never from the test suite:
#
#   bash tests/bench/bench.sh [-m MESSAGES[,MESSAGES...]] [-r RUNS]
#                             [-a ATTACH] [-d DIR] [-o CCMAILFS_OPTIONS] [-b]
#
# For each scale it generates a synthetic post office with ccm-gen (kept
# under DIR and reused while the parameters and ccm-gen are the same),
# writes its tree to disk with ccmail2iff (the limit), packs that tree
# uncompressed with mksquashfs -noI -noD -noF -noX and mounts it with
# Debian's squashfuse_ll (the peer), mounts the export with ccmailfs, and
# measures the three the same way, in turn, in one run. CCM_BUILD=DIR uses
# the build in DIR instead of build/.
set -euo pipefail
export LC_ALL=C

usage() {
	cat <<EOF
usage: bash tests/bench/bench.sh [options]

Measures ccmailfs beside squashfuse_ll (and ccmail2iff writing the same
tree to disk) on synthetic post offices; needs root and /dev/fuse.

  -m M[,M...]  messages of each scale (default 100000); the scales of the
               project are 10000, 100000 and 1000000; -m may be repeated
  -r N         runs of each measure (default 3); medians are of these
  -a BYTES     attachment bytes of the post office, for every scale
               (default: 100M at 10000 messages, 1G at 100000, 2G at
               1000000, else 10K a message; K, M, G suffixes)
  -d DIR       where sources, images and scratch files go
               (default /var/tmp/ccmailfs-bench); a source is reused
               while its parameters and ccm-gen are the same
  -o OPTS      mount options for ccmailfs, as in -o nosplice
  -b           ccmailfs mounts the export from a squashfs image of it
               on a loop device, read-only itself, where attachment data
               is spliced (elsewhere it is copied, to be checked after
               the read)
  -h           this text
EOF
}

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

runs=3 scales="" attach="" dir=/var/tmp/ccmailfs-bench extra="" roimage=""
while getopts "r:m:a:d:o:bh" opt; do
	case $opt in
	r) runs=$OPTARG ;;
	m) scales="$scales ${OPTARG//,/ }" ;;
	a) attach=$OPTARG ;;
	d) dir=$OPTARG ;;
	o) extra=$OPTARG ;;
	b) roimage=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "bench.sh: unexpected argument '$1'" >&2; usage >&2; exit 2; }
# shellcheck disable=SC2086 # a list of counts, checked below
scales=$(printf '%s\n' ${scales:-100000} | awk '!seen[$0]++' | tr '\n' ' ')
for v in $runs $scales; do
	[[ $v =~ ^[1-9][0-9]{0,8}$ ]] || { echo "bench.sh: '$v' is not a count" >&2; exit 2; }
done
[[ -z $attach || $attach =~ ^[1-9][0-9]*[KMG]?$ ]] ||
	{ echo "bench.sh: -a '$attach' is not a size" >&2; exit 2; }

[ "$(id -u)" = 0 ] ||
	die "needs root: it mounts squashfuse_ll and ccmailfs (sudo bash $0 ...)"
[ -c /dev/fuse ] ||
	die "no /dev/fuse: load the fuse module (modprobe fuse), or give a container --device /dev/fuse"

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
b=${CCM_BUILD:-build}
[ "$b" = build ] && sh .ci/build bench >/dev/null
for t in squashfuse_ll mksquashfs fio fusermount3 flock; do
	command -v "$t" >/dev/null || die "$t is missing: sh .ci/deps bench installs it"
done
gen=$b/tests/gen/ccm-gen ccmailfs=$b/fs/ccmailfs c2i=$b/fs/ccmail2iff
for t in "$gen" "$ccmailfs" "$c2i"; do
	[ -x "$t" ] || die "$t is missing: build first (sh .ci/build)"
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
exec {lockfd}>"$dir/.lock"
flock -n "$lockfd" || die "another bench.sh is using $dir"
tmp=$(mktemp -d "$dir/run.XXXXXX")
mnt=$tmp/mnt ro=$tmp/ro
mkdir "$mnt" "$ro"
mkfifo "$tmp/tick"
exec {tick}<>"$tmp/tick" # read -t on it sleeps without a fork
daemon="" # the pid of the file system being measured

# On any exit: unmount (lazily if busy), stop the daemon we started, and
# remove everything but the reusable sources.
cleanup() {
	set +e
	# /proc/mounts, not mountpoint(1): a dead daemon's mount fails a stat
	if grep -qs " $mnt fuse" /proc/mounts; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"
	fi
	! grep -qs " $ro " /proc/mounts || umount "$ro" || umount -l "$ro"
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		kill "$daemon"
		wait "$daemon"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

us() { echo "${EPOCHREALTIME/./}"; } # microseconds since the epoch
# fmt EXPR: evaluate an awk expression, "-" when it divides by zero
fmt() { awk "BEGIN { d = $2; if (d == 0) print \"-\"; else printf \"$1\", ($3) / d }"; }
kib() { awk -v k="$2" "/^$1:/ { printf \"%.1f\", \$2 / 1024; k = \"\" } END { if (k) print k }" "/proc/$3/status"; }
# One mailbox copied from folder $1 into $tmp/copy: its PRI and SEC
# files, or in a mail view its folder (mdir set).
copy_mailbox() {
	if [ -n "$mdir" ]; then
		(cd "$1" && cp -r -- "$mailbox" "$tmp/copy")
	else
		(cd "$1" && cp $mailbox "$tmp/copy")
	fi
}
# fio splits --filename at ':' (a Maildir name has one): escaped.
fio_escape() { printf '%s' "${1//:/\\:}"; }
tree_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

# The attachment bytes of a scale: the issue's figures were taken with 1G
# at 100000 messages; at 1000000, 2G keeps the source, the tree and the
# image (about 3 GB each) in the page cache of a 24 GB machine.
attach_of() {
	if [ -n "$attach" ]; then echo "$attach"; return; fi
	case $1 in
	10000) echo 100M ;;
	100000) echo 1G ;;
	1000000) echo 2G ;;
	*) echo $(($1 * 10))K ;;
	esac
}

# What ccm-gen writes, as a checksum of a small post office it makes:
# two builds of the same generator (another build folder, CCM_BUILD) keep
# each other's sources, where a checksum of the program would differ.
gen_id() {
	"$gen" --seed 11 --users 3 --messages 40 --attach-bytes 20K \
		--big-attach 1 --tricky "$tmp/gen-id" >/dev/null
	(cd "$tmp/gen-id" && find . -type f | LC_ALL=C sort |
		while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done) |
		cksum
	rm -rf "$tmp/gen-id"
}

# source_of M: generates the post office of M messages in $dir/mM/src,
# or keeps the one there if made with the same parameters and by a
# ccm-gen that writes the same (gen_id); sets src and gen_note.
source_of() {
	local m=$1 a params
	a=$(attach_of "$m")
	params="seed=11 users=200 messages=$m attach=$a big=20 gen=$gen_sum"
	if [ ! -f "$dir/m$m/params" ] || [ "$(cat "$dir/m$m/params")" != "$params" ]; then
		rm -rf "$dir/m$m"
		mkdir -p "$dir/m$m"
		echo "generating $m messages with $a of attachments in $dir/m$m/src" >&2
		local t0
		t0=$(us)
		nice "$gen" --seed 11 --users 200 --messages "$m" \
			--attach-bytes "$a" --big-attach 20 "$dir/m$m/src"
		fmt %.1f 1000000 "$(us) - $t0" >"$dir/m$m/gentime"
		echo "$params" >"$dir/m$m/params"
		gen_note="generated in $(cat "$dir/m$m/gentime") s"
	else
		gen_note="reused (generated in $(cat "$dir/m$m/gentime" 2>/dev/null || echo "?") s)"
	fi
	src=$dir/m$m/src
}

# Waits until the mount answers (a stat of the post office folder) or
# its daemon dies; sets el to the microseconds since $1. No fork.
ready() {
	until [ -d "$mnt/$folder" ]; do
		if ! kill -0 "$daemon" 2>/dev/null; then
			cat "$tmp/log" >&2
			die "the file system did not mount"
		fi
		read -r -t 0.002 -u "$tick" || true
	done
	el=$((${EPOCHREALTIME/./} - $1))
}

start() { # fs: mounts the peer's image or ccmailfs's source at $mnt
	if [ "$1" = squashfuse ]; then
		squashfuse_ll -f "$img" "$mnt" 2>>"$tmp/log" &
	else
		# shellcheck disable=SC2086
		"$ccmailfs" -f $copts "$csrc" "$mnt" 2>>"$tmp/log" &
	fi
	daemon=$!
}

stop() {
	fusermount3 -u "$mnt"
	wait "$daemon" || true
	daemon=""
}

warm() { cat "$csrc"/*.EXP "$csrc"/USERS/* "$csrc"/FILES/* "$img" >/dev/null 2>&1 || true; }

declare -A R # R[fs,metric]: the values of the runs, blank-separated
add() { R[$1,$2]+="$3 "; }

# One run of one file system: a first mount (its time, its peak memory,
# the index it wrote, one mailbox copied out while it is fresh), then a
# remount (its time, two full reads, the walk, random reads, memory).
measure() {
	local fs=$1 t0 n
	warm
	rm -rf "$cache"
	t0=${EPOCHREALTIME/./}
	start "$fs"
	ready "$t0"
	add "$fs" mount1 "$(fmt %.3f 1000000 "$el")"
	add "$fs" rss1 "$(kib VmHWM - "$daemon")"
	rm -rf "$tmp/copy"; mkdir "$tmp/copy"
	t0=$(us)
	# shellcheck disable=SC2086 # a list of plain file names
	copy_mailbox "$mnt/$folder"
	add "$fs" copy "$(fmt %.0f 1000 "$(us) - $t0")"
	rm -rf "$tmp/copy"
	if [ "$fs" = squashfuse ]; then
		# its index: the tables after the data (bytes_used - inode_table_start)
		n=$(od -An -t u8 -j 40 -N 8 "$img")
		n=$((n - $(od -An -t u8 -j 64 -N 8 "$img")))
	elif [ -n "$cache" ] && [ -d "$cache" ]; then
		n=$(tree_bytes "$cache")
	else
		n=-
	fi
	add "$fs" index "$n"
	stop
	t0=${EPOCHREALTIME/./}
	start "$fs"
	ready "$t0"
	add "$fs" mount2 "$(fmt %.3f 1000000 "$el")"
	t0=$(us)
	find "$mnt" -type f -print0 | xargs -0 cat >/dev/null
	add "$fs" read1 "$(fmt %.0f "$(us) - $t0" "$bytes")"
	t0=$(us)
	find "$mnt" -type f -print0 | xargs -0 cat >/dev/null
	add "$fs" read2 "$(fmt %.0f "$(us) - $t0" "$bytes")"
	add "$fs" walk "$(walk "$mnt")"
	add "$fs" iops "$(fio --name=r --filename="$(fio_escape "$mnt/$folder/$big")" --rw=randread \
		--bs=4k --ioengine=psync --direct=1 --runtime=3 --time_based \
		--output-format=terse 2>/dev/null | cut -d';' -f8)"
	add "$fs" hwm "$(kib VmHWM - "$daemon")"
	add "$fs" anon "$(kib RssAnon - "$daemon")"
	stop
}

# One run of the tree on disk (the limit), measured as the mounts are:
# no mount, no daemon; its reads come from the page cache (ccmail2iff
# has just written it), its O_DIRECT reads from the disk.
measure_disk() {
	local t0
	rm -rf "$tmp/copy"; mkdir "$tmp/copy"
	t0=$(us)
	# shellcheck disable=SC2086 # a list of plain file names
	copy_mailbox "$tree/$folder"
	add disk copy "$(fmt %.0f 1000 "$(us) - $t0")"
	rm -rf "$tmp/copy"
	t0=$(us)
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
	add disk read1 "$(fmt %.0f "$(us) - $t0" "$bytes")"
	t0=$(us)
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null
	add disk read2 "$(fmt %.0f "$(us) - $t0" "$bytes")"
	add disk walk "$(walk "$tree")"
	add disk iops "$(fio --name=r --filename="$(fio_escape "$tree/$folder/$big")" --rw=randread \
		--bs=4k --ioengine=psync --direct=1 --runtime=3 --time_based \
		--output-format=terse 2>/dev/null | cut -d';' -f8)"
	for k in mount1 mount2 rss1 hwm anon index; do add disk $k -; done
}

# The metadata walk of a folder, in ms: the median of five. One walk
# takes about 10 ms, of which find's own start is a good part: a single
# one moves by more than the difference it is there to show.
walk() {
	local i t0 v=()
	for i in 1 2 3 4 5; do
		t0=$(us)
		find "$1" -printf '%s\n' >/dev/null
		v+=("$(fmt %.1f 1000 "$(us) - $t0")")
	done
	median "${v[@]}"
}

median() { # values... ("-" when any is not a number)
	printf '%s\n' "$@" | sort -g | awk '!/^-?[0-9.]+$/ { bad = 1 } { v[NR] = $1 }
		END { if (bad || !NR) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'; }

metrics="mount1 mount2 read1 read2 iops walk copy rss1 hwm anon index"
declare -A TITLE=(
	[mount1]="mount ready, first|s|lower" [mount2]="mount ready, remount|s|lower"
	[read1]="first full read|MB/s|higher" [read2]="second full read|MB/s|higher"
	[iops]="4 KiB O_DIRECT random reads|IOPS|higher" [walk]="metadata walk|ms|lower"
	[copy]="copy one mailbox out|ms|lower" [rss1]="peak RSS, first mount|MiB|lower"
	[hwm]="peak RSS, end of run|MiB|lower" [anon]="anonymous memory, end of run|MiB|lower"
	[index]="index file|bytes|lower")
declare -A SUMMARY # SUMMARY[scale,metric]: "peer median|ccmailfs median|ratio"

bench_scale() {
	local m=$1 t0 t1 files tcp tsq
	source_of "$m"
	local cp_dir=$tmp/cp
	tree=$tmp/tree csrc=$src
	if [ -n "$roimage" ]; then
		# A read-only bind mount would not do: its files can still be
		# written through the export, so ccmailfs copies from it.
		mksquashfs "$src" "$tmp/src.sqfs" -noI -noD -noF -noX -no-xattrs \
			-quiet -no-progress >/dev/null
		mount -t squashfs -o loop,ro "$tmp/src.sqfs" "$ro"
		csrc=$ro
	fi
	img=$tmp/tree.sqfs
	cache=""
	if "$ccmailfs" --help 2>&1 | grep -q 'cache='; then cache=$tmp/cache; fi
	copts=${extra:+-o $extra}${cache:+ -o cache=$cache}
	mdir=""
	# A mail view (-o view=maildir or eml) is compared with the same view
	# written by ccmail2iff and packed for squashfuse_ll.
	local view
	view=$(printf '%s\n' "$extra" | tr , '\n' | sed -n 's/^view=//p')

	# The limit: ccmail2iff writing the tree to disk, and cp -r of it.
	# sync first and after: a source just generated, or an image just
	# packed, would otherwise be written back during the measures.
	sync
	warm
	t0=$(us)
	"$c2i" -q ${view:+--view=$view} "$src" "$tree" 2>/dev/null
	t1=$(($(us) - t0))
	bytes=$(tree_bytes "$tree")
	files=$(find "$tree" -type f | wc -l)
	t0=$(us)
	cp -r "$tree" "$cp_dir"
	tcp=$(($(us) - t0))
	rm -rf "$cp_dir"
	t0=$(us)
	mksquashfs "$tree" "$img" -noI -noD -noF -noX -no-xattrs -quiet -no-progress >/dev/null
	sync
	tsq=$(($(us) - t0))
	folder=$(basename "$(ls -d "$tree"/*/)")
	big=$(find "$tree/$folder" -type f -printf '%s %P\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
	# The largest mailbox: a PRI and the SEC files after it in the PKL;
	# not the bulletin boards' PRI, the last one when there are boards.
	local boards=0
	[ -z "$(find "$src" -maxdepth 1 -iname CCMBB.EXP)" ] || boards=1
	# One line a mailbox, "bytes PRI SEC...", from the sizes and the PKL.
	if [ -z "$view" ] || [ "$view" = iff ]; then
		mailbox=$(find "$tree/$folder" -type f -printf '%f,%s\n' |
			awk -F, 'NR == FNR { size[$1] = $2; next } { sub(/\r$/, "") }
			$1 == "DIRECTORY.PRI" { next }
			$2 == "Primary" { n++ } $2 == "Primary" || $2 == "Secondary" { b[n] += size[$1]; f[n] = f[n] $1 " " }
			END { for (i = 1; i <= n; i++) printf "%.0f %s\n", b[i], f[i] }' - "$tree/$folder/$folder.PKL" |
			head -n "-$boards" | sort -n | tail -n 1)
	else
		# A mail view: the largest mailbox is a folder of its own
		# (the bulletin boards' folder aside).
		mailbox=$(cd "$tree/$folder" && du -sb -- */ | grep -v '	Bulletin Boards/$' | sort -n | tail -n 1 |
			sed 's/\t/ /')
		mdir=1
	fi
	local mbytes=${mailbox%% *}
	mailbox=${mailbox#* }

	echo
	echo "## $m messages, $(attach_of "$m") of attachments: $src, $gen_note"
	echo "tree: $files files, $bytes bytes; ccmail2iff wrote it in" \
		"$(fmt %.2f 1000000 "$t1") s ($(fmt %.0f "$t1" "$bytes") MB/s, the limit);" \
		"cp -r of it: $(fmt %.0f "$tcp" "$bytes") MB/s; mksquashfs: $(fmt %.1f 1000000 "$tsq") s"
	echo "mailbox copied out: $mailbox($mbytes bytes); random reads in $big"
	[ -z "$roimage" ] || echo "ccmailfs mounts the export from its squashfs image, read-only (splice)"
	R=()
	for i in $(seq "$runs"); do
		echo "run $i of $runs..." >&2
		measure_disk
		measure squashfuse
		measure ccmailfs
	done
	rm -rf "$img" "$tree"
	[ -z "$roimage" ] || { umount "$ro" && rm -f "$tmp/src.sqfs"; }
	echo
	echo "| metric | unit | better | tree on disk (limit) | median | squashfuse_ll | median | ccmailfs | median | ratio |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for k in $metrics; do
		local d p c r
		# shellcheck disable=SC2086
		d=$(median ${R[disk,$k]}) p=$(median ${R[squashfuse,$k]}) c=$(median ${R[ccmailfs,$k]})
		r=$(ratio "$c" "$p")
		IFS='|' read -r t u w <<<"${TITLE[$k]}"
		echo "| $t | $u | $w | ${R[disk,$k]% } | $d | ${R[squashfuse,$k]% } | $p | ${R[ccmailfs,$k]% } | $c | $r |"
		SUMMARY[$m,$k]="$d|$p|$c|$r"
	done
	SUMMARY[$m,limit]=$(fmt %.0f "$t1" "$bytes")
}

echo "ccmailfs benchmark, $(date -u '+%F %H:%M UTC'), $(nproc) cores," \
	"$runs run(s); ratio = ccmailfs / squashfuse_ll"
gen_sum=$(gen_id)
for m in $scales; do bench_scale "$m"; done
if [ "$(echo "$scales" | wc -w)" -gt 1 ]; then
	echo
	echo "## Medians at every scale (limit / squashfuse_ll / ccmailfs / ratio)"
	printf '| metric | unit |'; for m in $scales; do printf ' %s messages |' "$m"; done; echo
	printf '|---|---|'; for m in $scales; do printf -- '---|'; done; echo
	for k in $metrics; do
		IFS='|' read -r t u w <<<"${TITLE[$k]}"
		printf '| %s | %s |' "$t" "$u"
		for m in $scales; do
			IFS='|' read -r d p c r <<<"${SUMMARY[$m,$k]}"
			printf ' %s / %s / %s / %s |' "$d" "$p" "$c" "$r"
		done
		echo
	done
	printf '| ccmail2iff writing the tree (the limit) | MB/s |'
	for m in $scales; do printf ' %s |' "${SUMMARY[$m,limit]}"; done
	echo
fi
