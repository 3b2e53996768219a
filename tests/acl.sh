#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# POSIX ACLs, against tmpfs in the same boot: setfacl/getfacl on files and
# directories, default ACLs inherited by new files and directories (and
# replacing the umask), chmod rewriting the ACL's mask, setfacl -b, the
# system.posix_acl_* names in listxattr, and access granted or refused by
# an ACL entry to another user. Every observation must be tmpfs's; the key
# ones are checked by value too. Unlike tmpfs, an ACL's memory is charged to
# size=, as an xattr's is. The C ramfs has no ACLs (EOPNOTSUPP): the last
# case shows it.
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
command -v setfacl >/dev/null || skip_all "setfacl is not installed (the acl package)"

acl() { getfacl -cnp "$@" 2>&1 | grep -v '^$' | tr '\n' ' '; }
names() { "$_SYSOP_PYTHON" -S -c 'import os, sys; print(" ".join(sorted(os.listxattr(sys.argv[1]))) or "-")' "$1" 2>&1; }
as1234() { setpriv --reuid=1234 --regid=1234 --clear-groups -- "$@"; }

# observe DIR: the observations on a fresh mount at DIR, one line each.
observe() {
	local m=$1
	chmod 755 "$m" && touch "$m/f" && chmod 600 "$m/f" || return
	echo "new file: $(acl "$m/f") names: $(names "$m/f")"
	setfacl -m u:1234:rw "$m/f" || echo "setfacl -m failed"
	echo "u:1234:rw: $(acl "$m/f") mode $(stat -c %a "$m/f") names: $(names "$m/f")"
	setfattr -n user.a -v 1 "$m/f" && tpy acl listsize "$m/f" && setfattr -x user.a "$m/f"
	echo "uid 1234 writes: $(as1234 sh -c "echo x >$m/f" 2>&1 && echo OK)"
	setfacl -m u:1234:r "$m/f"
	echo "u:1234:r, uid 1234 writes: $(as1234 sh -c "echo x >$m/f" 2>&1 | sed 's/.*: //' || true)"
	chmod 640 "$m/f"
	echo "chmod 640: $(acl "$m/f")"
	setfacl -b "$m/f"
	echo "setfacl -b: $(acl "$m/f") mode $(stat -c %a "$m/f") names: $(names "$m/f")"
	mkdir "$m/d" && setfacl -d -m u:1234:rwx,g::r-x,o::- "$m/d" || echo "default ACL failed"
	echo "default on d: $(acl "$m/d") names: $(names "$m/d")"
	(umask 077 && touch "$m/d/f" && mkdir "$m/d/sub" && mknod "$m/d/p" p)
	echo "made in d under umask 077: f $(stat -c %a "$m/d/f") $(acl "$m/d/f")"
	echo "  sub $(stat -c %a "$m/d/sub") $(acl "$m/d/sub")"
	echo "  fifo $(stat -c %a "$m/d/p") $(acl "$m/d/p")"
	(umask 077 && touch "$m/plain")
	echo "made outside d under umask 077: $(stat -c %a "$m/plain") $(acl "$m/plain")"
	ln -s f "$m/l"
	echo "setfacl on a symlink's target through it: $(setfacl -m u:1:r "$m/l" 2>&1 && acl "$m/f")"
}

same_as_tmpfs() {
	local r t
	# uid 1234 must reach the mounts.
	chmod 755 "$SCRATCH" && fs_mount "$RAMFS_NAME" "$SCRATCH/rust" && fs_mount tmpfs "$SCRATCH/tmpfs" || return
	r=$(observe "$SCRATCH/rust" | sed "s|$SCRATCH/rust|M|g") &&
		t=$(observe "$SCRATCH/tmpfs" | sed "s|$SCRATCH/tmpfs|M|g") || return
	same_observations "$r" "$t" tmpfs || return
	has_lines "$r" \
		"u:1234:rw: user::rw- user:1234:rw- group::--- mask::rw- other::---  mode 660 names: system.posix_acl_access" \
		"uid 1234 writes: OK" \
		"listxattr into the ACL names' 24 bytes: ERANGE; the bytes after: intact" \
		"chmod 640: user::rw- user:1234:r-- group::--- mask::r-- other::--- " \
		"made outside d under umask 077: 600 user::rw- group::--- other::--- " &&
		grep -q "^made in d under umask 077: f 660 user::rw- user:1234:rwx.*effective:rw-" <<<"$r"
}

# remount,mode= changes the root's permissions (tmpfs ignores it): its
# access ACL follows, as after chmod.
remount_mode() {
	local m=$SCRATCH/remount
	fs_mount "$RAMFS_NAME" "$m" mode=0777 && setfacl -m u:1234:rwx "$m" &&
		mount -o remount,mode=0750 "$m" || return
	echo "after remount,mode=0750: $(stat -c %a "$m") $(acl "$m")"
	[ "$(acl "$m")" = "user::rwx user:1234:rwx	#effective:r-x group::rwx	#effective:r-x mask::r-x other::--- " ]
}

# An ACL is memory, charged to size= as xattrs are (tmpfs does not count
# it): 2000 entries (about 16 000 bytes, a 16 KiB slab object) take 4 pages of a
# mount, given back by setfacl -b; a mount without room refuses it ENOSPC.
acl_charged() {
	local m=$SCRATCH/charged small=$SCRATCH/small before with after i out
	for ((i = 1; i <= 2000; i++)); do echo "u:$((100000 + i)):r"; done >"$SCRATCH/big.acl"
	fs_mount "$RAMFS_NAME" "$m" size=256k && touch "$m/f" || return
	before=$(used_blocks "$m")
	setfacl -M "$SCRATCH/big.acl" "$m/f" || return
	with=$(used_blocks "$m")
	setfacl -b "$m/f" || return
	after=$(used_blocks "$m")
	fs_mount "$RAMFS_NAME" "$small" size=8k && touch "$small/f" && echo x >"$small/g" || return
	out=$(setfacl -M "$SCRATCH/big.acl" "$small/f" 2>&1)
	echo "used pages: $before, with the ACL $with, after setfacl -b $after; on size=8k: ${out:-accepted}"
	[ $((with - before)) -eq 4 ] && [ "$after" -eq "$before" ] && [[ $out == *"$(errno_msg ENOSPC)"* ]]
}

c_ramfs_refuses() {
	local out
	fs_mount ramfs "$SCRATCH/c" && touch "$SCRATCH/c/f" || return
	out=$(setfacl -m u:1234:rw "$SCRATCH/c/f" 2>&1)
	echo "ramfs: $out"
	[[ $out == *"$(errno_msg EOPNOTSUPP)"* ]]
}

ktap_begin
dmesg_mark
expect_ok "ACLs: set, read, inherited, umask, chmod, removed, enforced, listed: as tmpfs" same_as_tmpfs
expect_ok "$RAMFS_NAME: remount,mode= rewrites the root's access ACL, as chmod" remount_mode
expect_ok "$RAMFS_NAME: an ACL is charged to size= (ENOSPC without room), given back when removed" acl_charged
expect_ok "the C ramfs has no ACLs (EOPNOTSUPP)" c_ramfs_refuses
expect_no_splat "no kernel warnings"
ktap_finished
