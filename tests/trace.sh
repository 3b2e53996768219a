#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The `trace` mount option: with it, each VFS call into the module logs one
# line; without it, none. The exact log of a fixed command sequence is
# tests/trace-tour.txt, which TOUR.md quotes (scripts/tourcheck.sh checks that).
# exclusive
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
TRANSCRIPT=$TESTS_DIR/trace-tour.txt
MNT=$SCRATCH/mnt
mkdir -p "$MNT"

# Our trace lines since the last dmesg_mark, without timestamps and prefix.
trace_lines() {
	dmesg_since_mark | sed -n "s/^\[[ 0-9.]*\] $RAMFS_NAME: //p"
}

# Replace inode numbers by #1, #2... in order of first appearance: they
# differ from boot to boot.
number_inodes() {
	awk '{
		out = ""
		while (match($0, /(ino|dir) [0-9]+/)) {
			split(substr($0, RSTART, RLENGTH), w, " ")
			if (!(w[2] in id)) id[w[2]] = ++n
			out = out substr($0, 1, RSTART - 1) w[1] " #" id[w[2]]
			$0 = substr($0, RSTART + RLENGTH)
		}
		print out $0
	}'
}

# replay OPTIONS: run the transcript's commands on $MNT (its mount command
# with OPTIONS instead of trace), printing each command and what it logged.
replay() {
	local opts=$1 line cmd
	while IFS= read -r line; do
		[[ $line == '$ '* ]] || continue
		cmd=${line#\$ }
		cmd=${cmd//\/mnt/$MNT}
		cmd=${cmd/-o trace/${opts:+-o $opts}}
		echo "$line"
		dmesg_mark
		(cd / && eval "$cmd") >/dev/null 2>&1 || echo "# FAILED: $cmd"
		trace_lines
	done <"$TRANSCRIPT"
}

ktap_begin

dmesg_mark
log=$(replay trace | number_inodes)
if [ "$log" = "$(<"$TRANSCRIPT")" ]; then
	ktap_test_pass "trace logs exactly the calls of tests/trace-tour.txt"
else
	diff <(cat "$TRANSCRIPT") <(echo "$log") | sed 's/^/# /'
	ktap_test_fail "trace logs exactly the calls of tests/trace-tour.txt"
fi

log=$(replay "" | grep -v '^\$ ')
if [ -z "$log" ]; then
	ktap_test_pass "without trace nothing is logged"
else
	printf '%s\n' "$log" | sed 's/^/# /'
	ktap_test_fail "without trace nothing is logged"
fi

# Remount switches it live, and /proc/mounts shows it.
fs_mount "$RAMFS_NAME" "$MNT"
mounted_with_trace() { grep -E "^\S+ $MNT $RAMFS_NAME \S*,trace(,| )" /proc/mounts; }
expect_fail "/proc/mounts shows no trace by default" mounted_with_trace
mount -o remount,trace "$MNT"
expect_ok "remount,trace shows in /proc/mounts" mounted_with_trace
dmesg_mark
mkdir "$MNT/on"
mount -o remount,notrace "$MNT"
mkdir "$MNT/off"
expect_output "remount,trace then notrace switch logging live" \
	"$(printf 'lookup(dir #1, "on") = negative\nmkdir(dir #1, "on", 0777) = ino #2')" \
	eval 'trace_lines | number_inodes'

# Rate limit: a flood of calls cannot flood the log. 20 000 lookups of
# missing names (one ls, one lstat each); at most 1000 lines get through in
# each 5-second window, and the rest are counted as dropped. For the flood the
# console log level is lowered: the lines still go to the kernel log (which
# vm.sh makes big enough to keep them all), but not out of the slow emulated
# serial port, which would pace the lookups.
mount -o remount,trace "$MNT"
read -r console_level _ </proc/sys/kernel/printk
dmesg_mark
echo 1 >/proc/sys/kernel/printk
start=$(date +%s.%N)
ls -d "$MNT"/missing-{1..20000} >/dev/null 2>&1
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
echo "$console_level" >/proc/sys/kernel/printk
# The next logged call after a window with drops reports them.
sleep 5.2
mkdir "$MNT/after"
logged=$(trace_lines | grep -c '^lookup(')
# Windows the flood touched: at most one more than its length in windows.
limit=$(echo "(($elapsed + 4.999) / 5 + 1) * 1000" | bc)
echo "# $logged lookups logged in $elapsed s (limit $limit)"
expect_ok "at most 1000 lines per 5-second window are logged" test "$logged" -le "$limit"
if [ "$logged" -lt 20000 ]; then
	expect_ok "dropped lines are reported" eval 'trace_lines | grep "lines dropped (rate limit)"'
else
	echo "# all 20000 lookups logged: the flood took longer than 100 s"
	ktap_test_fail "dropped lines are reported"
fi
fs_umount "$MNT"
ktap_finished
