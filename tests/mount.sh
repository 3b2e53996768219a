#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mounting: mount and umount, statfs, read-only mounts, remount (ro/rw,
# another mode= applied live, the same mode= again), how /proc/mounts shows
# mode= after a chmod of the root, the source (an argument, a source=
# option, through fsconfig, both at once), who owns the root (the mounter,
# its fsuid, also in a user namespace). The option strings themselves are
# options.sh's; how mounts pin the module is module.sh's. The C ramfs is
# mounted alongside as the reference where a result depends on the kernel.
# Its cases umount right after mounting: stress-ng.sh runs stress-ng in a
# mount namespace of its own, so that its fanotify stressor (which marks every
# mount and holds the files of its events open) cannot make them EBUSY.
# timeout=150
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

# Others (fsuid 1234, uid 65534) must be able to reach mount points in here.
chmod 755 "$SCRATCH"
MNT=$SCRATCH/mnt
mkdir -p "$MNT"

# --- helpers ---------------------------------------------------------------
# mount(2) with a source= option or as another fsuid, a remount with
# MS_REMOUNT and the new mount API: `tpy mount` (tests/ramfstest/mount.py).

# mounted_on DIR: the /proc/mounts fields of the last mount on DIR in
# M_SOURCE, M_TYPE and M_OPTS; fails when nothing is mounted there. (Bash
# alone: under TCG on the debug kernel each process costs.)
M_SOURCE='' M_TYPE='' M_OPTS=''
mounted_on() {
	local src dir type opts rest found=1
	M_SOURCE='' M_TYPE='' M_OPTS=''
	while read -r src dir type opts rest; do
		[ "$dir" = "$1" ] || continue
		M_SOURCE=$src M_TYPE=$type M_OPTS=$opts found=0
	done </proc/mounts
	return "$found"
}
is_mounted() { mounted_on "$1"; }

# The /proc/mounts fields of the mount on DIR: "SOURCE FSTYPE OPTIONS".
mount_fields() { ! mounted_on "$1" || echo "$M_SOURCE $M_TYPE $M_OPTS"; }
mount_opts() {
	mounted_on "$1"
	echo "$M_OPTS"
}
# The mode=... option shown for DIR, or "none".
shown_mode() {
	local opt opts m=none
	mounted_on "$1"
	IFS=, read -ra opts <<<"$M_OPTS"
	for opt in "${opts[@]}"; do
		[[ $opt != mode=* ]] || m=$opt
	done
	echo "$m"
}

# Unmount DIR if it is mounted (no test case).
cleanup_mnt() { ! is_mounted "$1" || umount "$1"; }

# --- mounting and unmounting -------------------------------------------

mount_plain() {
	mount -t "$RAMFS_NAME" none "$MNT" && mounted_on "$MNT" && [ "$M_TYPE" = "$RAMFS_NAME" ]
}

root_is_empty() {
	local l
	l=$(ls -A "$MNT") && echo "ls -A: '$l'" && [ -z "$l" ]
}

stat_f_magic() {
	local t
	t=$(stat -f -c %t "$1") && echo "magic of $1: $t" && [ "$t" = "$2" ]
}

# statfs: page-sized blocks and names up to 255 bytes, as the C ramfs; but
# where ramfs reports no counts (simple_statfs), a rust_ramfs mount without
# size= or nr_inodes= counts what is free from MemAvailable and what is used
# exactly: nothing but the root inode here (bounded.sh checks the numbers).
statfs_fields() {
	local ours ref b f a c d
	ours=$(stat -f -c 'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a files=%c ffree=%d namelen=%l' "$MNT") &&
		ref=$(stat -f -c 'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a files=%c ffree=%d namelen=%l' "$SCRATCH/ref") &&
		echo "rust_ramfs: $ours" && echo "ramfs:      $ref" &&
		[ "$ref" = "bsize=4096 frsize=4096 blocks=0 bfree=0 bavail=0 files=0 ffree=0 namelen=255" ] &&
		read -r b f a c d < <(stat -f -c '%b %f %a %c %d' "$MNT") &&
		[ "$(stat -f -c '%s %S %l' "$MNT")" = "4096 4096 255" ] &&
		[ "$f" -gt 0 ] && [ "$b" = "$f" ] && [ "$a" = "$f" ] && [ $((c - d)) = 1 ]
}

