#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fsx 0.3.2 (file system exerciser): random reads, writes, mmap reads and
# writes, truncates, fallocate, punch hole, fadvise, sendfile,
# copy_file_range, fsync, close/open on one file, every read checked against
# fsx's model, reproducible by seed. All runs go at once: three seeds on
# rust_ramfs, and the first seed on tmpfs as the reference (the same
# operations in the same boot; the C ramfs has no fallocate); every run must
# end "All operations completed A-OK!", and for the shared seed the files
# left on both must be byte-identical. Configuration: tests/fsx.toml.
# Logs (and fsx's .fsxlog/.fsxgood on a failure) and results:
# results/suites/fsx*. Operations per run: 100 000 on the plain kernel,
# 10 000 on the debug kernel, where KASAN and lockdep make each operation
# several times dearer.
# timeout=1200
set -uo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

require_suite FSX fsx

SEEDS=(7 42 1234)
REF_SEED=${SEEDS[0]}
NOPS=100000
[ "${RAMFS_FLAVOUR:-test}" != debug ] || NOPS=10000
# One run must finish within this (four run at a time, maybe beside another
# script): the script's own limit, less a margin.
RUN_LIMIT=$((${RAMFS_TIMEOUT:-1200} - 60))
REF=tmpfs
FILESYSTEMS=("$RAMFS_NAME" "$REF")
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
	local a=$SCRATCH/$RAMFS_NAME/fsx-$RAMFS_NAME-$1 b=$SCRATCH/$REF/fsx-$REF-$1
	echo "sizes: $(stat -c %s "$a") on $RAMFS_NAME, $(stat -c %s "$b") on $REF"
	cmp "$a" "$b"
}

ktap_begin
dmesg_mark
RUNS=()
for seed in "${SEEDS[@]}"; do RUNS+=("$RAMFS_NAME $seed"); done
RUNS+=("$REF $REF_SEED")
for run in "${RUNS[@]}"; do
	# shellcheck disable=SC2086 # "FS SEED"
	fsx_run $run &
done
wait
for seed in "${SEEDS[@]}"; do
	expect_ok "$RAMFS_NAME: fsx seed $seed, $NOPS operations: A-OK" a_ok "$RAMFS_NAME" "$seed"
done
expect_ok "$REF: fsx seed $REF_SEED, $NOPS operations: A-OK" a_ok "$REF" "$REF_SEED"
expect_ok "seed $REF_SEED: the file on $RAMFS_NAME is byte for byte the one on $REF" \
	same_file "$REF_SEED"
for run in "${RUNS[@]}"; do
	read -r fs seed <<<"$run"
	if [ "$(cat "$SCRATCH/$fs-$seed.rc")" -eq 0 ]; then
		res=A-OK
	else
		res="FAILED(exit=$(cat "$SCRATCH/$fs-$seed.rc"))"
	fi
	suite_result fsx "$fs" "$res" "seed=$seed" "ops=$NOPS" "time=$(cat "$SCRATCH/$fs-$seed.time")s"
	echo "# stress: fsx $fs seed=$seed ops=$NOPS seconds=$(cat "$SCRATCH/$fs-$seed.time") $res"
done
suite_results_end
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"
ktap_finished
