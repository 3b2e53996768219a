#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Permissions and ownership, as root and as unprivileged users: user A is
# nobody (65534:65534), user B is 65533:65533 (no passwd entry needed), both
# without supplementary groups. Permission checks are the VFS's, but they
# read what the file system stored (owner, group, mode, from
# inode_init_owner and setattr), so every check runs on rust_ramfs and on the
# C ramfs in the same VM and must give the same, expected, answer.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

m=$SCRATCH/rust
ref=$SCRATCH/ramfs
A=65534
B=65533
# A group neither user is in.
G=1234
umask 022

# setup DIR: the same tree on both mounts.
#   DIR (root 0755)  secret (root 0600)  open/ (0777)  open/ro (A 0444)
#   open/rootfile (root 0644)  sticky/ (1777)  sgid/ (root:G 2777)
setup() {
	local d=$1
	mkdir "$d/open" "$d/sticky" "$d/sgid" &&
		chmod 0777 "$d/open" && chmod 1777 "$d/sticky" &&
		chgrp "$G" "$d/sgid" && chmod 2777 "$d/sgid" &&
		echo secret >"$d/secret" && chmod 0600 "$d/secret" &&
		echo ro >"$d/open/ro" && chown "$A:$A" "$d/open/ro" && chmod 0444 "$d/open/ro" &&
		echo root >"$d/open/rootfile"
}

mount_both() {
	# The scratch directory (mktemp: 0700) must be searchable by the users.
	chmod 0755 "$SCRATCH" &&
		fs_mount_pair "$m" "$ref" && setup "$m" && setup "$ref"
}

