#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `scripts/vm.sh test`: run each test script as one KTAP subtest.
#
#   tests/run-guest.sh [NAME...]           NAME = module or tests/module.sh;
#                                          default: every tests/*.sh
#   tests/run-guest.sh --budget [NAME...]  print the most those can take (s),
#                                          for the VM's own time limit
#
# Like the kselftest runner (tools/testing/selftests/kselftest/runner.sh):
# per-script timeout (45 s, or a `# timeout=N` line in the script), exit 4 is
# a skip, 124 a timeout. Unlike it, a script's KTAP output is nested KTAP v1
# style (indented 4 spaces), so the host can count its individual test cases.
# On a kernel with kmemleak (the debug flavour) a last top-level test scans
# for leaks once every script has run: a leaked object whose allocation
# backtrace passes through rust_ramfs fails it.
# Exit status: 0 when every script passed or skipped, else 1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
default_timeout=45
kill_after=10

budget=false
[ "${1:-}" != --budget ] || { budget=true && shift; }

tests=()
if [ $# -gt 0 ]; then
	for name; do
		name=${name##*/}
		tests+=("$here/${name%.sh}.sh")
	done
else
	for t in "$here"/*.sh; do
		case ${t##*/} in lib.sh | run-guest.sh) continue ;; esac
		tests+=("$t")
	done
fi

limit_of() {
	local limit
	limit=$(sed -n 's/^# timeout=\([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null | head -n1)
	echo "${limit:-$default_timeout}"
}

if $budget; then
	total=0
	for t in "${tests[@]}"; do total=$((total + $(limit_of "$t") + kill_after)); done
	echo "$total"
	exit 0
fi

# kmemleak: stop its periodic scan (minutes of CPU under TCG), and forget
# what boot left unreferenced, so that the final scan sees only this run.
kmemleak=/sys/kernel/debug/kmemleak
[ -e /sys/kernel/debug/kmemleak ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -w $kmemleak ] || kmemleak=
if [ -n "$kmemleak" ]; then
	echo scan=off >$kmemleak
	echo scan >$kmemleak
	echo clear >$kmemleak
fi

echo "KTAP version 1"
echo "1..$((${#tests[@]} + ${kmemleak:+1}))"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	limit=$(limit_of "$t")
	start=$SECONDS
	echo "    # Subtest: $name"
	# timeout(1) runs the script in its own process group and signals the
	# whole group, so children (stress-ng, fio...) die with it. Each script
	# starts in / with no stdin, whatever the runner was given.
	(cd / && exec timeout -k "$kill_after" "$limit" bash "$t" </dev/null 2>&1) | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	echo "# $name: exit status $rc after $((SECONDS - start)) s"
	case $rc in
	0) echo "ok $n $name" ;;
	4) echo "ok $n $name # SKIP" ;;
	124 | 137) echo "not ok $n $name # TIMEOUT $limit seconds" ;;
	*) echo "not ok $n $name # exit=$rc" ;;
	esac
	case $rc in 0 | 4) ;; *) failed=1 ;; esac
done

# Two scans: an object is reported only once it has been unreferenced for a
# whole scan and is older than 5 s.
if [ -n "$kmemleak" ]; then
	n=$((n + 1))
	start=$SECONDS
	echo "    # Subtest: kmemleak"
	sleep 5
	echo scan >$kmemleak
	echo scan >$kmemleak
	report=$(cat $kmemleak)
	ours=$(awk -v RS='unreferenced object' '/rust_ramfs/ { print "unreferenced object" $0 }' <<<"$report")
	echo "    # kmemleak: $(grep -c '^unreferenced object' <<<"$report") unreferenced objects in all, $(grep -c '^unreferenced object' <<<"$ours") from rust_ramfs; two scans took $((SECONDS - start)) s"
	if [ -n "$report" ] && [ -z "$ours" ]; then
		echo "    # not from rust_ramfs (shown for the record):"
		head -n 60 <<<"$report" | sed 's/^/    # /'
	fi
	if [ -z "$ours" ]; then
		echo "ok $n kmemleak"
	else
		head -n 200 <<<"$ours" | sed 's/^/    # /'
		echo "not ok $n kmemleak"
		failed=1
	fi
fi
exit "$failed"
