#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Life cycle, many times over: a super block is set up and torn down 1000
# times (mount, use, umount), the module is loaded, used and unloaded 50 times.
# Every round must work, and nothing may be left behind: no module reference,
# no mount, no kernel warning. (Leaks are kmemleak's job: the runner scans for
# them once every script has run, tests/run-guest.sh.)
# The loops are system calls from one python process (mount(2), umount2(2),
# init_module(2), delete_module(2): tests/ramfstest/lifecycle.py): exec'ing
# mount(8) 2000 times would take most of an hour under TCG on the debug kernel.
# exclusive
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

MNT=$SCRATCH/mnt
mkdir -p "$MNT"
# Unmounted on exit should a round fail half-way.
_MOUNTS+=("$MNT")

# loop MODE FSTYPE ROUNDS: mount/umount (MODE mounts) or insmod/mount/umount/
# rmmod (MODE modules) ROUNDS times (tests/ramfstest/lifecycle.py); pass
# when every round worked.
loop() {
	local out rc=0
	out=$(tpy lifecycle "$1" "$2" "$MNT" "$3" "$RAMFS_KO" 2>&1) || rc=$?
	echo "$out"
	echo "# stress: lifecycle $1 $2 $(tail -n 1 <<<"$out")" >>"$SCRATCH/stress"
	if grep -q " $MNT " /proc/mounts; then
		echo "$MNT is still mounted"
		return 1
	fi
	return "$rc"
}

refcnt_is_zero() {
	local r
	r=$(cat "/sys/module/$RAMFS_NAME/refcnt")
	echo "refcnt $r"
	[ "$r" = 0 ]
}

ktap_begin
dmesg_mark

expect_ok "mount, use, umount rust_ramfs 1000 times" loop mounts "$RAMFS_NAME" 1000
expect_ok "the same 1000 rounds on the C ramfs (reference)" loop mounts ramfs 1000
expect_ok "after 1000 rounds nothing holds the module" refcnt_is_zero
expect_ok "unload the module for the load/unload rounds" ramfs_unload
expect_ok "insmod, mount, use, umount, rmmod 50 times" loop modules "$RAMFS_NAME" 50
expect_ok "insmod again for the tests that follow" ramfs_load
expect_no_splat "no kernel warning during the rounds"
[ ! -f "$SCRATCH/stress" ] || cat "$SCRATCH/stress"

ktap_finished
