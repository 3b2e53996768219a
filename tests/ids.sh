#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The ids a mount gives out, each against tmpfs in the same boot:
# - inode numbers: one counter per mount, from 1 (the root), never reused
#   within the mount (`inode64`, the default), as tmpfs counts them; the C
#   ramfs takes them from the kernel's shared 32-bit get_next_ino(), which
#   wraps. `inode32` and `inode64`, at mount and remount; /proc/mounts shows
#   the one that is not the default (rust_ramfs's default is inode64,
#   tmpfs's, in these kernels, inode32);
# - the root directory's owner: `uid=` and `gid=` (the mounter's by
#   default), shown in /proc/mounts as global ids, refused with a logged
#   message when the mount's user namespace does not map them; a remount
#   with another uid=/gid= changes the root's owner (tmpfs ignores them on
#   remount), one with the same leaves a chowned root alone.
# timeout=150
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
T=$SCRATCH/tmpfs

# The mount options /proc/mounts shows for DIR.
options() { awk -v d="$1" '$2 == d { o = $4 } END { print o }' /proc/mounts; }

# --- inode numbers ----------------------------------------------------------

# first_numbers DIR: the numbers of a new mount's root and of the first
# file, directory and symlink made in it.
first_numbers() {
	touch "$1/f" && mkdir "$1/d" && ln -s f "$1/l" && stat -c %i "$1" "$1/f" "$1/d" "$1/l" | tr '\n' ' '
}

numbers_start_at_1() {
	local r t
	fs_fresh "$RAMFS_NAME" "$R" && fs_fresh tmpfs "$T" || return
	r=$(first_numbers "$R") && t=$(first_numbers "$T") || return
	echo "$RAMFS_NAME: $r"
	echo "tmpfs:      $t"
	[ "$r" = "1 2 3 4 " ] && [ "$r" = "$t" ]
}

# A second mount counts from 1 too: the counter is the mount's.
second_mount_from_1() {
	local r2=$SCRATCH/rust2 out
	fs_mount "$RAMFS_NAME" "$r2" || return
	out=$(first_numbers "$r2")
	fs_umount "$r2"
	echo "second mount: $out"
	[ "$out" = "1 2 3 4 " ]
}

# churn DIR: make 300 files, remove every other one, make 150 more: every
# number is new (above all earlier ones), none is given twice.
churn() {
	local d=$1/churn i before after
	mkdir "$d" || return
	for ((i = 0; i < 300; i++)); do : >"$d/a$i"; done
	before=$(stat -c %i "$d"/a* | sort -n | tail -n1)
	for ((i = 0; i < 300; i += 2)); do rm "$d/a$i"; done
	for ((i = 0; i < 150; i++)); do : >"$d/b$i"; done
	after=$(stat -c %i "$d"/b* | sort -n | head -n1)
	echo "highest before the removals $before, lowest made after them $after," \
		"$(stat -c %i "$d"/* | sort -u | wc -l) distinct numbers for 300 files"
	[ "$after" -gt "$before" ] && [ "$(stat -c %i "$d"/* | sort -u | wc -l)" -eq 300 ]
}

# inums_shown DIR: the inode32/inode64 that /proc/mounts shows for DIR ("-"
# for none).
inums_shown() { options "$1" | tr , '\n' | grep -x 'inode[0-9]*' || echo -; }

# mount_inums FSTYPE OPTION: that, for a new mount of FSTYPE with OPTION.
mount_inums() {
	local fs=$1 opt=$2 dir
	dir=$SCRATCH/inums-$fs
	fs_fresh "$fs" "$dir" "$opt" || return
	inums_shown "$dir"
	fs_umount "$dir"
}