tree() { stat -c '%n %A %u:%g' "$1" "$1"/* | sed "s|^$1|.|"; }

# --- plain permission bits -------------------------------------------------

create_in_root_dir() {
	as_user "$A" sysop create "$1/new" \; mkdir "$1/newdir" \; symlink x "$1/newlink"
}
read_secret() {
	as_user "$A" sysop read "$1/secret"
	as_user "$A" cat "$1/secret" 2>/dev/null || echo "cat failed"
}
write_readonly() {
	as_user "$A" sysop write "$1/open/ro" \; read "$1/open/ro"
	# Root (CAP_DAC_OVERRIDE) may write it.
	sysop write "$1/open/ro"
}
create_in_open_dir() {
	# Not sticky: A may remove root's file from a 0777 directory.
	as_user "$A" sysop create "$1/open/mine" \; mkdir "$1/open/mydir" \; \
		unlink "$1/open/rootfile"
	stat -c '%A %u:%g' "$1/open/mine" "$1/open/mydir"
}
# A search-only directory (0711): names can be used, not listed; and
# without search permission (0700) not even used.
search_only() {
	mkdir "$1/xonly" && echo hidden >"$1/xonly/f" && chmod 0711 "$1/xonly" || return
	as_user "$A" cat "$1/xonly/f"
	as_user "$A" ls "$1/xonly" >/dev/null 2>&1 || echo "ls refused"
	chmod 0700 "$1/xonly"
	as_user "$A" sysop stat "$1/xonly/f"
}

# --- sticky directory ------------------------------------------------------

# A makes a, b and c; B makes its own file bf.
sticky_setup() {
	as_user "$A" sysop create "$1/sticky/a" \; create "$1/sticky/b" \; create "$1/sticky/c"
	as_user "$B" sysop create "$1/sticky/bf"
}
sticky_other_user() {
	# Replacing A's file by renaming over it is removing it too.
	as_user "$B" sysop unlink "$1/sticky/a" \; rename "$1/sticky/a" "$1/sticky/z" \; \
		rename "$1/sticky/bf" "$1/sticky/a"
	ls "$1/sticky" | tr '\n' ' '
	echo
}
sticky_root() {
	sysop unlink "$1/sticky/a" \; rename "$1/sticky/b" "$1/sticky/rootmoved"
}
sticky_owner() {
	as_user "$A" sysop rename "$1/sticky/c" "$1/sticky/cc" \; unlink "$1/sticky/cc"
	as_user "$B" sysop unlink "$1/sticky/bf"
	ls "$1/sticky" | tr '\n' ' '
	echo
}

# --- chmod and chown -------------------------------------------------------

chmod_other() {
	as_user "$A" sysop create "$1/open/amode" >/dev/null || return
	as_user "$B" sysop chmod "$1/open/amode" 0777 \; chmod "$1/open" 0700
	stat -c %a "$1/open/amode" "$1/open"
}
chmod_owner() {
	as_user "$A" sysop chmod "$1/open/amode" 0640
	stat -c %a "$1/open/amode"
}
chown_user() {
	# Changing to what it already is is allowed.
	as_user "$A" sysop chown "$1/open/amode" "$B" -1 \; chown "$1/open/amode" -1 "$G" \; \
		chown "$1/open/amode" "$A" "$A"
	stat -c %u:%g "$1/open/amode"
}
chown_root() {
	sysop chown "$1/open/amode" "$B" "$G"
	stat -c %u:%g "$1/open/amode"
	# Now B owns it: B may chmod it, A no longer may.
	as_user "$B" sysop chmod "$1/open/amode" 0600
	as_user "$A" sysop chmod "$1/open/amode" 0666
	stat -c %a "$1/open/amode"
}
# chown by a non-root owner of a setuid/setgid executable clears both bits.
chown_clears_suid() {
	as_user "$A" sysop create "$1/open/suid" 0755 \; chmod "$1/open/suid" 06755 >/dev/null || return
	stat -c %A "$1/open/suid"
	as_user "$A" sysop chown "$1/open/suid" "$A" "$A"
	stat -c %A "$1/open/suid"
}

# --- setgid directory ------------------------------------------------------

sgid_root() {
	sysop create "$1/sgid/rf" \; mkdir "$1/sgid/rd" \; mkdir "$1/sgid/rd/deeper" &&
		stat -c '%n %A %u:%g' "$1/sgid/rf" "$1/sgid/rd" "$1/sgid/rd/deeper" | sed "s|^$1/||"
}
sgid_user() {
	as_user "$A" sysop create "$1/sgid/af" \; mkdir "$1/sgid/ad" &&
		stat -c '%n %A %u:%g' "$1/sgid/af" "$1/sgid/ad" | sed "s|^$1/||"
}
# A file asking for setgid, made by a user outside the directory's group,
# and chmod g+s by the owner who is not in the file's group: the bit is
# dropped (the group is G, which A is not in).
sgid_strip_and_chmod() {
	as_user "$A" sysop create "$1/sgid/agx" 02755 \; chmod "$1/sgid/af" 02644 &&
		stat -c %A "$1/sgid/agx" "$1/sgid/af"
}

# --- umask -----------------------------------------------------------------

umask_077() {
	(
		umask 077
		touch "$1/u-file" && mkdir "$1/u-dir" && mkfifo "$1/u-fifo" &&
			sysop create "$1/u-0777" 0777 >/dev/null && ln -s u-file "$1/u-link" &&
			stat -c '%n %a' "$1/u-file" "$1/u-dir" "$1/u-fifo" "$1/u-0777" "$1/u-link" |
			sed "s|^$1/||"
	)
}
umask_0() {
	(
		umask 0
		sysop create "$1/z-file" 0777 \; mkdir "$1/z-dir" 01777 >/dev/null &&
			stat -c '%n %a' "$1/z-file" "$1/z-dir" | sed "s|^$1/||"
	)
}

ktap_begin

expect_ok "mount $RAMFS_NAME and ramfs, same tree on both" mount_both
expect_like_ref "the tree's modes and owners (as ramfs)" \
	$'. drwxr-xr-x 0:0\n./open drwxrwxrwx 0:0\n./secret -rw------- 0:0\n./sgid drwxrwsrwx 0:1234\n./sticky drwxrwxrwt 0:0' \
	"$m" "$ref" tree

expect_like_ref "non-root: create, mkdir, symlink in a 0755 root dir fail EACCES" \
	$'EACCES\nEACCES\nEACCES' "$m" "$ref" create_in_root_dir
expect_like_ref "non-root: reading a 0600 root file fails EACCES" \
	$'EACCES\ncat failed' "$m" "$ref" read_secret
expect_like_ref "non-root: writing its own 0444 file fails EACCES; reading works; root may write" \
	$'EACCES\nOK\nOK' "$m" "$ref" write_readonly
expect_like_ref "non-root: create and mkdir in a 0777 dir work, owned by the user" \
	$'OK\nOK\nOK\n-rw-r--r-- 65534:65534\ndrwxr-xr-x 65534:65534' \
	"$m" "$ref" create_in_open_dir
expect_like_ref "non-root: 0711 dir: names usable, not listable; 0700: EACCES" \
	$'hidden\nls refused\nEACCES' "$m" "$ref" search_only

expect_like_ref "sticky dir: two users create files" $'OK\nOK\nOK\nOK' "$m" "$ref" sticky_setup
expect_like_ref "sticky dir: another user cannot unlink, rename or replace (EPERM)" \
	$'EPERM\nEPERM\nEPERM\na b bf c ' "$m" "$ref" sticky_other_user
expect_like_ref "sticky dir: root can unlink and rename" $'OK\nOK' "$m" "$ref" sticky_root
expect_like_ref "sticky dir: each owner can rename and unlink its own" \
	$'OK\nOK\nOK\nrootmoved ' "$m" "$ref" sticky_owner

expect_like_ref "chmod by a non-owner fails EPERM (file and dir)" \
	$'EPERM\nEPERM\n644\n777' "$m" "$ref" chmod_other
expect_like_ref "chmod by the owner works" $'OK\n640' "$m" "$ref" chmod_owner
expect_like_ref "chown/chgrp by a non-root owner fail EPERM; a no-op chown works" \
	$'EPERM\nEPERM\nOK\n65534:65534' "$m" "$ref" chown_user
expect_like_ref "chown by root works; the new owner controls the mode" \
	$'OK\n65533:1234\nOK\nEPERM\n600' "$m" "$ref" chown_root
expect_like_ref "chown by the owner clears setuid and setgid" \
	$'-rwsr-sr-x\nOK\n-rwxr-xr-x' "$m" "$ref" chown_clears_suid

expect_like_ref "setgid dir: new files take its group, new subdirs its group and setgid bit" \
	$'OK\nOK\nOK\nsgid/rf -rw-r--r-- 0:1234\nsgid/rd drwxr-sr-x 0:1234\nsgid/rd/deeper drwxr-sr-x 0:1234' \
	"$m" "$ref" sgid_root
expect_like_ref "setgid dir: the same for a user outside the group" \
	$'OK\nOK\nsgid/af -rw-r--r-- 65534:1234\nsgid/ad drwxr-sr-x 65534:1234' "$m" "$ref" sgid_user
expect_like_ref "setgid dir: a non-member's setgid file and chmod g+s lose the bit" \
	$'OK\nOK\n-rwxr-xr-x\n-rw-r--r--' "$m" "$ref" sgid_strip_and_chmod

expect_like_ref "umask 077: files 600, dirs 700, fifos 600, even when asking 0777; symlinks 777" \
	$'u-file 600\nu-dir 700\nu-fifo 600\nu-0777 700\nu-link 777' "$m" "$ref" umask_077
expect_like_ref "umask 0: the requested modes exactly (file 777, dir 1777)" \
	$'z-file 777\nz-dir 1777' "$m" "$ref" umask_0

ktap_finished