write_umount_remount_empty() {
	mount -t "$RAMFS_NAME" none "$MNT" && echo data >"$MNT/file" && umount "$MNT" && ! is_mounted "$MNT" &&
		[ ! -e "$MNT/file" ] && mount -t "$RAMFS_NAME" none "$MNT" &&
		[ -z "$(ls -A "$MNT")" ] && umount "$MNT"
}

two_mounts_independent() {
	local a=$SCRATCH/a b=$SCRATCH/b rc=0
	mkdir -p "$a" "$b"
	mount -t "$RAMFS_NAME" none "$a" && mount -t "$RAMFS_NAME" none "$b" || return
	echo one >"$a/f" && [ ! -e "$b/f" ] &&
		[ "$(stat -c %d "$a")" != "$(stat -c %d "$b")" ] || rc=1
	umount "$a"
	umount "$b"
	return "$rc"
}

umount_busy() {
	local rc=0 pid
	mount -t "$RAMFS_NAME" none "$MNT" || return
	(cd "$MNT" && exec sleep 30) &
	pid=$!
	sleep 0.5
	# Expect: "target is busy", the mount still there.
	if umount "$MNT"; then rc=1; fi
	is_mounted "$MNT" || rc=1
	kill "$pid"
	wait "$pid" 2>/dev/null
	umount "$MNT" || rc=1
	return "$rc"
}

