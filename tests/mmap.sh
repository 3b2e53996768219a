#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mmap of regular files: shared mappings and read/write agree both ways,
# msync, private mappings stay private, SIGBUS past EOF, truncating a mapped
# file, mtime on a write fault, placement (get_unmapped_area). Each check runs
# on rust_ramfs and on the C ramfs in the same VM; both must give the
# expected result.
# timeout=240
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
C=$SCRATCH/ramfs
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

# check CMD [EXPECTED]: check CMD of tests/ramfstest/mapping.py on rust_ramfs
# and on ramfs (one interpreter start-up) prints the same, EXPECTED when given
# (where the kernel decides, the result is ramfs's).
check() {
	local out rc=0 lines
	out=$(tpy mapping "$1" "$R/$1" "$C/$1" 2>&1) || rc=$?
	mapfile -t lines <<<"$out"
	same_output "${lines[0]}" "${lines[1]-}" "${@:2}" && [ "$rc" -eq 0 ]
}

ktap_begin

expect_ok "shared mapping: a store is what read(2) returns" check write_then_read "read b'0123456789', size 8192"
expect_ok "shared mapping: write(2) shows in the mapping" check read_after_write "before b'\\x00\\x00\\x00', after b'ABC'"
expect_ok "msync (MS_SYNC, MS_ASYNC, MS_INVALIDATE); data kept after munmap" check msync \
	"msync [0, 0, 0], file b'synced' b'async', size 12288"
expect_ok "MAP_PRIVATE: the store stays private" check private \
	"private b'pp'->b'XY', read(2) b'pp', shared b'pp'"
expect_ok "a shared mapping in another process shows in ours" check two_processes \
	"child ok, parent sees b'from child'"
expect_ok "mapping past EOF: zeros to the end of the page, then SIGBUS" check beyond_eof \
	"page 0: ok, read page 1: SIGBUS, read page 2: SIGBUS, write page 1: SIGBUS, size 100"
expect_ok "mapping an empty file: any access is SIGBUS" check empty_file "read: SIGBUS, write: SIGBUS"
expect_ok "a store past EOF in the last page: no signal, size and read(2) stay" eval \
	'tpy mapping tail_write "$R/tail" | grep -q "^store: ok, size 100, read 100 bytes;"'
expect_ok "a store past EOF, then the file grows: as ramfs" check tail_write
expect_ok "truncating a mapped file: zeros, SIGBUS, then zeros when grown" check truncate_mapped \
	"head kept True, zeros after 1000 True, page 1 SIGBUS; grown: mapping zeros True, read zeros True"
expect_ok "a write fault updates mtime and ctime" check mtime "mtime changed=True ctime changed=True"
expect_ok "16 MiB through mappings and read/write agree" check big \
	"mapping->read equal True, write->mapping equal True"
expect_ok "placement: hint, MAP_FIXED, MAP_FIXED_NOREPLACE, alignment" check placement \
	"hint used True, MAP_FIXED True, NOREPLACE True, NOREPLACE clash EEXIST, aligned True, disjoint True, same pages True"
expect_ok "a mapping outlives the file's unlink" check unlinked \
	"nlink 0, mapping b'stillu', read(2) b'stillu', exists False"
expect_ok "shared writable mapping of a read-only fd: EACCES" check readonly_fd \
	"shared writable: EACCES, private writable: mapped"

ktap_finished
