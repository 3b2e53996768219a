#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Extended attributes and birth time. xattrs in the user., trusted. and
# security. namespaces: set, get, list, remove; XATTR_CREATE and
# XATTR_REPLACE; the errors (ENODATA, EEXIST, ERANGE for a short buffer or a
# 256-byte name, E2BIG for a value over 64 KiB, EOPNOTSUPP for other
# namespaces); who may use which (trusted.* only with CAP_SYS_ADMIN, user.*
# only on regular files and directories); ctime on a change; xattrs charged
# to size= (64 KiB values until ENOSPC, and back); writes drop a file
# capability and setuid (SB_NOSEC must not skip that). statx birth time (stat
# %W): set at creation to the ctime, kept by chmod and write. tmpfs has the
# same semantics (the C ramfs has no xattrs), so every check that does not
# depend on size= runs on tmpfs too, in the same boot, and must give the same
# answer.
# timeout=240
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
chmod 755 "$SCRATCH" # uid 65534 must reach the mounts
umask 022

R=$SCRATCH/rust
T=$SCRATCH/tmpfs
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount tmpfs "$T" || skip_all "cannot mount tmpfs"

# The checks in Python: tests/ramfstest/xattr.py.
xpy() { tpy xattr "$@"; }
run_on() { xpy "$2" "$1"; }
user_on() { xpy user_setup "$1" && as_user 65534 "${TPY[@]}" xattr as_user "$1"; }

# btime DIR: birth time (stat %W, statx) of new files, a directory and a
# symlink; kept by chmod and a write; a file made a second later is born
# later.
btime() {
	local f=$1/born w z
	: >"$f" || return
	w=$(stat -c %.9W "$f") z=$(stat -c %.9Z "$f")
	echo "birth time known: $(stat -c %w "$f" | grep -qv '^-$' && echo yes)," \
		"non-zero: $([ "${w%%.*}" -gt 0 ] && echo yes)"
	echo "birth = ctime at creation: $([ "$w" = "$z" ] && echo yes || echo "no ($w, $z)")"
	sleep 1.1
	chmod 600 "$f" && echo data >>"$f" || return
	echo "after chmod and write: birth kept: $([ "$(stat -c %.9W "$f")" = "$w" ] && echo yes)," \
		"ctime moved: $([ "$(stat -c %.9Z "$f")" != "$z" ] && echo yes)"
	: >"$1/born2" && mkdir "$1/borndir" && ln -s born "$1/bornlink" || return
	echo "a file made 1.1 s later: born later: $([ "$(stat -c %W "$1/born2")" -gt "${w%%.*}" ] && echo yes)"
	echo "a directory and a symlink: $(stat -c %W "$1/borndir" "$1/bornlink" |
		awk -v t="${w%%.*}" '$1 > t { n++ } END { print n + 0 }') of 2 born later"
}

# Writes drop what gives privileges (file_remove_privs): a file capability
# (security.capability), and setuid when another user writes. rust_ramfs sets
# SB_NOSEC, as tmpfs, so once a write finds nothing to drop the VFS marks the
# inode and skips the check, until a security.* setxattr or a chmod to
# setuid clears the mark: each step here comes after such a write.
killpriv() {
	local f=$1/killpriv
	echo x >"$f" && echo y >>"$f" && setcap cap_net_raw+ep "$f" || return
	echo "capability set: $(getcap "$f" | awk '{ print $2 }')"
	echo z >>"$f" || return
	echo "after a write: '$(getcap "$f")', $(stat -c %s "$f") bytes"
	echo again >>"$f" && chmod 4777 "$f" || return
	echo "mode: $(stat -c %A "$f")"
	as_user 65534 sh -c 'echo other >>"$1"' - "$f" || return
	echo "after uid 65534 writes: $(stat -c %A "$f")"
}

# 50 files with an xattr each, then umount, which frees them (stress-ng runs
# in a mount namespace of its own, so nothing else holds this mount).
many_then_umount() {
	local i
	for i in $(seq 50); do
		: >"$R/many$i" && setfattr -n user.x -v "$i" "$R/many$i" || return
	done
	fs_umount "$R" && ! mountpoint -q "$R"
}

ktap_begin

expect_like_ref "set, get, list, overwrite, remove user.* xattrs (as tmpfs)" \
	"set user.a: OK
get user.a: b'hello'
set user.b: OK
get user.b: b'\\x00\\xff binary'
list: user.a user.b
overwrite user.a: OK b'hi'
remove user.b: OK get: ENODATA
list: user.a
through a hard link: b'hi'" "$R" "$T" run_on basic
expect_like_ref "XATTR_CREATE on an existing name EEXIST, XATTR_REPLACE on a missing one ENODATA (as tmpfs)" \
	"XATTR_CREATE on an existing name: EEXIST b'one'