ro_mount() {
	local rc=0
	mount -t "$RAMFS_NAME" -o ro none "$MNT" || return
	mount_opts "$MNT"
	if touch "$MNT/f" 2>"$SCRATCH/err"; then rc=1; fi
	cat "$SCRATCH/err"
	grep -q "$(errno_msg EROFS)" "$SCRATCH/err" || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

remount_ro_rw() {
	local rc=0
	mount -t "$RAMFS_NAME" none "$MNT" || return
	echo keep >"$MNT/f"
	mount -o remount,ro "$MNT" || rc=1
	if echo x 2>/dev/null >"$MNT/g"; then
		echo "write on a read-only remount succeeded"
		rc=1
	fi
	[ "$(cat "$MNT/f")" = keep ] || rc=1
	mount -o remount,rw "$MNT" || rc=1
	echo x >"$MNT/g" || rc=1
	[ "$(cat "$MNT/f")" = keep ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# Remount. The C ramfs has no reconfigure: `remount,mode=...` succeeds there
# and changes nothing. rust_ramfs applies a different mode live: the root
# directory's permissions and what /proc/mounts shows; the same mode again
# (mount(8) passes the current options on remount) is accepted too.
remount_other_mode() {
	local rc=0 out
	mount -t "$RAMFS_NAME" -o mode=0750 none "$MNT" || return
	out=$(tpy mount remount "$MNT" mode=0700)
	echo "remount mode=0700: $out"
	echo "root $(stat -c %a "$MNT"), shown $(shown_mode "$MNT")"
	[ "$out" = "remounted" ] || rc=1
	[ "$(stat -c %a "$MNT")" = 700 ] && [ "$(shown_mode "$MNT")" = mode=700 ] || rc=1
	mkdir -p "$SCRATCH/rm-ramfs"
	mount -t ramfs -o mode=0750 none "$SCRATCH/rm-ramfs" &&
		echo "C ramfs (diagnostic): remount mode=0700: $(tpy mount remount "$SCRATCH/rm-ramfs" mode=0700)," \
			"root $(stat -c %a "$SCRATCH/rm-ramfs")" && umount "$SCRATCH/rm-ramfs"
	umount "$MNT" || rc=1
	return "$rc"
}

remount_same_mode() {
	local rc=0
	mount -t "$RAMFS_NAME" -o mode=0750 none "$MNT" || return
	echo x >"$MNT/f"
	mount -o remount,ro "$MNT" || rc=1
	mount_opts "$MNT"
	[ "$(mount_opts "$MNT")" = ro,relatime,mode=750 ] || rc=1
	mount -o remount,rw,mode=0750 "$MNT" || rc=1
	mount_opts "$MNT"
	[ "$(mount_opts "$MNT")" = rw,relatime,mode=750 ] && [ "$(cat "$MNT/f")" = x ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# as_ramfs WANT LOOK: LOOK FS DIR mounts FS on DIR and prints what it sees
# there: WANT on rust_ramfs and on the C ramfs (each unmounted then).
as_ramfs() {
	local want=$1 fs got rc=0
	for fs in "$RAMFS_NAME" ramfs; do
		got=$("$2" "$fs" "$MNT") || return
		echo "$fs: $got, expected $want"
		[ "$got" = "$want" ] || rc=1
		umount "$MNT" || rc=1
	done
	return "$rc"
}

# /proc/mounts shows the mode= given at mount time, not the root's current
# mode, as ramfs.
chmod_root_shown() {
	mount -t "$1" -o mode=0750 none "$2" && chmod 0700 "$2" &&
		echo "root $(stat -c %a "$2"), shown $(shown_mode "$2")"
}

# --- source name -------------------------------------------------------------

source_arg() {
	local rc=0
	mount -t "$RAMFS_NAME" my-ram-dev "$MNT" || return
	mounted_on "$MNT"
	echo "/proc/mounts: $M_SOURCE $M_TYPE $M_OPTS"
	[ "$M_SOURCE" = my-ram-dev ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

source_option() {
	local rc=0
	tpy mount mount2 "$RAMFS_NAME" - "$MNT" source=from-option || return
	mounted_on "$MNT"
	echo "/proc/mounts: $M_SOURCE $M_TYPE $M_OPTS"
	[ "$M_SOURCE" = from-option ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

source_fsconfig() {
	local rc=0
	tpy mount fsmount "$RAMFS_NAME" source=via-fsconfig,mode=0711 "$MNT" || return
	echo "/proc/mounts: $(mount_fields "$MNT")"
	[ "$(mount_fields "$MNT")" = "via-fsconfig $RAMFS_NAME rw,relatime,mode=711" ] &&
		[ "$(stat -c %a "$MNT")" = 711 ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# A source argument and a source= option: "VFS: Multiple sources", as ramfs.
two_sources() {
	local out ref
	out=$(tpy mount mount2 "$RAMFS_NAME" dev1 "$MNT" source=dev2)
	cleanup_mnt "$MNT"
	ref=$(tpy mount mount2 ramfs dev1 "$MNT" source=dev2)
	cleanup_mnt "$MNT"
	echo "rust_ramfs: $out; ramfs: $ref"
	[ "$out" = "mount: errno=EINVAL" ] && [ "$out" = "$ref" ]
}

# --- owner -------------------------------------------------------------------

root_owner() {
	local rc=0 got
	mount -t "$RAMFS_NAME" none "$MNT" || return
	got=$(stat -c %u:%g "$MNT")
	echo "root owned by $got"
	[ "$got" = 0:0 ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# Root with fsuid 1234 and fsgid 4321 (setfsuid keeps CAP_SYS_ADMIN): the root
# directory belongs to the mounter's fsuid:fsgid, as in ramfs.
root_owner_fsuid() {
	FSUID=1234 FSGID=4321 tpy mount mount2 "$1" none "$2" mode=0750 >&2 && stat -c %u:%g "$2"
}

# In a new user and mount namespace (unshare -Urm) as root: the mount works
# and the root is uid 0.
userns_root() {
	local out
	out=$(unshare -Urm sh -c 'mount -t "$1" -o mode=0750 ns-dev "$2" && stat -c "%u:%g %a" "$2" &&
		echo hi >"$2/f" && cat "$2/f" && grep " $2 " /proc/mounts' sh "$RAMFS_NAME" "$MNT")
	echo "$out"
	is_mounted "$MNT" && return 1 # must stay inside the namespace
	[ "$out" = "0:0 750
hi
ns-dev $MNT $RAMFS_NAME rw,relatime,mode=750 0 0" ]
}

# An unprivileged user (uid/gid 65534) mounts in its own user namespace:
# inside, the root is 0:0; seen from outside (through /proc/PID/root), it
# and the files made in it belong to 65534:65534.
USERNS_PID=
userns_unprivileged() {
	local dir=$SCRATCH/uns out=$SCRATCH/uns.out inside outside rc=0
	mkdir -p "$dir"
	: >"$out"
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare -Urm sh -c 'mount -t "$1" -o mode=0750 uns "$2" && stat -c "%u:%g %a" "$2" &&
			echo data >"$2/f" && stat -c "%u:%g" "$2/f" && echo READY && exec sleep 60' \
		sh "$RAMFS_NAME" "$dir" >"$out" 2>&1 &
	USERNS_PID=$!
	wait_ready "$out" "$USERNS_PID" 100
	inside=$(grep -v READY "$out" | tr '\n' ' ')
	outside="$(stat -c '%u:%g %a' "/proc/$USERNS_PID/root$dir" 2>&1) $(stat -c %u:%g "/proc/$USERNS_PID/root$dir/f" 2>&1)"
	echo "inside:  $inside"
	echo "outside: $outside"
	[ "$inside" = "0:0 750 0:0 " ] || rc=1
	[ "$outside" = "65534:65534 750 65534:65534" ] || rc=1
	return "$rc"
}

# The namespace's process ends, and its mount with it.
userns_done() {
	[ -z "$USERNS_PID" ] || kill "$USERNS_PID" 2>/dev/null
	wait "$USERNS_PID" 2>/dev/null
	USERNS_PID=
}

# --- the plan ----------------------------------------------------------------

ktap_begin

expect_ok "mount -t $RAMFS_NAME with no options" mount_plain
expect_ok "the new root directory is empty" root_is_empty
expect_ok "stat -f shows the magic 72757374 (rust)" stat_f_magic "$MNT" 72757374
fs_mount ramfs "$SCRATCH/ref"
expect_ok "stat -f on the C ramfs shows 858458f6" stat_f_magic "$SCRATCH/ref" 858458f6
expect_ok "statfs: 4096-byte blocks, namelen 255 (as ramfs); free from MemAvailable, only the root used" statfs_fields
expect_ok "umount" umount "$MNT"
expect_ok "umount: the mount point is no longer a mount" eval '! is_mounted "$MNT"'
expect_ok "umount drops the files; a new mount is empty" write_umount_remount_empty
expect_ok "two mounts are two separate file systems" two_mounts_independent
expect_ok "umount of a busy mount fails and keeps it" umount_busy
expect_ok "mount -o ro refuses writes with EROFS" ro_mount
expect_ok "remount,ro then remount,rw" remount_ro_rw
expect_ok "remount with another mode= applies it live: root and /proc/mounts" remount_other_mode
expect_ok "remount ro / rw with the same mode= is accepted" remount_same_mode
expect_ok "chmod of the root: /proc/mounts keeps the mount's mode=, as ramfs" \
	as_ramfs "root 700, shown mode=750" chmod_root_shown
expect_ok "a device-name argument is the source in /proc/mounts" source_arg
expect_ok "mount(2) with only source= in the options" source_option
expect_ok "fsconfig source= and mode= through the new mount API" source_fsconfig
expect_ok "a source argument and source= together: EINVAL, as ramfs" two_sources
expect_ok "the root belongs to the mounter (0:0)" root_owner
expect_ok "the root belongs to the mounter's fsuid:fsgid, as ramfs" as_ramfs 1234:4321 root_owner_fsuid
expect_ok "unshare -Urm: mount works, root is 0:0 in the namespace" userns_root
expect_ok "unprivileged user namespace mount: 0:0 inside, 65534 outside" userns_unprivileged
userns_done

ktap_finished
