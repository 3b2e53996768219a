# SPDX-License-Identifier: GPL-2.0
"""O_TMPFILE: the checks of tests/tmpfile.sh.

    python3 -m ramfstest.tmpfile CMD DIR...
    python3 -m ramfstest.tmpfile hold DIR

Runs check CMD in each DIR (a fresh directory of rust_ramfs, then of the C
ramfs), each in a child of its own, and prints one line per directory
(ramfstest.forked). ``hold`` opens an O_TMPFILE file in DIR, writes to it,
prints READY and sleeps 30 s, keeping the file open, in this process.
"""

import mmap
import os
import stat
import sys
import time

from sysconst import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_FOLLOW

from .forked import each, in_child
from .libc import linkat, outcome


def tmpfile(d, flags=os.O_RDWR, mode=0o600):
    return os.open(d, os.O_TMPFILE | flags, mode)


def link(fd, dst, how="proc"):
    """Give the open file a name, as the man page shows: through
    /proc/self/fd/N with AT_SYMLINK_FOLLOW, or (root) AT_EMPTY_PATH."""
    if how == "proc":
        linkat(AT_FDCWD, f"/proc/self/fd/{fd}", AT_FDCWD, dst, AT_SYMLINK_FOLLOW)
    else:
        linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH)


def as_1111(fn):
    """fn() in a child process as uid 1111, gid 2222, no supplementary
    groups (no CAP_FSETID)."""
    def child():
        os.setgroups([])
        os.setgid(2222)
        os.setuid(1111)
        fn()
    in_child(child)


def open_(d):
    fd = tmpfile(d)
    st = os.fstat(fd)
    print(f"regular {stat.S_ISREG(st.st_mode)}, mode {stat.S_IMODE(st.st_mode):o}, "
          f"nlink {st.st_nlink}, size {st.st_size}")


def data(d):
    """Write, seek back, read; pwrite/pread past a page; fstat size."""
    fd = tmpfile(d)
    os.write(fd, b"tmp data\n")
    os.lseek(fd, 0, os.SEEK_SET)
    a = os.read(fd, 100)
    os.pwrite(fd, b"far", 10000)
    b = os.pread(fd, 3, 10000)
    z = os.pread(fd, 10, 5000)
    print(f"read {a!r}, far {b!r}, zeros {z == bytes(10)}, size {os.fstat(fd).st_size}")


def unlisted(d):
    """Not in readdir; the directory's link count does not move."""
    os.mkdir(f"{d}/t")
    n0 = os.stat(f"{d}/t").st_nlink
    fds = [tmpfile(f"{d}/t") for _ in range(5)]
    for fd in fds:
        os.write(fd, b"x")
    print(f"entries {os.listdir(d + '/t')}, dir nlink {n0}->{os.stat(d + '/t').st_nlink}")


def link_proc(d):
    """linkat through /proc/self/fd: the name has the data, nlink 1, same
    inode."""
    fd = tmpfile(d)
    os.write(fd, b"named later")
    link(fd, f"{d}/named")
    st, fst = os.stat(f"{d}/named"), os.fstat(fd)
    os.close(fd)
    contents = open(f"{d}/named", "rb").read()
    print(f"data {contents!r}, nlink {st.st_nlink}, same inode {st.st_ino == fst.st_ino}, "
          f"listed {os.listdir(d).count('named')}")


def link_empty_path(d):
    fd = tmpfile(d)
    os.write(fd, b"empty path")
    link(fd, f"{d}/named2", how="empty")
    os.close(fd)
    st = os.stat(f"{d}/named2")
    print(f"data {open(d + '/named2', 'rb').read()!r}, nlink {st.st_nlink}")


def link_twice(d):
    """Once named it is an ordinary file: a second link makes nlink 2."""
    fd = tmpfile(d)
    link(fd, f"{d}/one")
    link(fd, f"{d}/two")
    same = os.stat(d + '/one').st_ino == os.stat(d + '/two').st_ino
    print(f"nlink {os.fstat(fd).st_nlink}, same {same}")


def excl(d):
    """O_TMPFILE | O_EXCL: never linkable (ENOENT), both ways."""
    fd = tmpfile(d, os.O_RDWR | os.O_EXCL)
    os.write(fd, b"secret")
    a = outcome(link, fd, f"{d}/nope")
    b = outcome(link, fd, f"{d}/nope2", "empty")
    print(f"proc link {a}, AT_EMPTY_PATH link {b}, listed {sorted(os.listdir(d))}, "
          f"still readable {os.pread(fd, 6, 0) == b'secret'}")


def not_dir(d):
    open(f"{d}/plain", "w").close()
    print(f"on a file: {outcome(tmpfile, d + '/plain')}, "
          f"in a missing dir: {outcome(tmpfile, d + '/missing')}")


def rdonly(d):
    """O_TMPFILE needs O_WRONLY or O_RDWR."""
    print(f"O_RDONLY: {outcome(tmpfile, d, os.O_RDONLY)}, "
          f"O_WRONLY: {outcome(tmpfile, d, os.O_WRONLY)}")


def umask(d):
    """The mode is masked by the umask, as for open(O_CREAT)."""
    os.umask(0o027)
    fd = tmpfile(d, mode=0o666)
    print(f"mode {stat.S_IMODE(os.fstat(fd).st_mode):o}")


def setgid_dir(d):
    """In a setgid directory the file takes the directory's group; a caller
    outside that group (uid 1111, no CAP_FSETID) loses S_ISGID."""
    os.mkdir(f"{d}/sg")
    os.chown(f"{d}/sg", 0, 4321)
    os.chmod(f"{d}/sg", 0o2777)

    def child():
        st = os.fstat(tmpfile(f"{d}/sg", mode=0o2755))
        print(f"owner {st.st_uid}:{st.st_gid}, mode {stat.S_IMODE(st.st_mode):o}")
    as_1111(child)


def link_exists(d):
    """linkat onto an existing name: EEXIST, the old file untouched."""
    with open(f"{d}/taken", "wb") as f:
        f.write(b"old")
    fd = tmpfile(d)
    os.write(fd, b"new")
    r = outcome(link, fd, f"{d}/taken")
    print(f"link {r}, taken holds {open(d + '/taken', 'rb').read()!r}, "
          f"nlink {os.fstat(fd).st_nlink}")


def owner(d):
    """The owner is the caller's fsuid/fsgid."""
    def child():
        st = os.fstat(tmpfile(d))
        print(f"owner {st.st_uid}:{st.st_gid}")
    as_1111(child)


def mmap_(d):
    fd = tmpfile(d)
    os.ftruncate(fd, 8192)
    m = mmap.mmap(fd, 8192)
    m[4000:4010] = b"0123456789"
    print(f"read {os.pread(fd, 10, 4000)!r}")


def hold(d):
    """An O_TMPFILE file kept open (the file system stays busy)."""
    fd = tmpfile(d)
    os.write(fd, b"x" * 100000)
    print("READY", flush=True)
    time.sleep(30)


CHECKS = {"open": open_, "mmap": mmap_}
CHECKS.update((f.__name__, f) for f in (
    data, unlisted, link_proc, link_empty_path, link_twice, excl, not_dir, rdonly, umask,
    setgid_dir, link_exists, owner))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    os.umask(0o022)
    if cmd == "hold":
        hold(*args)
    elif cmd in CHECKS:
        each(CHECKS[cmd], args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