XATTR_REPLACE on a missing name: ENODATA ENODATA
XATTR_REPLACE on an existing name: OK b'three'
XATTR_CREATE on a new name: OK b'four'
list: user.a user.c" "$R" "$T" run_on flags
expect_like_ref "ENODATA for missing names, ERANGE for short buffers, length queries (as tmpfs)" \
	"get a missing name: ENODATA
remove a missing name: ENODATA
length query (size 0): 5
get with a 2-byte buffer: ERANGE
get with a 5-byte buffer: 5
list length query: 15
list with a 3-byte buffer: ERANGE
list with a 15-byte buffer: 15
empty value: get b'' length 0
list: user.a user.bb" "$R" "$T" run_on errors
expect_like_ref "names of 255 bytes work, 256 ERANGE; values of 65536 bytes work, 65537 E2BIG; empty values (as tmpfs)" \
	"name of 255 bytes: OK get: b'x'
name of 256 bytes: set ERANGE get ERANGE remove ERANGE
value of 65536 bytes: OK length 65536 same: True
value of 65537 bytes: E2BIG ENODATA
empty value: OK b''
list: <255 bytes> user.big user.empty" "$R" "$T" run_on limits
expect_like_ref "other namespaces EOPNOTSUPP; trusted.* and security.* work for root (as tmpfs)" \
	"set 'foo.bar': EOPNOTSUPP get: EOPNOTSUPP
set 'system.x': EOPNOTSUPP get: EOPNOTSUPP
set 'user.': EINVAL get: EINVAL
set 'trusted.': EINVAL get: EINVAL
set '': ERANGE get: ERANGE
set trusted.t: OK b'tv'
set security.s: OK b'sv'
set user.u: OK b'uv'
list as root: security.s trusted.t user.u
remove trusted.t: OK list: security.s user.u" "$R" "$T" run_on namespaces
expect_like_ref "setxattr advances ctime, not mtime (as tmpfs)" \
	$'setxattr advances ctime: True replacing too: True\nmtime untouched: True' \
	"$R" "$T" run_on ctime
expect_like_ref "user.* on directories works, on symlinks/fifos/devices EPERM; trusted.* on a symlink works (as tmpfs)" \
	"user.* on a directory: OK b'dv'
user.* on a symlink: EPERM get: ENODATA
trusted.* on a symlink: OK list: trusted.x
through the symlink (followed): user.d
user.* on a fifo: EPERM trusted.*: OK
user.* on a device node: EPERM security.*: OK" "$R" "$T" run_on types
expect_like_ref "uid 65534: trusted.* set EPERM, get ENODATA, not listed; user.* needs write permission (as tmpfs)" \
	"list: security.s user.a
list length: 18
get trusted.t: ENODATA
set trusted.x: EPERM
remove trusted.t: EPERM
get security.s: b'sv'
set user.b on its own file: OK b'ub'
get user.r on root's file: b'rv'
set user.x on root's 0644 file: EACCES
remove user.r on root's 0644 file: EACCES" "$R" "$T" user_on
expect_output "... and root still sees all of them" "security.s trusted.t user.a user.b" \
	xpy listnames "$R/theirs"
expect_like_ref "birth time (stat %W): set at creation to the ctime, kept by chmod and write (as tmpfs)" \
	"birth time known: yes, non-zero: yes
birth = ctime at creation: yes
after chmod and write: birth kept: yes, ctime moved: yes
a file made 1.1 s later: born later: yes
a directory and a symlink: 2 of 2 born later" "$R" "$T" btime
expect_like_ref "a write drops a file capability and, by another user, setuid, also after earlier writes (as tmpfs)" \
	"capability set: cap_net_raw=ep
after a write: '', 6 bytes
mode: -rwsrwxrwx
after uid 65534 writes: -rwxrwxrwx" "$R" "$T" killpriv

# charged to size=
C=$SCRATCH/charged
fs_mount "$RAMFS_NAME" "$C" size=1m || true
expect_output "size=1m: fifteen 64 KiB values fit (66048 bytes each: node and value as allocated), then ENOSPC; removing one makes room; each file's xattr tree stays charged until the file goes" \
	"64 KiB values that fit: 15 then ENOSPC bfree 14
remove user.v00: OK bfree 30
one more fits: OK bfree 14
and no other: ENOSPC
a small one fits: OK bfree 13
user.v01 replaced by 1 byte: OK bfree 29
then a 64 KiB value fits: OK bfree 13
on another file: ENOSPC
all removed: bfree 255
two set: bfree 223
files with xattrs unlinked: bfree 256" xpy charge "$C"
expect_output "... the charged mount's statfs after all that" "256 256" stat -f -c '%b %f' "$C"
dmesg_mark
expect_ok "umount of a mount with xattrs on many files" many_then_umount
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"

ktap_finished
