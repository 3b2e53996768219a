#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Allocation failures. With the kernel's fault injection (failslab: kmalloc
# and slab caches; fail_page_alloc: the page allocator) aimed at one test
# process only (task-filter and /proc/self/make-it-fail), that process
# creates files, directories and symlinks, writes, writes through mmap and
# mounts, again and again. Every operation must either work or fail with
# ENOMEM or ENOSPC; a write may also be short. Nothing may crash or warn,
# everything reported as written must read back once the faults stop, and
# the file system must stay usable. Leaks from the failure paths are
# kmemleak's to find (tests/run-guest.sh scans after every script has run).
# The C ramfs goes through the same rounds as the reference.
# Needs a kernel with CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC (the debug
# flavour, scripts/kernel.sh debug); skipped elsewhere.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

DBG=/sys/kernel/debug
[ -d "$DBG/failslab" ] || mount -t debugfs debugfs "$DBG" 2>/dev/null
[ -d "$DBG/failslab" ] && [ -d "$DBG/fail_page_alloc" ] ||
	skip_all "no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC: the debug kernel)"

# knobs FAULT PROBABILITY: FAULT (failslab or fail_page_alloc) fails
# PROBABILITY % of the allocations of tasks that ask for it, sleeping ones
# too (the default spares them), quietly (no stack dump per failure). The
# probability goes last: until task-filter is on, a failure could hit any
# task (it did once: another script's 9p request, with a stack dump).
knobs() {
	local d=$DBG/$1
	echo Y >"$d/task-filter" &&
		echo 0 >"$d/verbose" &&
		echo 1 >"$d/interval" &&
		echo -1 >"$d/times" &&
		echo 0 >"$d/space" &&
		echo N >"$d/ignore-gfp-wait" || return
	[ "$1" != fail_page_alloc ] || { echo N >"$d/ignore-gfp-highmem" && echo 0 >"$d/min-order"; } || return
	echo "$2" >"$d/probability"
}
faults_off() {
	echo 0 >"$DBG/failslab/probability"
	echo 0 >"$DBG/fail_page_alloc/probability"
}
trap 'faults_off; _lib_cleanup' EXIT

ROUNDS=${FAULT_ROUNDS:-200}
# rounds FSTYPE FAULTS... : a fresh mount of FSTYPE, the rounds with FAULTS
# (e.g. "failslab 10") on; the mount stays for the checks that follow.
rounds() {
	local fs=$1 out rc=0 tag
	shift
	tag=$fs-$(tr ' ' - <<<"$*")
	faults_off
	fs_mount "$fs" "$SCRATCH/$tag" && mkdir -p "$SCRATCH/$tag.spare" || return
	while [ $# -gt 0 ]; do
		knobs "$1" "$2" || return
		shift 2
	done
	# One process does the rounds with the faults on for itself only, then
	# checks what it wrote (tests/ramfstest/faults.py): "OP ok=N ENOMEM=N
	# ENOSPC=N short=N" lines and "unexpected: ..." ones.
	out=$(tpy faults "$SCRATCH/$tag" "$SCRATCH/$tag.spare" "$fs" "$ROUNDS" 2>&1) || rc=$?
	faults_off
	echo "$out"
	# The faults hit: some operations failed, else this proved nothing.
	grep -q 'ENOMEM=' <<<"$out" || { echo "no operation failed: the fault injection did not reach"; rc=1; }
	# "OP ok=N ENOMEM=N ..." lines: how many operations, how many failed.
	awk -v tag="$tag" '$2 ~ /=/ {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ok") ok += kv[2]
			else if (kv[1] == "ENOMEM" || kv[1] == "ENOSPC") bad += kv[2]
		}
	} END { printf "# stress: faults %s ops=%d ok=%d ENOMEM/ENOSPC=%d\n", tag, ok + bad, ok, bad }' \
		<<<"$out" >>"$SCRATCH/stress"
	return "$rc"
}

# still_usable DIR: with the faults off, the file system works as new: a
# 1 MiB file written and read back, a directory tree made and removed,
# and everything the rounds left removed, leaving an empty root.
still_usable() {
	local d=$1
	head -c 1048576 /dev/urandom >"$SCRATCH/blob" &&
		cp "$SCRATCH/blob" "$d/after" && cmp "$SCRATCH/blob" "$d/after" &&
		mkdir -p "$d/x/y/z" && rm -rf "$d/x" &&
		find "$d" -mindepth 1 -delete &&
		[ -z "$(ls -A "$d")" ] &&
		[ "$(stat -c %h "$d")" = 2 ]
}

ktap_begin
dmesg_mark

expect_ok "$RAMFS_NAME: rounds under failslab (10 %)" rounds "$RAMFS_NAME" failslab 10
expect_ok "$RAMFS_NAME: usable after the slab faults stop" still_usable "$SCRATCH/$RAMFS_NAME-failslab-10"
expect_ok "$RAMFS_NAME: rounds under fail_page_alloc (10 %)" rounds "$RAMFS_NAME" fail_page_alloc 10
expect_ok "$RAMFS_NAME: usable after the page faults stop" still_usable "$SCRATCH/$RAMFS_NAME-fail_page_alloc-10"
expect_ok "$RAMFS_NAME: rounds under both (5 % each)" rounds "$RAMFS_NAME" failslab 5 fail_page_alloc 5
expect_ok "$RAMFS_NAME: usable after both stop" still_usable "$SCRATCH/$RAMFS_NAME-failslab-5-fail_page_alloc-5"
expect_ok "ramfs (reference): rounds under both (5 % each)" rounds ramfs failslab 5 fail_page_alloc 5
expect_ok "ramfs (reference): usable after both stop" still_usable "$SCRATCH/ramfs-failslab-5-fail_page_alloc-5"
expect_no_splat "no kernel warning, oops or KASAN report"
[ ! -f "$SCRATCH/stress" ] || cat "$SCRATCH/stress"

ktap_finished
