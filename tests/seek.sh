#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lseek(SEEK_DATA) and lseek(SEEK_HOLE), against tmpfs in the same boot:
# files with holes of several shapes (tests/ramfstest/seek.py), 20 offsets
# each (negative, inside data and holes, at and past the end), must get
# tmpfs's answers; the C ramfs has no holes to report (every offset before
# the end is data), which the last case shows. Then cp --sparse=always of a
# sparse file keeps its holes.
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
T=$SCRATCH/tmpfs
C=$SCRATCH/ramfs

# answers DIR: every question of seek.py on the file system mounted on DIR.
answers() { tpy seek "$1"; }

same_answers() {
	local r t
	r=$(answers "$R") && t=$(answers "$T") || return
	same_observations "$r" "$t" tmpfs
}

# The layout "sparse" on the C ramfs: SEEK_HOLE from 0 says the end of the
# file (generic_file_llseek: no holes), where rust_ramfs finds the first.
c_ramfs_has_no_holes() {
	local c r
	c=$(answers "$C" | grep '^sparse HOLE 0 ') && r=$(answers "$R" | grep '^sparse HOLE 0 ') || return
	echo "ramfs: $c; $RAMFS_NAME: $r"
	[ "$c" = "sparse HOLE 0 -> 1048576" ] && [ "$r" = "sparse HOLE 0 -> 0" ]
}

# cp --sparse=always finds the holes with SEEK_DATA/SEEK_HOLE: the copy of a
# 64 MiB file with 8 KiB of data holds 2 pages (du), the same data.
sparse_copy() {
	local f=$R/big
	truncate -s 64M "$f" && printf 'a' | dd of="$f" bs=1 seek=$((32 << 20)) conv=notrunc status=none &&
		printf 'b' | dd of="$f" bs=1 seek=$((64 << 20)) status=none || return
	cp --sparse=always "$f" "$R/copy" || return
	echo "du: original $(du -k "$f" | cut -f1) KiB, copy $(du -k "$R/copy" | cut -f1) KiB"
	cmp "$f" "$R/copy" && [ "$(du -k "$R/copy" | cut -f1)" -le 8 ]
}

ktap_begin
expect_ok "mount $RAMFS_NAME, tmpfs and ramfs" eval 'fs_mount "$RAMFS_NAME" "$R" && fs_mount tmpfs "$T" && fs_mount ramfs "$C"'
expect_ok "SEEK_DATA and SEEK_HOLE answer as on tmpfs (7 layouts, 20 offsets)" same_answers
expect_ok "the C ramfs reports no hole where $RAMFS_NAME finds one" c_ramfs_has_no_holes
expect_ok "cp --sparse=always keeps a 64 MiB file's holes" sparse_copy
ktap_finished
