#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fsx 0.3.2 (file system exerciser): 100 000 random reads, writes, mmap
# reads and writes, truncates, sendfile, copy_file_range, fsync, close/open
# on one file, every read checked against fsx's model, reproducible by seed.
# Each seed runs on rust_ramfs and on the C ramfs at the same time (the same
# boot, the same operations); both must end "All operations completed A-OK!"
# and leave byte-identical files. Configuration: tests/fsx.toml. Logs (and
# fsx's .fsxlog/.fsxgood on a failure) and results: results/suites/fsx*.
# Under TCG one seed (100k operations on both at once) takes 6 to 11 min.
# timeout=3000
set -uo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
require_tool FSX fsx
CFG=$TESTS_DIR/fsx.toml
[ -f "$CFG" ] || skip_all "no $CFG"

SEEDS=(7 42)
NOPS=100000
# One run of 100k operations must finish within this (two run at a time).
RUN_LIMIT=1380
FILESYSTEMS=("$RAMFS_NAME" ramfs)
OK_LINE="All operations completed A-OK!"

LOGS=$(suite_results_begin fsx)
for fs in "${FILESYSTEMS[@]}"; do
	fs_mount "$fs" "$SCRATCH/$fs" || skip_all "cannot mount $fs"
done

# fsx_run FS SEED: run fsx on FS (in the background); exit status in
# $SCRATCH/FS-SEED.rc, time taken in $SCRATCH/FS-SEED.time.
fsx_run() {
	local fs=$1 seed=$2 mnt=$SCRATCH/$1 start=$SECONDS rc=0
	run_bounded "$RUN_LIMIT" "$LOGS/fsx-$fs-$seed.log" env -C "$mnt" \
		"$FSX" -f "$CFG" -N "$NOPS" -S "$seed" -P "$LOGS" "$mnt/fsx-$fs-$seed" || rc=$?
	echo "$rc" >"$SCRATCH/$fs-$seed.rc"
	echo $((SECONDS - start)) >"$SCRATCH/$fs-$seed.time"
}

# a_ok FS SEED: fsx exited 0 and printed its success line.
a_ok() {
	local log=$LOGS/fsx-$1-$2.log rc
	rc=$(cat "$SCRATCH/$1-$2.rc")
	echo "$1, seed $2: exit status $rc after $(cat "$SCRATCH/$1-$2.time") s: $(tail -n1 "$log")"
	if [ "$rc" -eq 0 ] && grep -qxF "$OK_LINE" "$log"; then
		return 0
	fi
	# fsx's own account: the failed check and its operation log.
	tail -n 60 "$log"
	return 1
}

# same_file SEED: the same operations left the same bytes on both.
same_file() {
	local a=$SCRATCH/$RAMFS_NAME/fsx-$RAMFS_NAME-$1 b=$SCRATCH/ramfs/fsx-ramfs-$1
	echo "sizes: $(stat -c %s "$a") on $RAMFS_NAME, $(stat -c %s "$b") on ramfs"
	cmp "$a" "$b"
}

ktap_print_header
ktap_set_plan $((${#SEEDS[@]} * 3 + 1))
dmesg_mark
for seed in "${SEEDS[@]}"; do
	for fs in "${FILESYSTEMS[@]}"; do
		fsx_run "$fs" "$seed" &
	done
	wait
	expect_ok "$RAMFS_NAME: fsx seed $seed, $NOPS operations: A-OK" a_ok "$RAMFS_NAME" "$seed"
	expect_ok "C ramfs: fsx seed $seed, $NOPS operations: A-OK" a_ok ramfs "$seed"
	expect_ok "seed $seed: the file on $RAMFS_NAME is byte for byte the one on ramfs" \
		same_file "$seed"
	for fs in "${FILESYSTEMS[@]}"; do
		if [ "$(cat "$SCRATCH/$fs-$seed.rc")" -eq 0 ]; then
			res=A-OK
		else
			res="FAILED(exit=$(cat "$SCRATCH/$fs-$seed.rc"))"
		fi
		suite_result fsx "$fs" "$res" "seed=$seed" "ops=$NOPS" "time=$(cat "$SCRATCH/$fs-$seed.time")s"
	done
done
suite_results_end
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"
ktap_finished
