#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Limits and hostile input: names of 255 and 256 bytes, `.` and `..` in
# rename / rmdir / unlink / link, renaming a directory into its own subtree,
# paths and symlink targets around PATH_MAX, 100 000 entries in one
# directory, a tree 1000 directories deep, RLIMIT_FSIZE (EFBIG), and what a
# mount made in a user namespace must not give: device nodes that open, or
# set-user-ID programs that run with their owner's privilege for others.
# Every check runs on rust_ramfs and on the C ramfs in the same VM and must
# give the same, expected, answer: these limits are the VFS's, but only if
# the file system leaves them to it.
# timeout=450
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

# Users 65534 and 65533 must reach the mounts.
chmod 755 "$SCRATCH"
R=$SCRATCH/rust  # rust_ramfs, under test
C=$SCRATCH/ramfs # the C ramfs, reference
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

# --- one python process per file system does the system calls --------------
# `tpy limits COMMAND DIR` (tests/ramfstest/limits.py) prints one line
# "CHECK: RESULT" per check (RESULT is OK, a value, or the errno's name),
# into one file per file system, $SCRATCH/out.FS; the test cases compare
# those lines.
OUTS=$SCRATCH/out
# run_both COMMAND [FS...]: on rust_ramfs and the C ramfs (or on the
# FS given: rust, ramfs).
run_both() {
	local fs dir cmd=$1 start
	shift
	[ $# -gt 0 ] || set -- rust ramfs
	for fs; do
		dir=$R
		[ "$fs" = rust ] || dir=$C
		start=$SECONDS
		tpy limits "$cmd" "$dir" >>"$OUTS.$fs" 2>&1
		echo "# $cmd on $fs: $((SECONDS - start)) s"
	done
}

# line FS CHECK: the first line "CHECK: ..." of FS (rust, ramfs) in LINE,
# read by bash itself: a process per look-up (two per case) adds up under
# TCG on the debug kernel.
LINE=
line() {
	local l
	LINE=
	while IFS= read -r l || [ -n "$l" ]; do
		if [[ $l == "$2: "* ]]; then
			LINE=$l
			return 0
		fi
	done <"$OUTS.$1"
}

# ours CHECK EXPECTED: the line "CHECK: ..." is "CHECK: EXPECTED" on rust_ramfs.
ours() {
	line rust "$1"
	echo "rust_ramfs: ${LINE:-(no such line)}"
	[ "$LINE" = "$1: $2" ]
}

# same CHECK EXPECTED: the same on both.
same() {
	local got
	line rust "$1"
	got=$LINE
	line ramfs "$1"
	same_output "$got" "$LINE" "$1: $2"
}

# CHECK|EXPECTED, for `same`.
PROBES=(
	"create a 255-byte name|OK"
	"mkdir a 255-byte name|OK"
	"symlink named with 255 bytes|OK"
	"mknod (fifo) a 255-byte name|OK"
	"rename to a 255-byte name|OK"
	"link as a 255-byte name|OK"
	"stat a 255-byte name|OK"
	"create a 256-byte name|ENAMETOOLONG"
	"mkdir a 256-byte name|ENAMETOOLONG"
	"symlink named with 256 bytes|ENAMETOOLONG"
	"mknod (fifo) a 256-byte name|ENAMETOOLONG"
	"rename to a 256-byte name|ENAMETOOLONG"
	"link as a 256-byte name|ENAMETOOLONG"
	"stat a 256-byte name|ENAMETOOLONG"
	"readdir: the long names|255 255 255 255 255 255"
	"rename a/. to x|EBUSY"
	"rename a/.. to x|EBUSY"
	"rename f to a/.|EBUSY"
	"rename f to a/..|EBUSY"
	"rename a/. to a/..|EBUSY"
	"rename a to a/b/c/x (into its own subtree)|EINVAL"
	"rename a to a/b (onto its own child)|EINVAL"
	"rename a/b/c to a (onto its own ancestor)|ENOTEMPTY"
	"exchange a and a/b/c|EINVAL"
	"rename a to a (itself)|OK"
	"rmdir a/.|EINVAL"
	"rmdir a/..|ENOTEMPTY"
	"unlink a/.|EISDIR"
	"mkdir a/.|EEXIST"
	"link f to a/.|EEXIST"
	"the tree after all that|a a/b a/b/c f"
	"path lengths|4095 4096"
	"create through a 4095-byte path|OK"
	"read through a 4095-byte path|deep"
	"create through a 4096-byte path|ENAMETOOLONG"
	"stat through a 4096-byte path|ENAMETOOLONG"
	"mkdir through a 4096-byte path|ENAMETOOLONG"
	"symlink to a 4095-byte target|OK"
	"readlink gives the 4095 bytes back|True"
	"lstat size of that symlink|4095"
	"read through that symlink|deep"
	"symlink to a 4096-byte target|ENAMETOOLONG"
	"symlink to a 5000-byte target|ENAMETOOLONG"
	"pwrite 4096 bytes at 1 MiB - 100|100"
	"pwrite 1 byte at 1 MiB|EFBIG"
	"ftruncate to 1 MiB + 1|EFBIG"
	"truncate(2) to 2 MiB|EFBIG"
	"ftruncate to 1 MiB|OK"
	"append at 1 MiB|EFBIG"
	"size at the end|1048576"
)
MANY=(
	"create 100000 files|100000 made"
	"ls -f, counted by wc -l (with . and ..)|100002"
	"every 100th stats as a regular file|1000 of 1000"
	"directory link count with them|2"
	"unlink them all|100000 removed"
	"the directory is then empty|0"
	"and has 2 links|2"
)

# --- a deep tree -------------------------------------------------------------
DEEP_N=1000

# find sees every level and the file at the bottom (read with -execdir:
# its whole path is longer than PATH_MAX).
deep_find() {
	local dirs bottom dir rc=0
	for dir in "$R" "$C"; do
		dirs=$(find "$dir/deep" -mindepth 1 -type d | wc -l)
		bottom=$(find "$dir/deep" -name bottom -execdir cat {} \;)
		echo "$dir: $dirs directories, bottom file: '$bottom'"
		[ "$dirs" = "$DEEP_N" ] && [ "$bottom" = "at the bottom" ] || rc=1
	done
	return "$rc"
}

deep_rm() {
	local dir rc=0
	for dir in "$R" "$C"; do
		rm -rf "$dir/deep" || rc=1
		[ ! -e "$dir/deep" ] || rc=1
		echo "$dir after rm -rf: $(ls -A "$dir" | tr '\n' ' ')"
	done
	return "$rc"
}

# --- user namespaces -----------------------------------------------------------
# ns_start FSTYPE WHO DIR: a process that mounts FSTYPE on DIR in a new user
# and mount namespace, tries mknod of /dev/null's device and of a FIFO there,
# puts a set-user-ID copy of id(1) in it, and waits. WHO is root (unshare
# -Urm as root: the namespace's root is the real root) or nobody (uid 65534
# makes its own namespace, where it is root). Sets NS_PID; the inside's
# output is in DIR.out.
NS_PID=
ns_start() {
	local fs=$1 who=$2 dir=$3
	local pre=()
	[ "$who" = root ] || pre=(setpriv --reuid 65534 --regid 65534 --clear-groups --)
	mkdir -p "$dir"
	: >"$dir.out"
	"${pre[@]}" unshare -Urm bash -c '
		mount -t "$1" -o mode=0755 ns "$2" || exit
		"${@:3}" sysop mknod "$2/null" 020666 1 3 \; mknod "$2/fifo" 010644
		cp /usr/bin/id "$2/id" && chmod 4755 "$2/id" && stat -c "id: %A %u" "$2/id"
		echo READY
		exec sleep 300' sh "$fs" "$dir" "${TPY[@]}" >"$dir.out" 2>&1 &
	NS_PID=$!
	wait_ready "$dir.out" "$NS_PID" && return 0
	cat "$dir.out"
	return 1
}

# Also on exit: the namespace's process holds its mount.
trap 'ns_stop; _lib_cleanup' EXIT
ns_stop() {
	[ -z "$NS_PID" ] || kill "$NS_PID" 2>/dev/null
	wait "$NS_PID" 2>/dev/null
	NS_PID=
}

# run_suid PATH USER: run PATH (a set-user-ID id(1)) as USER through a file
# descriptor root opened (USER may not look into another user's
# /proc/PID/root); prints the effective uid.
run_suid() {
	local out
	exec 8<"$1" || return
	out=$(setpriv --reuid "$2" --regid "$2" --clear-groups -- /proc/self/fd/8 -u 2>&1)
	exec 8<&-
	echo "$out"
}

# For both file systems, the namespace as WHO; NS_OUT.FS lines:
#   inside: what the namespace printed (mknod results, the id copy)
#   devnode: real root's mknod of /dev/null's device and an open(2) of it
#   suid: the effective uid of id as uid 65533
NS_OUT=$SCRATCH/ns
ns_run() { # WHO
	local fs tag root
	for fs in "$RAMFS_NAME" ramfs; do
		tag=rust
		[ "$fs" = "$RAMFS_NAME" ] || tag=ramfs
		: >"$NS_OUT.$1.$tag"
		ns_start "$fs" "$1" "$SCRATCH/ns-$1-$tag" || {
			echo "namespace did not start" >>"$NS_OUT.$1.$tag"
			ns_stop
			continue
		}
		root=/proc/$NS_PID/root$SCRATCH/ns-$1-$tag
		{
			echo "inside: $(grep -v READY "$SCRATCH/ns-$1-$tag.out" | tr '\n' ' ')"
			if [ "$1" = root ]; then
				echo "devnode: $(sysop mknod "$root/null2" 020666 1 3 \; read "$root/null2" | tr '\n' ' ')"
			fi
			echo "owner: $(stat -c %u "$root/id")"
			echo "suid: $(run_suid "$root/id" 65533)"
		} >>"$NS_OUT.$1.$tag"
		ns_stop
	done
}

ns_same() { # WHO KEY EXPECTED
	same_output "$(grep -m1 "^$2: " "$NS_OUT.$1.rust")" "$(grep -m1 "^$2: " "$NS_OUT.$1.ramfs")" "$2: $3"
}

# The controls, on the mounts of the initial namespace: real root's device
# node opens, and the set-user-ID copy of id does run as its owner.
controls() {
	local rc=0 dir out
	for dir in "$R" "$C"; do
		out=$(sysop mknod "$dir/null" 020666 1 3 \; read "$dir/null" | tr '\n' ' ')
		cp /usr/bin/id "$dir/id" && chmod 4755 "$dir/id" || rc=1
		out+="suid id as 65533: $(run_suid "$dir/id" 65533)"
		echo "$dir: $out"
		[ "$out" = "OK OK suid id as 65533: 0" ] || rc=1
		rm -f "$dir/null" "$dir/id"
	done
	return "$rc"
}

# --- the plan ----------------------------------------------------------------

ktap_begin

dmesg_mark
run_both probe
for entry in "${PROBES[@]}"; do
	expect_ok "${entry%%|*}: ${entry#*|}, as ramfs" same "${entry%%|*}" "${entry#*|}"
done

# On the debug kernel the C ramfs is left out here (its half takes minutes
# there, and every expected figure is absolute).
many_fs=(rust ramfs) many_check=same as_ramfs=", as ramfs"
[ "${RAMFS_FLAVOUR:-test}" != debug ] || many_fs=(rust) many_check=ours as_ramfs=
run_both many "${many_fs[@]}"
for entry in "${MANY[@]}"; do
	expect_ok "100 000 entries: ${entry%%|*}: ${entry#*|}$as_ramfs" "$many_check" "${entry%%|*}" "${entry#*|}"
done

run_both deep
expect_ok "mkdir $DEEP_N levels deep, as ramfs" same "mkdir $DEEP_N levels" "$DEEP_N"
expect_ok "getcwd at depth $DEEP_N (path over PATH_MAX), as ramfs" \
	same "getcwd at depth $DEEP_N" "$((DEEP_N * 9))"
expect_ok "a directory in the deep tree has 3 links, as ramfs" same "link count of a middle directory" 3
expect_ok "find walks all $DEEP_N levels and reads the bottom file" deep_find
expect_ok "rm -rf removes the deep tree" deep_rm

expect_ok "controls: a device node opens and a set-user-ID id runs as root on a normal mount" controls

ns_run root
expect_ok "userns (root-mapped) mount: mknod of a char device EPERM, a FIFO works, as ramfs" \
	ns_same root inside "EPERM OK id: -rwsr-xr-x 0 "
expect_ok "userns (root-mapped) mount: real root's device node there cannot be opened (EACCES), as ramfs" \
	ns_same root devnode "OK EACCES "
expect_ok "userns (root-mapped) mount: a set-user-ID-root id run from outside keeps the caller's uid, as ramfs" \
	ns_same root suid 65533
ns_run nobody
expect_ok "userns of uid 65534: mknod of a char device EPERM, a FIFO works, as ramfs" \
	ns_same nobody inside "EPERM OK id: -rwsr-xr-x 0 "
expect_ok "userns of uid 65534: its set-user-ID id run by uid 65533 from outside gives no privilege, as ramfs" \
	ns_same nobody suid 65533
expect_ok "userns of uid 65534: its namespace's root is 65534 outside (the id copy's owner), as ramfs" \
	ns_same nobody owner 65534

expect_no_splat "no kernel warnings, oopses or panics"

ktap_finished
