#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fallocate(2), against tmpfs in the same boot (tests/ramfstest/falloc.py):
# mode 0 and FALLOC_FL_KEEP_SIZE preallocate (charged to the mount, read as
# zeroes and as a hole for SEEK_DATA until written), PUNCH_HOLE|KEEP_SIZE
# frees whole pages and zeroes partial ones (a shared mapping of the range
# sees zeroes), other modes fail EOPNOTSUPP, bad ranges and RLIMIT_FSIZE as
# the VFS says, times and the set-user-ID bit as a write; on a mount with
# size=1m, a preallocation that does not fit fails ENOSPC before it takes
# anything, and a punched hole gives the space back. Each output must be
# tmpfs's, line for line. A preallocation killed half-way leaves nothing.
# The C ramfs has no fallocate (EOPNOTSUPP): the last case shows the
# difference.
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

# same_as_tmpfs WHAT [OPTIONS]: `falloc WHAT` on a fresh rust_ramfs and a
# fresh tmpfs, both mounted with OPTIONS: the same output, not empty.
same_as_tmpfs() {
	local what=$1 opts=${2:-} fs
	for fs in "$RAMFS_NAME" tmpfs; do
		fs_mount "$fs" "$SCRATCH/$what-$fs" "$opts" || return
		tpy falloc "$what" "$SCRATCH/$what-$fs" >"$SCRATCH/$what-$fs.out" 2>&1 ||
			echo "$fs: exit status $?" >>"$SCRATCH/$what-$fs.out"
		fs_umount "$SCRATCH/$what-$fs" || return
	done
	same_observations "$(<"$SCRATCH/$what-$RAMFS_NAME.out")" "$(<"$SCRATCH/$what-tmpfs.out")" tmpfs
}

# A preallocation killed half-way (SIGKILL) leaves nothing: the pages it
# added go, and their charge. Sets KILLED to fallocate(1)'s exit status: 0
# when it ended before the kill came (then nothing is shown either way).
KILLED=
killed_halfway() {
	local m=$SCRATCH/killed pid left
	fs_mount "$RAMFS_NAME" "$m" size=1g || return
	fallocate -l 512M "$m/f" &
	pid=$!
	sleep 0.3
	kill -KILL "$pid"
	KILLED=0
	wait "$pid" || KILLED=$?
	left="size $(stat -c %s "$m/f"), blocks $(stat -c %b "$m/f"), mount used $(used_blocks "$m")"
	echo "fallocate -l 512M: exit status $KILLED; then $left"
	[ "$KILLED" -eq 0 ] || [ "$left" = "size 0, blocks 0, mount used 0" ]
}

# The case of killed_halfway: a skip, saying so, when there was nothing to see.
killed_case() {
	local desc="$RAMFS_NAME: a preallocation killed half-way leaves nothing"
	if ! _run_quoted killed_halfway; then
		ktap_test_fail "$desc"
	elif [ "$KILLED" -eq 0 ]; then
		ktap_test_skip "$desc (it ended before the kill came)"
	else
		ktap_test_pass "$desc"
	fi
}

# The C ramfs refuses what rust_ramfs does.
c_ramfs_refuses() {
	local r=$SCRATCH/c-rust c=$SCRATCH/c-ramfs out
	fs_mount "$RAMFS_NAME" "$r" && fs_mount ramfs "$c" || return
	out="$RAMFS_NAME: $(fallocate -l 1M "$r/f" 2>&1 && echo OK), ramfs: $(fallocate -l 1M "$c/f" 2>&1 && echo OK)"
	echo "$out"
	[ "$out" = "$RAMFS_NAME: OK, ramfs: fallocate: fallocate failed: $(errno_msg EOPNOTSUPP)" ]
}

ktap_begin
dmesg_mark
expect_ok "preallocate, KEEP_SIZE, punch hole, modes, ranges, times, set-user-ID: as tmpfs" \
	same_as_tmpfs cases
expect_ok "size=1m: ENOSPC before anything is taken; punching gives back: as tmpfs" \
	same_as_tmpfs limit size=1m
killed_case
expect_ok "the C ramfs fails fallocate(1) EOPNOTSUPP where $RAMFS_NAME preallocates" c_ramfs_refuses
expect_no_splat "no kernel warnings"
ktap_finished
