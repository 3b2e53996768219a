#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module itself: loading, registration, metadata, unloading, reloading,
# and how mounts pin it: a mount (also one in a user namespace, also a lazily
# unmounted one with a file open) holds one reference, rmmod and
# delete_module(2) fail while it does, and without the module mount(2) says
# ENODEV. Exclusive: the reference counts and unloads need the machine to
# itself. Leaves the module loaded (the other scripts expect it, though each
# also loads it when needed).
# exclusive
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

registered() { grep -qP "^nodev\t$RAMFS_NAME\$" /proc/filesystems; }

fresh_insmod() {
	ramfs_unload && insmod "$RAMFS_KO" && ramfs_loaded
}

# modinfo_is FIELD PATTERN: some value of FIELD matches the glob PATTERN.
modinfo_is() {
	local v found=1
	while IFS= read -r v; do
		echo "$1: $v"
		# shellcheck disable=SC2053 # $2 is a glob on purpose
		[[ $v != $2 ]] || found=0
	done < <(modinfo -F "$1" "$RAMFS_KO")
	return "$found"
}

rmmod_unregisters() {
	rmmod "$RAMFS_NAME" && ! ramfs_loaded && ! registered
}

still_there() { ramfs_loaded && registered; }

# The module that stayed loaded still serves a mount.
works() {
	local mnt=$SCRATCH/mnt
	fs_mount "$RAMFS_NAME" "$mnt" &&
		echo hello >"$mnt/file" &&
		[ "$(cat "$mnt/file")" = hello ] &&
		fs_umount "$mnt"
}

MNT=$SCRATCH/pin
mkdir -p "$MNT"

# syscall mount FSTYPE TARGET | delete_module NAME: the system call itself,
# "CALL: OK" or "CALL: errno=NAME" (tests/ramfstest/module.py).
syscall() { tpy module "$@"; }

refcnt_is() {
	local n
	n=$(cat "/sys/module/$RAMFS_NAME/refcnt") && echo "refcnt $n, expected $1" && [ "$n" = "$1" ]
}

rmmod_in_use() {
	# kmod's rmmod reads refcnt itself and says "in use" (its own EBUSY);
	# the kernel's delete_module(2) returns EWOULDBLOCK (EAGAIN).
	if rmmod "$RAMFS_NAME" 2>&1; then
		echo "rmmod succeeded while mounted"
		return 1
	fi
	ramfs_loaded
}

delete_module_in_use() {
	local out
	out=$(syscall delete_module "$RAMFS_NAME")
	echo "$out"
	[ "$out" = "delete_module: errno=EAGAIN" ] && ramfs_loaded
}

still_usable() {
	echo still >"$MNT/after" && [ "$(cat "$MNT/after")" = still ] &&
		[ "$(cat "$MNT/before")" = before ] && mkdir "$MNT/d" && rmdir "$MNT/d"
}

# umount -l with a file still open: the super block (so the module) lives
# until the file is closed, then goes.
lazy_umount_pins() {
	local rc=0
	mount -t "$RAMFS_NAME" none "$MNT" || return
	echo lazy >"$MNT/f"
	exec 7<"$MNT/f"
	umount -l "$MNT" || rc=1
	! mountpoint -q "$MNT" || rc=1
	refcnt_is 1 || rc=1
	if rmmod "$RAMFS_NAME" 2>/dev/null; then
		echo "rmmod succeeded with a file of a detached mount open"
		rc=1
	fi
	[ "$(cat <&7)" = lazy ] || rc=1
	exec 7<&-
	refcnt_is 0 || rc=1
	return "$rc"
}

# A mount made by uid 65534 in its own user namespace holds the module as
# long as the namespace's process lives.
userns_pins() {
	local dir=$SCRATCH/uns out=$SCRATCH/uns.out pid i rc=0
	mkdir -p "$dir" && chmod 755 "$SCRATCH"
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare -Urm sh -c 'mount -t "$1" uns "$2" && echo READY && exec sleep 60' \
		sh "$RAMFS_NAME" "$dir" >"$out" 2>&1 &
	pid=$!
	wait_ready "$out" "$pid"
	cat "$out"
	refcnt_is 1 || rc=1
	kill "$pid"
	wait "$pid" 2>/dev/null
	# The last reference to the mount namespace goes with the process; the
	# super block is released right after.
	for ((i = 0; i < 50; i++)); do
		[ "$(cat "/sys/module/$RAMFS_NAME/refcnt")" = 0 ] && break
		sleep 0.1
	done
	refcnt_is 0 || rc=1
	return "$rc"
}

rmmod_after_umount() {
	rmmod "$RAMFS_NAME" && ! ramfs_loaded && ! registered
}

mount_without_module() {
	local out
	out=$(syscall mount "$RAMFS_NAME" "$MNT")
	echo "$out"
	! mountpoint -q "$MNT" || umount "$MNT"
	[ "$out" = "mount: errno=ENODEV" ]
}

reload_and_mount() {
	ramfs_load && mount -t "$RAMFS_NAME" none "$MNT" && echo ok >"$MNT/f" &&
		[ "$(cat "$MNT/f")" = ok ] && umount "$MNT"
}

ktap_begin

expect_ok "insmod $(basename "$RAMFS_KO")" fresh_insmod
expect_ok "/proc/filesystems lists $RAMFS_NAME as nodev" registered
expect_ok "modinfo: license GPL" modinfo_is license GPL
expect_ok "modinfo: has a description" modinfo_is description '?*'
expect_ok "modinfo: has an author" modinfo_is author '?*'
expect_ok "modinfo: alias fs-$RAMFS_NAME" modinfo_is alias "fs-$RAMFS_NAME"
expect_ok "rmmod unregisters the file system" rmmod_unregisters
expect_ok "insmod again after rmmod" insmod "$RAMFS_KO"
expect_errno EEXIST "second insmod fails with EEXIST" insmod "$RAMFS_KO"
expect_ok "still loaded and registered after the failed insmod" still_there
expect_ok "still mounts and keeps a file after the failed insmod" works

mount -t "$RAMFS_NAME" none "$MNT" && echo before >"$MNT/before"
expect_ok "one mount holds one module reference" refcnt_is 1
expect_ok "rmmod while mounted fails (module in use)" rmmod_in_use
expect_ok "delete_module(2) while mounted fails with EAGAIN" delete_module_in_use
expect_ok "the file system still works after the failed rmmod" still_usable
expect_ok "umount: no reference left" eval 'umount "$MNT" && refcnt_is 0'
expect_ok "umount -l with an open file keeps the module until close" lazy_umount_pins
expect_ok "a user-namespace mount holds the module until its namespace ends" userns_pins
expect_ok "after umount, rmmod works and unregisters" rmmod_after_umount
expect_ok "mount(2) without the module fails with ENODEV" mount_without_module
expect_ok "reload the module; it mounts again" reload_and_mount

ktap_finished
