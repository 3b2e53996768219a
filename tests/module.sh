#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The module itself: loading, registration, metadata, unloading, reloading.
# Leaves the module loaded (the other scripts expect it, though each also
# loads it when needed).
# exclusive
# timeout=60
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

ktap_print_header
ktap_set_plan 11

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

ktap_finished
