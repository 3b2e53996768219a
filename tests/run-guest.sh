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
# per-script timeout (45 s, or a `# timeout=N` line in the script, or
# RAMFS_TIMEOUT_OVERRIDE for every script; three times that on the debug
# kernel, RAMFS_FLAVOUR=debug), exit 4 is a skip, 124
# a timeout. Unlike it, a script's KTAP output is nested KTAP v1 style
# (indented 4 spaces), so the host can count its individual test cases.
#
# Scripts that load or unload the module, or need the machine to themselves
# (memory measurements, exact kernel-log transcripts), say `# exclusive`: they
# run first, one at a time, in the order given. The others then run two at a
# time (RAMFS_JOBS, default: the guest's CPU count), so that a single-threaded
# script does not leave a vCPU idle, longest time limit first, so that a long
# one does not end up running alone at the end; each one's output is printed
# in one block when it ends, and numbered in that order.
#
# On a kernel with kmemleak (the debug flavour) a last top-level test scans
# for leaks once every script has run: a leaked object whose allocation
# backtrace passes through rust_ramfs fails it. Then the module must unload.
# Exit status: 0 when every script passed or skipped, else 1.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
default_timeout=45
kill_after=10
factor=1
[ "${RAMFS_FLAVOUR:-test}" != debug ] || factor=3

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
	local limit=${RAMFS_TIMEOUT_OVERRIDE:-}
	[ -n "$limit" ] || limit=$(sed -n 's/^# timeout=\([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null | head -n1)
	echo $((${limit:-$default_timeout} * factor))
}
is_exclusive() { grep -qx '# exclusive' "$1" 2>/dev/null; }

if $budget; then
	total=0
	for t in "${tests[@]}"; do total=$((total + $(limit_of "$t") + kill_after)); done
	echo "$total"
	exit 0
fi

# kmemleak: no periodic scan (minutes of CPU under TCG). Our debug kernel
# starts without one (kernel/debug.config); a kernel of the user's own may
# not. What boot left unreferenced is not forgotten first: that would cost a
# scan, and only objects allocated through rust_ramfs fail the last test.
kmemleak=/sys/kernel/debug/kmemleak
[ -e $kmemleak ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
[ -w $kmemleak ] || kmemleak=
[ -z "$kmemleak" ] || echo scan=off >$kmemleak

out=$(mktemp -d /tmp/run-guest.XXXXXX)
echo "KTAP version 1"
echo "1..$((${#tests[@]} + ${kmemleak:+1} + 1))"
n=0 failed=0

# start T: run script T in the background, its output and exit status into
# $out. timeout(1) runs the script in its own process group and signals the
# whole group, so children (stress-ng, fio...) die with it. Each script
# starts in / with no stdin, whatever the runner was given, and finds its
# time limit in RAMFS_TIMEOUT (seconds) to bound what it runs.
start() {
	local t=$1 name limit
	name=$(basename "$t" .sh)
	limit=$(limit_of "$t")
	(
		begin=$SECONDS
		rc=0
		(cd / && RAMFS_TIMEOUT=$limit exec timeout -k "$kill_after" "$limit" bash "$t" </dev/null >"$out/$name.out" 2>&1) || rc=$?
		echo "$rc $((SECONDS - begin)) $limit" >"$out/$name.rc"
	) &
	pids[$!]=$name
}

# report NAME: print the script's block, numbered next.
report() {
	local name=$1 rc secs limit
	read -r rc secs limit <"$out/$name.rc"
	n=$((n + 1))
	echo "    # Subtest: $name"
	sed 's/^/    /' "$out/$name.out"
	echo "# $name: exit status $rc after $secs s"
	case $rc in
	0) echo "ok $n $name" ;;
	4) echo "ok $n $name # SKIP" ;;
	124 | 137) echo "not ok $n $name # TIMEOUT $limit seconds" ;;
	*) echo "not ok $n $name # exit=$rc" ;;
	esac
	case $rc in 0 | 4) ;; *) failed=1 ;; esac
}

declare -A pids=()
# wait_one: wait for any running script to end and report it.
wait_one() {
	local pid
	wait -n -p pid "${!pids[@]}"
	report "${pids[$pid]}"
	unset "pids[$pid]"
}

shared=()
for t in "${tests[@]}"; do
	if is_exclusive "$t"; then
		start "$t"
		wait_one
	else
		shared+=("$t")
	fi
done
jobs_max=${RAMFS_JOBS:-$(nproc)}
mapfile -t shared < <(for t in "${shared[@]}"; do echo "$(limit_of "$t") $t"; done |
	sort -s -k1,1nr | cut -d' ' -f2-)
for t in "${shared[@]}"; do
	while [ "${#pids[@]}" -ge "$jobs_max" ]; do wait_one; done
	start "$t"
done
while [ "${#pids[@]}" -gt 0 ]; do wait_one; done
rm -rf "$out"

# Two scans: an object is reported only once it has been unreferenced for a
# whole scan and is older than 5 s.
if [ -n "$kmemleak" ]; then
	n=$((n + 1))
	begin=$SECONDS
	echo "    # Subtest: kmemleak"
	sleep 5
	echo scan >$kmemleak
	echo scan >$kmemleak
	report=$(cat $kmemleak)
	ours=$(awk -v RS='unreferenced object' '/rust_ramfs/ { print "unreferenced object" $0 }' <<<"$report")
	echo "    # kmemleak: $(grep -c '^unreferenced object' <<<"$report") unreferenced objects in all," \
		"$(grep -c '^unreferenced object' <<<"$ours") from rust_ramfs; two scans took $((SECONDS - begin)) s"
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

# Last, the module must unload: no mount, open file or reference that a
# script (or a fuzzer's child) left behind pins it.
n=$((n + 1))
if [ ! -d /sys/module/rust_ramfs ]; then
	echo "ok $n module unloads after every script # SKIP not loaded"
elif out=$(rmmod rust_ramfs 2>&1); then
	echo "ok $n module unloads after every script"
else
	echo "    # rmmod: $out"
	grep -w rust_ramfs /proc/mounts | sed 's/^/    # still mounted: /'
	echo "not ok $n module unloads after every script"
	failed=1
fi
exit "$failed"