inums_options() {
	local out
	out="$RAMFS_NAME: none $(mount_inums "$RAMFS_NAME" ""), inode64 $(mount_inums "$RAMFS_NAME" inode64), inode32 $(mount_inums "$RAMFS_NAME" inode32)
tmpfs: none $(mount_inums tmpfs ""), inode64 $(mount_inums tmpfs inode64), inode32 $(mount_inums tmpfs inode32)"
	echo "$out"
	[ "$out" = "$RAMFS_NAME: none -, inode64 -, inode32 inode32
tmpfs: none -, inode64 inode64, inode32 -" ]
}

# Remount switches inode32 and inode64 both ways (on tmpfs too); numbers go on
# from where they were.
inums_remount() {
	local dir=$1 out
	mount -o remount,inode32 "$dir" && out="inode32: $(inums_shown "$dir")" &&
		touch "$dir/r32" && mount -o remount,inode64 "$dir" && out+=", inode64: $(inums_shown "$dir")" &&
		touch "$dir/r64" && out+=", numbers $(stat -c %i "$dir/r32" "$dir/r64" | tr '\n' ' ')" || return
	echo "$out"
}

inums_remount_both() {
	local r t
	r=$(inums_remount "$R") && t=$(inums_remount "$T") || return
	echo "$RAMFS_NAME: $r"
	echo "tmpfs:      $t"
	# Both remounts took; the numbers follow the churn's (at least 455).
	[[ $r == "inode32: inode32, inode64: -, numbers "* ]] &&
		[[ $t == "inode32: -, inode64: inode64, numbers "* ]] &&
		[ "${r#*numbers }" = "${t#*numbers }" ]
}

# --- the root's owner --------------------------------------------------------

# owner_of FSTYPE OPTIONS: mount FSTYPE with OPTIONS, print the root's owner
# and the uid=/gid= /proc/mounts shows.
owner_of() {
	local dir=$SCRATCH/owner-$1
	fs_fresh "$1" "$dir" "$2" || return
	echo "$(stat -c %u:%g "$dir") $(options "$dir" | tr , '\n' | grep -E '^(uid|gid)=' | tr '\n' ' ')"
	fs_umount "$dir"
}

# same_on_both OPTIONS EXPECTED: rust_ramfs and tmpfs give the same owner
# and /proc/mounts, EXPECTED.
same_on_both() {
	local r t
	r=$(owner_of "$RAMFS_NAME" "$1") && t=$(owner_of tmpfs "$1") || return
	echo "$RAMFS_NAME: $r"
	echo "tmpfs:      $t"
	[ "$r" = "$2" ] && [ "$t" = "$2" ]
}

# refused FSTYPE OPTIONS: mount fails, and the kernel log says why.
refused() {
	local dir=$SCRATCH/refused-$1 log
	mkdir -p "$dir"
	dmesg_mark
	if mount -t "$1" -o "$2" none "$dir" 2>/dev/null; then
		umount "$dir"
		echo "$1: -o $2 was accepted"
		return 1
	fi
	log=$(dmesg_since_mark | grep -E "$1: |Bad value" | tail -n1)
	echo "$1: -o $2 refused: ${log:-no message}"
	[ -n "$log" ]
}

refused_both() { refused "$RAMFS_NAME" "$1" && refused tmpfs "$1"; }

# In a user namespace of an unprivileged user (uid 1001 maps to 0 inside):
# uid=0 is the user itself (1001 seen from outside, as /proc/mounts shows
# it); uid=5 has no mapping there, and is refused.
userns_owner() {
	local fs=$1 dir=$SCRATCH/uns-$1
	mkdir -p "$dir" && chmod 755 "$SCRATCH" || return
	setpriv --reuid 1001 --regid 1001 --clear-groups -- unshare -Urm sh -c '
		mount -t "$1" -o uid=0,gid=0 uns "$2" && stat -c "inside %u:%g" "$2" &&
			awk -v d="$2" "\$2 == d { print \$4 }" /proc/mounts | tr , "\n" | grep -E "^(uid|gid)=" | tr "\n" " "
		if mount -t "$1" -o uid=5 uns "$2" 2>/dev/null; then echo "uid=5 accepted"; else echo "uid=5 refused"; fi
	' sh "$fs" "$dir"
}

userns_owner_both() {
	local r t want
	want="inside 0:0
uid=1001 gid=1001 uid=5 refused"
	r=$(userns_owner "$RAMFS_NAME" 2>&1)
	t=$(userns_owner tmpfs 2>&1)
	printf '%s\n' "$RAMFS_NAME:" "$r" "tmpfs:" "$t"
	[ "$r" = "$want" ] && [ "$t" = "$want" ]
}

# A remount with another uid= and gid= gives the root to them; one with
# the mount's own again (as mount(8) passes what /proc/mounts shows) leaves a
# root chowned since alone.
remount_owner() {
	local dir=$SCRATCH/remount-owner out
	fs_fresh "$RAMFS_NAME" "$dir" uid=10,gid=20 || return
	mount -o remount,uid=30,gid=40 "$dir" || return
	out="after uid=30,gid=40: $(stat -c %u:%g "$dir") ($(options "$dir" | tr , '\n' | grep -E '^(uid|gid)=' | tr '\n' ' '))"
	chown 50:60 "$dir" && mount -o remount,uid=30,gid=40 "$dir" || return
	out+="; chowned to 50:60, then the same again: $(stat -c %u:%g "$dir")"
	echo "$out"
	[ "$out" = "after uid=30,gid=40: 30:40 (uid=30 gid=40 ); chowned to 50:60, then the same again: 50:60" ]
}

# --- the cases ---------------------------------------------------------------

ktap_begin

expect_ok "a mount's root is inode 1, then 2, 3, 4 (as tmpfs)" numbers_start_at_1
expect_ok "$RAMFS_NAME: a second mount counts from 1 too" second_mount_from_1
expect_ok "$RAMFS_NAME: numbers are never given twice in a mount" churn "$R"
expect_ok "tmpfs: numbers are never given twice in a mount" churn "$T"
expect_ok "inode32/inode64: accepted; /proc/mounts shows the one that is not the default" inums_options
expect_ok "remount switches inode32 and inode64 both ways, numbers go on (as tmpfs)" inums_remount_both
expect_ok "no uid=/gid=: the root is the mounter's, nothing shown (as tmpfs)" same_on_both "" "0:0 "
expect_ok "uid=1234,gid=2345: the root's owner, shown in /proc/mounts (as tmpfs)" \
	same_on_both uid=1234,gid=2345 "1234:2345 uid=1234 gid=2345 "
expect_ok "uid=0,gid=0: root, shown as no option (as tmpfs)" same_on_both uid=0,gid=0 "0:0 "
for bad in uid=abc gid=-1 uid=4294967295 gid=1x; do
	expect_ok "-o $bad: refused with a message (as tmpfs)" refused_both "$bad"
done
expect_ok "user namespace: uid=0 is the mounter, shown globally; an unmapped uid refused (as tmpfs)" \
	userns_owner_both
expect_ok "$RAMFS_NAME: remount with another uid=/gid= changes the root's owner, the same leaves it" \
	remount_owner
ktap_finished
