#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# O_TMPFILE: a nameless file (nlink 0, not listed) that works like any other
# and can be given a name with linkat(), unless it was opened O_EXCL; where
# O_TMPFILE is refused. Results that depend on the kernel are compared with
# the C ramfs.
# timeout=180
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
C=$SCRATCH/ramfs
chmod 755 "$SCRATCH" # uids 1111 below must reach the mounts
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

# check CMD EXPECTED: check CMD of tests/ramfstest/tmpfile.py in a fresh
# directory of rust_ramfs prints EXPECTED, and in one of the C ramfs too (one
# interpreter start-up).
N=0
check() {
	local out rc=0 lines
	N=$((N + 1))
	mkdir -p "$R/$N" "$C/$N" && chmod 777 "$R/$N" "$C/$N" || return
	out=$(tpy tmpfile "$1" "$R/$N" "$C/$N" 2>&1) || rc=$?
	mapfile -t lines <<<"$out"
	same_output "${lines[0]}" "${lines[1]-}" "$2" && [ "$rc" -eq 0 ]
}

# With an O_TMPFILE file open the file system is busy; closed, it is not
# (the nameless inode is gone).
busy_while_open() {
	local m=$SCRATCH/busy rc=0
	mkdir -p "$m"
	mount -t "$RAMFS_NAME" none "$m" || return
	# The interpreter itself, not a function: $! must be the process holding
	# the file.
	"${TPY[@]}" tmpfile hold "$m" >"$SCRATCH/busy.out" &
	local pid=$!
	wait_ready "$SCRATCH/busy.out" "$pid" 300 || echo "the O_TMPFILE holder did not start"
	if umount "$m" 2>&1; then
		echo "umount succeeded with an O_TMPFILE open"
		rc=1
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
	umount "$m" || rc=1
	return "$rc"
}

ktap_begin

expect_ok "open(dir, O_TMPFILE|O_RDWR): regular, mode 600, nlink 0, empty" check open \
	"regular True, mode 600, nlink 0, size 0"
expect_ok "write, read, pwrite and pread work" check data \
	"read b'tmp data\\n', far b'far', zeros True, size 10003"
expect_ok "not listed by readdir; directory nlink unchanged" check unlisted "entries [], dir nlink 2->2"
expect_ok "linkat via /proc/self/fd/N, AT_SYMLINK_FOLLOW, names it with its data" check link_proc \
	"data b'named later', nlink 1, same inode True, listed 1"
expect_ok "linkat with AT_EMPTY_PATH names it too" check link_empty_path "data b'empty path', nlink 1"
expect_ok "a second link after naming: nlink 2" check link_twice "nlink 2, same True"
expect_ok "O_TMPFILE|O_EXCL cannot be linked: ENOENT" check excl \
	"proc link ENOENT, AT_EMPTY_PATH link ENOENT, listed [], still readable True"
expect_ok "O_TMPFILE on a non-directory: ENOTDIR; missing dir: ENOENT" check not_dir \
	"on a file: ENOTDIR, in a missing dir: ENOENT"
expect_ok "O_TMPFILE needs write access: O_RDONLY is EINVAL" check rdonly "O_RDONLY: EINVAL, O_WRONLY: OK"
expect_ok "the umask applies to the mode" check umask "mode 640"
expect_ok "in a setgid directory: its group; S_ISGID dropped for a non-member" check setgid_dir \
	"owner 1111:4321, mode 755"
expect_ok "owned by the caller (1111:2222)" check owner "owner 1111:2222"
expect_ok "a tmpfile can be mmapped" check mmap "read b'0123456789'"
expect_ok "an open tmpfile keeps the fs busy; closed, umount works" busy_while_open
expect_ok "linkat onto an existing name: EEXIST" check link_exists "link EEXIST, taken holds b'old', nlink 0"

ktap_finished
