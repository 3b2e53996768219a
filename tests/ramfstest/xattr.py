# SPDX-License-Identifier: GPL-2.0
"""Extended attributes: the checks of tests/xattr.sh.

    python3 -m ramfstest.xattr CHECK DIR

Each check works in DIR (rust_ramfs, or tmpfs as the reference) and prints
what every call returned: "OK", the value, or the errno's name.
``user_setup`` (as root) then ``as_user`` (as uid 65534) check who may use
which namespace; ``listnames PATH`` prints PATH's xattr names; ``charge``
(on a rust_ramfs mount with size=1m) what xattrs are charged to size=.
"""

import ctypes
import os
import sys
import time

from .libc import ename as libc_ename
from .libc import libc

CREATE, REPLACE = os.XATTR_CREATE, os.XATTR_REPLACE


def ename(e):
    # errno.errorcode names 95 ENOTSUP; the kernel's name is EOPNOTSUPP.
    name = libc_ename(e)
    return "EOPNOTSUPP" if name == "ENOTSUP" else name


def try_(fn, *a, **k):
    """FN's result ("OK" for None), or the errno's name."""
    try:
        r = fn(*a, **k)
        return "OK" if r is None else r
    except OSError as e:
        return ename(e)


def get(p, n, **k):
    return try_(os.getxattr, p, n, **k)


def getsize(p, n, size):
    """getxattr(2) with a buffer of SIZE bytes (0: the length query)."""
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.getxattr(p.encode(), n.encode(), buf if size else None, size)
    return r if r >= 0 else ename(ctypes.get_errno())


def listsize(p, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.listxattr(p.encode(), buf if size else None, size)
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
    print("XATTR_CREATE on an existing name:", try_(os.setxattr, f, "user.a", b"two", CREATE),
          get(f, "user.a"))
    print("XATTR_REPLACE on a missing name:", try_(os.setxattr, f, "user.b", b"two", REPLACE),
          get(f, "user.b"))
    print("XATTR_REPLACE on an existing name:",
          try_(os.setxattr, f, "user.a", b"three", REPLACE), get(f, "user.a"))
    print("XATTR_CREATE on a new name:", try_(os.setxattr, f, "user.c", b"four", CREATE),
          get(f, "user.c"))
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
          "length", getsize(f, "user.big", 0),
          "same:", os.getxattr(f, "user.big") == b"v" * 65536)
    print("value of 65537 bytes:", try_(os.setxattr, f, "user.big2", b"v" * 65537),
          get(f, "user.big2"))
    print("empty value:", try_(os.setxattr, f, "user.empty", b""), get(f, "user.empty"))
    print("list:", " ".join(sorted(n if len(n) < 20 else f"<{len(n)} bytes>"
                                   for n in os.listxattr(f))))


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
    print("user.* on a directory:", try_(os.setxattr, d + "/tdir", "user.d", b"dv"),
          get(d + "/tdir", "user.d"))
    os.symlink("tdir", d + "/tlink")
    print("user.* on a symlink:",
          try_(os.setxattr, d + "/tlink", "user.x", b"1", follow_symlinks=False),
          "get:", get(d + "/tlink", "user.x", follow_symlinks=False))
    print("trusted.* on a symlink:",
          try_(os.setxattr, d + "/tlink", "trusted.x", b"1", follow_symlinks=False),
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
    print("user.v01 replaced by 1 byte:", try_(os.setxattr, f, "user.v01", b"1", REPLACE),
          "bfree", bfree(d))
    print("then a 64 KiB value fits:", try_(os.setxattr, f, "user.v98", b"v" * 65536),
          "bfree", bfree(d))
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


COMMANDS = {f.__name__: f for f in (
    basic, flags, errors, limits, namespaces, ctime, types, user_setup, as_user, listnames,
    charge)}


def main():
    fn = COMMANDS.get(sys.argv[1])
    if fn is None:
        sys.exit(f"unknown command {sys.argv[1]}")
    fn(*sys.argv[2:])


if __name__ == "__main__":
    main()
