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

PY=$SCRATCH/xattr.py
cat >"$PY" <<'EOF'
import ctypes, errno, os, sys, time

libc = ctypes.CDLL(None, use_errno=True)
libc.getxattr.restype = ctypes.c_ssize_t
libc.listxattr.restype = ctypes.c_ssize_t
CREATE, REPLACE = os.XATTR_CREATE, os.XATTR_REPLACE


def ename(e):
    # errno.errorcode names 95 ENOTSUP; the kernel's name is EOPNOTSUPP.
    return "EOPNOTSUPP" if e == errno.EOPNOTSUPP else errno.errorcode.get(e, str(e))


def try_(fn, *a, **k):
    try:
        r = fn(*a, **k)
        return "OK" if r is None else r
    except OSError as e:
        return ename(e.errno)


def get(p, n, **k):
    return try_(os.getxattr, p, n, **k)


def getsize(p, n, size):
    """getxattr(2) with a buffer of SIZE bytes (0: the length query)."""
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.getxattr(p.encode(), n.encode(), buf if size else None, ctypes.c_size_t(size))
    return r if r >= 0 else ename(ctypes.get_errno())


def listsize(p, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.listxattr(p.encode(), buf if size else None, ctypes.c_size_t(size))
    return r if r >= 0 else ename(ctypes.get_errno())


def names(p, **k):
    r = try_(os.listxattr, p, **k)
    return " ".join(sorted(r)) if isinstance(r, list) else r


def newfile(p, data=b""):
    with open(p, "wb") as f:
        f.write(data)
    return p


def basic(d):
    f = newfile(d + "/basic")
    print("set user.a:", try_(os.setxattr, f, "user.a", b"hello"))
    print("get user.a:", get(f, "user.a"))
    print("set user.b:", try_(os.setxattr, f, "user.b", b"\0\xff binary"))
    print("get user.b:", get(f, "user.b"))
    print("list:", names(f))
    print("overwrite user.a:", try_(os.setxattr, f, "user.a", b"hi"), get(f, "user.a"))
    print("remove user.b:", try_(os.removexattr, f, "user.b"), "get:", get(f, "user.b"))
    print("list:", names(f))
    os.link(f, d + "/basic-link")
    print("through a hard link:", get(d + "/basic-link", "user.a"))


def flags(d):
    f = newfile(d + "/flags")
    os.setxattr(f, "user.a", b"one")
    print("XATTR_CREATE on an existing name:", try_(os.setxattr, f, "user.a", b"two", CREATE), get(f, "user.a"))
    print("XATTR_REPLACE on a missing name:", try_(os.setxattr, f, "user.b", b"two", REPLACE), get(f, "user.b"))
    print("XATTR_REPLACE on an existing name:", try_(os.setxattr, f, "user.a", b"three", REPLACE), get(f, "user.a"))
    print("XATTR_CREATE on a new name:", try_(os.setxattr, f, "user.c", b"four", CREATE), get(f, "user.c"))
    print("list:", names(f))


def errors(d):
    f = newfile(d + "/errors")
    os.setxattr(f, "user.a", b"hello")
    os.setxattr(f, "user.bb", b"")
    print("get a missing name:", get(f, "user.missing"))
    print("remove a missing name:", try_(os.removexattr, f, "user.missing"))
    print("length query (size 0):", getsize(f, "user.a", 0))
    print("get with a 2-byte buffer:", getsize(f, "user.a", 2))
    print("get with a 5-byte buffer:", getsize(f, "user.a", 5))
    print("list length query:", listsize(f, 0))
    print("list with a 3-byte buffer:", listsize(f, 3))
    print("list with a 15-byte buffer:", listsize(f, 15))
    print("empty value: get", get(f, "user.bb"), "length", getsize(f, "user.bb", 0))
    print("list:", names(f))


def limits(d):
    f = newfile(d + "/limits")
    n255 = "user." + "n" * 250
    n256 = "user." + "n" * 251
    print("name of 255 bytes:", try_(os.setxattr, f, n255, b"x"), "get:", get(f, n255))
    print("name of 256 bytes: set", try_(os.setxattr, f, n256, b"x"), "get", get(f, n256),
          "remove", try_(os.removexattr, f, n256))
    print("value of 65536 bytes:", try_(os.setxattr, f, "user.big", b"v" * 65536),
          "length", getsize(f, "user.big", 0), "same:", os.getxattr(f, "user.big") == b"v" * 65536)
    print("value of 65537 bytes:", try_(os.setxattr, f, "user.big2", b"v" * 65537), get(f, "user.big2"))
    print("empty value:", try_(os.setxattr, f, "user.empty", b""), get(f, "user.empty"))
    print("list:", " ".join(sorted(n if len(n) < 20 else f"<{len(n)} bytes>" for n in os.listxattr(f))))


def namespaces(d):
    f = newfile(d + "/ns")
    for n in ("foo.bar", "system.x", "user.", "trusted.", ""):
        print(f"set '{n}':", try_(os.setxattr, f, n, b"1"), "get:", get(f, n))
    print("set trusted.t:", try_(os.setxattr, f, "trusted.t", b"tv"), get(f, "trusted.t"))
    print("set security.s:", try_(os.setxattr, f, "security.s", b"sv"), get(f, "security.s"))
    print("set user.u:", try_(os.setxattr, f, "user.u", b"uv"), get(f, "user.u"))
    print("list as root:", names(f))
    print("remove trusted.t:", try_(os.removexattr, f, "trusted.t"), "list:", names(f))


def ctime(d):
    f = newfile(d + "/ctime")
    c0 = os.stat(f).st_ctime_ns
    time.sleep(0.05)
    os.setxattr(f, "user.a", b"1")
    c1 = os.stat(f).st_ctime_ns
    time.sleep(0.05)
    os.setxattr(f, "user.a", b"2", REPLACE)
    c2 = os.stat(f).st_ctime_ns
    print("setxattr advances ctime:", c1 > c0, "replacing too:", c2 > c1)
    m = os.stat(f).st_mtime_ns
    print("mtime untouched:", m < c1)


def types(d):
    os.mkdir(d + "/tdir")
    print("user.* on a directory:", try_(os.setxattr, d + "/tdir", "user.d", b"dv"), get(d + "/tdir", "user.d"))
    os.symlink("tdir", d + "/tlink")
    print("user.* on a symlink:", try_(os.setxattr, d + "/tlink", "user.x", b"1", follow_symlinks=False),
          "get:", get(d + "/tlink", "user.x", follow_symlinks=False))
    print("trusted.* on a symlink:", try_(os.setxattr, d + "/tlink", "trusted.x", b"1", follow_symlinks=False),
          "list:", names(d + "/tlink", follow_symlinks=False))
    print("through the symlink (followed):", names(d + "/tlink"))
    os.mkfifo(d + "/tfifo")
    print("user.* on a fifo:", try_(os.setxattr, d + "/tfifo", "user.x", b"1"),
          "trusted.*:", try_(os.setxattr, d + "/tfifo", "trusted.x", b"1"))
    os.mknod(d + "/tnull", 0o20666, os.makedev(1, 3))
    print("user.* on a device node:", try_(os.setxattr, d + "/tnull", "user.x", b"1"),
          "security.*:", try_(os.setxattr, d + "/tnull", "security.x", b"1"))


def user_setup(d):
    """As root: a file of uid 65534 with one xattr of each namespace, and a
    file of root's, mode 0644, with user.r."""
    f = newfile(d + "/theirs")
    os.chown(f, 65534, 65534)
    os.setxattr(f, "trusted.t", b"tv")
    os.setxattr(f, "security.s", b"sv")
    os.setxattr(f, "user.a", b"ua")
    g = newfile(d + "/roots")
    os.setxattr(g, "user.r", b"rv")


def as_user(d):
    """As uid 65534."""
    f, g = d + "/theirs", d + "/roots"
    print("list:", names(f))
    print("list length:", listsize(f, 0))
    print("get trusted.t:", get(f, "trusted.t"))
    print("set trusted.x:", try_(os.setxattr, f, "trusted.x", b"1"))
    print("remove trusted.t:", try_(os.removexattr, f, "trusted.t"))
    print("get security.s:", get(f, "security.s"))
    print("set user.b on its own file:", try_(os.setxattr, f, "user.b", b"ub"), get(f, "user.b"))
    print("get user.r on root's file:", get(g, "user.r"))
    print("set user.x on root's 0644 file:", try_(os.setxattr, g, "user.x", b"1"))
    print("remove user.r on root's 0644 file:", try_(os.removexattr, g, "user.r"))


def listnames(p):
    print(names(p))


def bfree(d):
    return os.statvfs(d).f_bfree


def charge(d):
    """rust_ramfs with size=1m (1048576 bytes): an xattr with a 65536-byte
    value takes 66048 bytes (its 512-byte tree node, which holds the name,
    and the value's buffer), and a file's first xattr its tree too (less
    than a page): 15 fit."""
    f = newfile(d + "/charged")
    n, r = 0, "OK"
    while n < 100:
        r = try_(os.setxattr, f, f"user.v{n:02d}", b"v" * 65536)
        if r != "OK":
            break
        n += 1
    print("64 KiB values that fit:", n, "then", r, "bfree", bfree(d))
    print("remove user.v00:", try_(os.removexattr, f, "user.v00"), "bfree", bfree(d))
    print("one more fits:", try_(os.setxattr, f, "user.v99", b"v" * 65536), "bfree", bfree(d))
    print("and no other:", try_(os.setxattr, f, "user.v98", b"v" * 65536))
    print("a small one fits:", try_(os.setxattr, f, "user.w", b"1"), "bfree", bfree(d))
    print("user.v01 replaced by 1 byte:", try_(os.setxattr, f, "user.v01", b"1", REPLACE), "bfree", bfree(d))
    print("then a 64 KiB value fits:", try_(os.setxattr, f, "user.v98", b"v" * 65536), "bfree", bfree(d))
    g = newfile(d + "/other")
    print("on another file:", try_(os.setxattr, g, "user.v00", b"v" * 65536))
    for x in os.listxattr(f):
        os.removexattr(f, x)
    print("all removed: bfree", bfree(d))
    os.setxattr(g, "user.v00", b"v" * 65536)
    os.setxattr(f, "user.v00", b"v" * 65536)
    print("two set: bfree", bfree(d))
    os.unlink(f)
    os.unlink(g)
    print("files with xattrs unlinked: bfree", bfree(d))


globals()[sys.argv[1]](*sys.argv[2:])
EOF
xpy() { python3 "$PY" "$@"; }
run_on() { xpy "$2" "$1"; }
user_on() { xpy user_setup "$1" && as_user 65534 "$_SYSOP_PYTHON" -S "$PY" as_user "$1"; }

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
