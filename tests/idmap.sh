#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Idmapped mounts (FS_ALLOW_IDMAP), against tmpfs in the same boot: an
# idmapped copy of a mount (tests/ramfstest/idmap.py: open_tree +
# mount_setattr(MOUNT_ATTR_IDMAP), mapped through a user namespace where ids
# 0-65535 are 10000-75535 outside)
# shows the filesystem's uid 0 as 10000 and stores what uid 10000 makes
# through it as 0: stat, create, mkdir, mknod, symlink, O_TMPFILE, chown,
# chmod, an ACL entry, a RENAME_WHITEOUT's whiteout, and the refusal
# (EOVERFLOW) of a caller the mapping does not cover. The same observations
# on rust_ramfs and tmpfs must be the same; the key ones are also checked by
# value. The C ramfs refuses idmapping (EINVAL), which the last case shows.
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

# setup FSTYPE: FSTYPE on $SCRATCH/FSTYPE, with a file `a` and a directory
# `d` (0777) made as root, and its idmapped copy on $SCRATCH/FSTYPE-idm.
setup() {
	local base=$SCRATCH/$1 idm=$SCRATCH/$1-idm
	fs_mount "$1" "$base" mode=0755 && mkdir -p "$idm" || return
	echo a >"$base/a" && mkdir -m 0777 "$base/d" || return
	tpy idmap mount "$base" "$idm" && _MOUNTS+=("$idm")
}

# as UID CMD...: run CMD as UID:UID.
as() {
	local id=$1
	shift
	setpriv --reuid="$id" --regid="$id" --clear-groups -- "$@"
}

# observe FSTYPE: what the idmapped mount and the mount below show, one line
# each.
observe() {
	local base=$SCRATCH/$1 idm=$SCRATCH/$1-idm
	echo "a made by root: through the idmapped mount $(stat -c %u:%g "$idm/a"), below $(stat -c %u:%g "$base/a")"
	as 10000 touch "$idm/d/f" && as 10000 mkdir "$idm/d/sub" && as 10000 ln -s f "$idm/d/l" &&
		as 10000 mkfifo "$idm/d/p" || echo "uid 10000: a create failed"
	echo "made by uid 10000 through it: $(stat -c '%n %u:%g' "$idm"/d/* | sed "s|$idm/d/||" | tr '\n' ' ')"
	echo "the same, below: $(stat -c '%n %u:%g' "$base"/d/* | sed "s|$base/d/||" | tr '\n' ' ')"
	echo "O_TMPFILE by uid 10000: $(as 10000 "${TPY[@]}" idmap tmpfile "$idm/d" t)," \
		"below $(stat -c '%u:%g %a' "$base/d/t" 2>&1)"
	echo "chown through it to 10007:10008 by root: $(chown 10007:10008 "$idm/a" 2>&1 && echo OK)," \
		"below $(stat -c %u:%g "$base/a")"
	echo "chown through it to 5:5 (unmapped) by root: $(sysop chown "$idm/a" 5 5)"
	echo "chmod 600 through it by its owner: $(as 10000 "${TPY[@]}" sysop chmod "$idm/d/f" 600)," \
		"below $(stat -c %a "$base/d/f")"
	echo "create through it by root (uid 0 is not mapped): $(sysop create "$idm/d/root")"
	echo "rename with a whiteout through it by root: $(sysop rename "$idm/d/f" "$idm/d/g" WHITEOUT)," \
		"below $(stat -c '%n %F %u:%g' "$base/d/f" 2>&1 | sed "s|$base/d/||")"
	echo "stat -c %u:%g of the root: through it $(stat -c %u:%g "$idm"), below $(stat -c %u:%g "$base")"
	echo "setfacl u:10005:r through it: $(setfacl -m u:10005:r "$idm/a" 2>&1 && echo OK)," \
		"below $(getfacl -cnp "$base/a" 2>&1 | grep '^user:[0-9]'), through it $(getfacl -cnp "$idm/a" 2>&1 | grep '^user:[0-9]')"
}

same_as_tmpfs() {
	local r t
	# uid 10000 must reach the mounts; paths shown relative to them.
	chmod 755 "$SCRATCH" || return
	r=$(observe "$RAMFS_NAME" 2>&1 | sed "s|$SCRATCH/$RAMFS_NAME|M|g") &&
		t=$(observe tmpfs 2>&1 | sed "s|$SCRATCH/tmpfs|M|g") || return
	same_observations "$r" "$t" tmpfs || return
	# The key ones, by value.
	has_lines "$r" \
		"a made by root: through the idmapped mount 10000:10000, below 0:0" \
		"the same, below: f 0:0 l 0:0 p 0:0 sub 0:0 " \
		"O_TMPFILE by uid 10000: OK, below 0:0 640" \
		"chown through it to 10007:10008 by root: OK, below 7:8" \
		"create through it by root (uid 0 is not mapped): EOVERFLOW" \
		"setfacl u:10005:r through it: OK, below user:5:r--, through it user:10005:r--"
}

c_ramfs_refuses() {
	local out
	fs_mount ramfs "$SCRATCH/c" && mkdir -p "$SCRATCH/c-idm" || return
	out=$(tpy idmap mount "$SCRATCH/c" "$SCRATCH/c-idm" 2>&1 | tail -n1)
	echo "ramfs: $out"
	[[ $out == *"Invalid argument"* ]]
}

ktap_begin
dmesg_mark
expect_ok "$RAMFS_NAME: an idmapped mount of it" setup "$RAMFS_NAME"
expect_ok "tmpfs: an idmapped mount of it" setup tmpfs
expect_ok "ownership through the idmapped mount maps both ways, as on tmpfs" same_as_tmpfs
expect_ok "the C ramfs cannot be idmapped (EINVAL)" c_ramfs_refuses
expect_no_splat "no kernel warnings"
ktap_finished
