#!/bin/sh
# bench.sh's arguments: help and bad usage are answered before anything is
# built, generated or mounted. No timing: the benchmark itself is run by hand.
set -u
bench=$1
fail=0
# Should a bad argument get through, the run stops at once on a build that
# does not exist (exit 1) instead of benchmarking.
CCM_BUILD=/nonexistent/ccmailfs-build
export CCM_BUILD
check() { # want-status description args...
	want=$1 what=$2
	shift 2
	bash "$bench" "$@" >/tmp/bench-args.$$ 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, want $want"
		cat /tmp/bench-args.$$
		fail=1
	fi
}
check 0 "help" -h
grep -q '^  -m M\[,M...\]' /tmp/bench-args.$$ || { echo "FAIL: help lacks -m"; fail=1; }
check 2 "a scale that is not a count" -m 10k
check 2 "zero runs" -r 0
check 2 "a bad attachment size" -a 1X
check 2 "an unknown option" -x
check 2 "an extra argument" -m 10000 extra
rm -f /tmp/bench-args.$$
[ "$fail" = 0 ] && echo "bench-args: help and bad usage answered"
exit "$fail"
