#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Syscall fuzzing with trinity (Debian's package, Dave Jones's fuzzer): its
# file-system syscall group (`-g vfs`: open, read, write, mmap'd I/O,
# truncate, fallocate, splice, copy_file_range, link, rename, xattrs, ...
# with random arguments), as an unprivileged user, with children confined to
# a directory on the mount: trinity's victim files (-V) and its test files
# (created in its working directory) are there, other file-descriptor
# providers (sockets, pipes, perf, memfd...) are off. A fixed seed and a
# bounded number of syscalls (TRINITY_SYSCALLS: 30 000 on the debug kernel,
# about a minute a file system; 100 000 on the plain one); `make stress` runs
# 150 000 on the debug kernel. First on
# rust_ramfs (size=64m: the limits are fuzzed too), then the same on the C
# ramfs in the same boot, for comparison: its cases judge the kernel and
# trinity, none of rust_ramfs's depends on them, so on the debug kernel it
# runs only when a case failed on rust_ramfs. Pass: trinity completes its
# syscalls, the kernel stays untainted and logs no warning, nothing of the
# user's is left running, and the mount unmounts. (That the module then
# unloads and kmemleak finds nothing of ours is checked after every script,
# by the runner.)
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
command -v trinity >/dev/null || skip_all "trinity is not installed (scripts/setup.sh installs it)"
add_run_user ramfs-fuzz || skip_all "cannot add a user to run as"
uid=$(id -u ramfs-fuzz)

SEED=20261204
CALLS=${TRINITY_SYSCALLS:-100000}
[ -n "${TRINITY_SYSCALLS:-}" ] || [ "${RAMFS_FLAVOUR:-test}" != debug ] || CALLS=30000
FILESYSTEMS=("$RAMFS_NAME" ramfs)
# One run must finish within this: half the script's limit, less a margin.
RUN_LIMIT=$((${RAMFS_TIMEOUT:-300} / 2 - 30))
LOGS=$(suite_results_begin trinity)

ktap_begin
chmod 755 "$SCRATCH"

# victims FS DIR: what trinity starts from: files with data, a sparse one,
# directories, a symlink, a FIFO, an xattr (the C ramfs has none); all the
# user's.
victims() {
	local d=$2
	mkdir -p "$d/dir/sub" "$d/work" &&
		head -c 65536 /dev/urandom >"$d/data" &&
		truncate -s 1G "$d/sparse" &&
		echo small >"$d/dir/small" &&
		ln -s ../data "$d/dir/link" &&
		mkfifo "$d/fifo" &&
		{ [ "$1" = ramfs ] || setfattr -n user.a -v b "$d/data"; } &&
		chown -R "$uid:$uid" "$d"
}

# fuzz FS: trinity on FS; its log in results/suites/trinity-FS.log.
fuzz() {
	local fs=$1 mnt=$SCRATCH/$1 log=$LOGS/trinity-$1.log rc=0 start=$SECONDS ran
	run_bounded "$RUN_LIMIT" "$log" env -C "$mnt/fuzz/work" \
		setpriv --reuid="$uid" --regid="$uid" --clear-groups -- \
		trinity -q -l off -g vfs -V "$mnt/fuzz" -N "$CALLS" -s "$SEED" -C 2 \
		--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,memfd,drm || rc=$?
	local summary
	summary=$(grep -ao 'Ran [0-9]* syscalls. Successes: [0-9]*  Failures: [0-9]*' "$log" | tr -s ' ')
	ran=$(grep -o 'Ran [0-9]*' <<<"$summary" | grep -o '[0-9]*')
	echo "trinity exit status $rc after $((SECONDS - start)) s (seed $SEED): $summary"
	echo "# stress: trinity $fs syscalls=${ran:-0} successes=$(grep -o 'Successes: [0-9]*' <<<"$summary" |
		grep -o '[0-9]*') seed=$SEED seconds=$((SECONDS - start))"
	suite_result trinity "$fs" "$summary" "seed $SEED, $((SECONDS - start)) s"
	[ "$rc" -eq 0 ] && [ "${ran:-0}" -ge "$CALLS" ] || {
		tail -n 30 "$log"
		return 1
	}
}

# nothing_left: no process of the user survives trinity.
nothing_left() {
	local left
	left=$(pgrep -u "$uid" -a)
	[ -z "$left" ] && return 0
	echo "still running: $left"
	pkill -9 -u "$uid"
	return 1
}

taint=$(cat /proc/sys/kernel/tainted)
ran=0
for fs in "${FILESYSTEMS[@]}"; do
	ref_needed "$fs" || break
	ran=$((ran + 1))
	opts=
	[ "$fs" != "$RAMFS_NAME" ] || opts=size=64m
	fs_mount "$fs" "$SCRATCH/$fs" "$opts" && victims "$fs" "$SCRATCH/$fs/fuzz" ||
		skip_all "cannot set up $fs"
	dmesg_mark
	expect_ok "$fs: trinity completes $CALLS file-system syscalls" fuzz "$fs"
	expect_ok "$fs: nothing of the user is left running" nothing_left
	expect_output "$fs: the kernel is not tainted by it" "$taint" cat /proc/sys/kernel/tainted
	expect_no_splat "$fs: no kernel warnings"
	expect_ok "$fs: unmounts after the fuzzing" fs_umount "$SCRATCH/$fs"
done
suite_results_end
ktap_finished
