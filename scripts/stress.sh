#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make stress`: the stress part of the suite on the debug kernel (KASAN,
# lockdep, kmemleak, fault injection: kernel/debug.config), then a report of
# what ran, for how long, how many operations, and every failure.
#   concurrency  8+ processes racing on shared directories and one file
#   lifecycle    1000 mount/umount rounds, 50 module load/unload rounds
#   faults       failslab / fail_page_alloc aimed at a test process
#   fsx          seeded random file operations, several seeds in parallel
#   stress-ng    the filesystem class
#   trinity      syscall fuzzing of the file-system group (TRINITY_SYSCALLS,
#                here 150 000 a file system unless given)
# and the kmemleak scan after them. The same scripts run in `make check`;
# this runs them alone. The report is also kept in results/stress.txt.
# `scripts/stress.sh --report [KTAP-LOG]` prints the report of an earlier run
# (default results/ktap.log, e.g. that of a whole `make check`).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
results=$top/results
SCRIPTS=(concurrency lifecycle faults fsx stress-ng trinity)

rc=0
ktap=$results/ktap.log
if [ "${1:-}" = --report ]; then
	ktap=${2:-$ktap}
else
	TRINITY_SYSCALLS=${TRINITY_SYSCALLS:-150000} "$here/check.sh" "${SCRIPTS[@]}" || rc=$?
fi
{
	echo
	echo "== make stress report: $ktap, $(date -u -r "$ktap" '+%F %T UTC') =="
	printf '%-12s %-7s %6s  %s\n' script result time operations
	for s in "${SCRIPTS[@]}" kmemleak; do
		# The runner's "# NAME: exit status X after N s" and "ok|not ok N NAME".
		t=$(sed -n "s/^# $s: exit status .* after \([0-9]*\) s$/\1 s/p" "$ktap")
		r=$(sed -n "s/^\(ok\|not ok\) [0-9]* $s\( # .*\)\{0,1\}$/\1\2/p" "$ktap")
		printf '%-12s %-7s %6s  ' "$s" "${r:-missing}" "${t:--}"
		# What it did: the scripts' own "# stress: NAME ..." lines, the
		# runner's "# kmemleak: ..." line.
		if [ "$s" = kmemleak ]; then
			sed -n 's/^ *# kmemleak: //p' "$ktap"
		else
			grep -E "^ +# stress: $s " "$ktap" | sed "s/^ *# stress: $s //" | paste -sd';' - |
				sed 's/;/; /g'
		fi
	done
	echo "failures:"
	grep -E '^ *not ok ' "$ktap" | sed 's/^ */  /' || echo "  none"
} | tee "$results/stress.txt"
exit "$rc"
