# SPDX-License-Identifier: GPL-2.0
"""Filling a mount to its size= or nr_inodes=, and what comes back
(tests/bounded-fill.sh).

    python3 -m ramfstest.bounded_fill COMMAND DIR

DIR is a fresh mount with the options the command's docstring names; each
command prints what it saw, line by line, for the script to compare with the
same on tmpfs (or with what it expects). Commands: fill, mmapcheck, inodes,
tmpfile, smallfiles, splicefill, giveback, symlink_charge, xattr_space.
"""

import mmap
import os
import signal

from .bounded import MIB, PAGE, pattern, result, run, used_inodes, used_pages


def fill(d):
    """On a size=1m mount: 1000 bytes, then 2 MiB more in one write()."""
    f = d + "/f"
    data = pattern(2 * MIB)
    fd = os.open(f, os.O_CREAT | os.O_WRONLY, 0o644)
    print("write 1000:", os.write(fd, data[:1000]))
    print("write 2 MiB more:", result(os.write, fd, data[1000:]))
    print("write 1 more byte:", result(os.write, fd, b"x"))
    print("overwrite 100 bytes at 0:", result(os.pwrite, fd, data[:100], 0))
    os.close(fd)
    st = os.stat(f)
    print("size", st.st_size, "blocks", st.st_blocks)
    with open(f, "rb") as r:
        got = r.read()
    print("read back:", "the first 1048576 bytes exact" if got == data[:MIB] else
          f"{len(got)} bytes, WRONG")
    s = os.statvfs(d)
    print("statfs: blocks", s.f_blocks, "bfree", s.f_bfree, "bavail", s.f_bavail)
    g = d + "/g"
    fd = os.open(g, os.O_CREAT | os.O_WRONLY, 0o644)
    print("new file, write 1 byte:", result(os.write, fd, b"y"), "size", os.stat(g).st_size)
    os.truncate(f, 10 * PAGE)
    print("after truncate to 10 pages: bfree", os.statvfs(d).f_bfree)
    print("new file, write 1 byte:", result(os.write, fd, b"y"), "bfree", os.statvfs(d).f_bfree)
    os.close(fd)


def child(fn):
    """Run fn(w) in a child, w the write end of a pipe: ("exit N" or
    "signal NAME", the words it wrote)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            fn(w)
        finally:
            os._exit(0)
    os.close(w)
    got = b""
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        got += b
    os.close(r)
    _, st = os.waitpid(pid, 0)
    how = (f"signal {signal.Signals(os.WTERMSIG(st)).name}" if os.WIFSIGNALED(st)
           else f"exit {os.WEXITSTATUS(st)}")
    return how, got.decode().split()


def mmapcheck(d):
    """On a size=64k mount (16 pages): a 1 MiB sparse file with 8 pages
    written; a child writes one byte to each page through a shared mapping,
    saying which page it is done with."""
    f = d + "/m"
    fd = os.open(f, os.O_CREAT | os.O_RDWR, 0o644)
    os.ftruncate(fd, MIB)
    os.pwrite(fd, b"w" * (8 * PAGE), 0)
    print("bfree after 8 pages:", os.statvfs(d).f_bfree)

    def writer(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        for i in range(256):
            m[i * PAGE] = 65 + i % 26
            os.write(w, b"%d " % i)

    how, done = child(writer)
    print(f"write faults: pages 0..{done[-1] if done else '-'} done, then {how}")
    print("bfree:", os.statvfs(d).f_bfree)
    ok = all(os.pread(fd, 1, i * PAGE) == bytes([65 + i % 26]) for i in range(16))
    rest = os.pread(fd, 8 * PAGE - 1, 1)
    print("pages 0..15 read back:", "exact" if ok and rest.count(b"w") == 8 * PAGE - 8 else "WRONG")

    def reader(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        os.write(w, b"%d " % m[20 * PAGE])

    how, got = child(reader)
    print("read fault on a new page (20):", how, got)

    def old_page(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        m[3 * PAGE + 5] = 90
        os.write(w, b"ok")

    how, got = child(old_page)
    print("write fault on a present page (3):", how, got,
          "byte:", os.pread(fd, 1, 3 * PAGE + 5))
    os.close(fd)


def create(path):
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def inodes(d):
    """On a nr_inodes=10 mount: 9 inodes besides the root, then ENOSPC."""
    for i in range(1, 6):
        create(f"{d}/f{i}")
    os.mkdir(d + "/d1")
    os.mkdir(d + "/d2")
    os.symlink("f1", d + "/s1")
    os.mknod(d + "/p1", 0o10644)
    s = os.statvfs(d)
    print("9 made: files", s.f_files, "ffree", s.f_ffree)
    print("create:", result(create, d + "/f6"))
    print("mkdir:", result(os.mkdir, d + "/d3"))
    print("symlink:", result(os.symlink, "f1", d + "/s2"))
    print("mknod fifo:", result(os.mknod, d + "/p2", 0o10644))
    tmp = os.O_TMPFILE | os.O_RDWR
    print("O_TMPFILE:", result(lambda: os.close(os.open(d + "/d1", tmp, 0o600))))
    print("entries:", " ".join(sorted(os.listdir(d))), "| d1:", " ".join(os.listdir(d + "/d1")))
    os.unlink(d + "/f1")
    print("after unlink: ffree", os.statvfs(d).f_ffree)
    print("create:", result(create, d + "/f6"), "ffree", os.statvfs(d).f_ffree)


def tmpfile(d):
    """On a size=64k mount: an O_TMPFILE filled, then closed."""
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600)
    data = pattern(128 * 1024)
    print("write 128 KiB:", result(os.write, fd, data))
    print("write 1 more:", result(os.write, fd, b"x"))
    print("bfree", os.statvfs(d).f_bfree, "read back:",
          "exact" if os.pread(fd, 65536, 0) == data[:65536] else "WRONG")
    os.close(fd)
    print("after close: bfree", os.statvfs(d).f_bfree)


def small(d, i):
    """Write 100 + i bytes to a new file d/sI: the bytes written, or OSError."""
    fd = os.open(f"{d}/s{i}", os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        return os.write(fd, pattern(100 + i))
    finally:
        os.close(fd)


def smallfiles(d):
    """On a size=64k mount: small files (a page each) until a write fails;
    all of them read back; removing one makes room for exactly one more."""
    n, r = 0, None
    while n < 100:
        r = result(small, d, n)
        if not isinstance(r, int):
            break
        n += 1
    print("files written:", n, "then", r, "bfree", os.statvfs(d).f_bfree)
    ok = 0
    for i in range(n):
        with open(f"{d}/s{i}", "rb") as f:
            ok += f.read() == pattern(100 + i)
    print("read back exact:", ok, "of", n)
    os.unlink(f"{d}/s0")
    print("one removed: bfree", os.statvfs(d).f_bfree, "a new one:", result(small, d, 100),
          "another:", result(small, d, 101))


def splicefill(d):
    """On a size=64k mount: splice(2) from a pipe into a file, 16 KiB at a
    time, until it fails; what was spliced reads back."""
    f = d + "/spliced"
    fd = os.open(f, os.O_CREAT | os.O_WRONLY, 0o644)
    r, w = os.pipe()
    data = pattern(128 * 1024)
    total, res = 0, None
    while total < len(data):
        os.write(w, data[total:total + 16384])
        res = result(os.splice, r, fd, 16384)
        if not isinstance(res, int) or res == 0:
            break
        total += res
    for x in (r, w, fd):
        os.close(x)
    print("spliced:", total, "then", res, "bfree", os.statvfs(d).f_bfree)
    with open(f, "rb") as g:
        print("read back:", "exact" if g.read() == data[:total] else "WRONG")


def giveback(d):
    """On a size=4m,nr_inodes=100 mount: files of assorted sizes, a
    directory, a fifo; truncate; unlink with the file open; O_TMPFILE; all
    removed: statfs exactly as at the start."""
    s = os.statvfs(d)
    print("start: bfree", s.f_bfree, "ffree", s.f_ffree)
    sizes = [0, 1, 4095, 4096, 4097, 100000, MIB]
    for n in sizes:
        with open(f"{d}/f{n}", "wb") as f:
            f.write(pattern(n))
    os.mkdir(d + "/dir")
    os.mknod(d + "/dir/fifo", 0o10644)
    print("files made: used pages", used_pages(d), "used inodes", used_inodes(d))
    os.truncate(f"{d}/f{MIB}", 5000)
    print("1 MiB file truncated to 5000: used pages", used_pages(d))
    fd = os.open(f"{d}/f100000", os.O_RDONLY)
    os.unlink(f"{d}/f100000")
    print("100000-byte file unlinked, still open: used pages", used_pages(d),
          "inodes", used_inodes(d))
    os.close(fd)
    print("closed: used pages", used_pages(d), "inodes", used_inodes(d))
    fd = os.open(d + "/dir", os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(fd, pattern(10 * PAGE))
    print("O_TMPFILE of 10 pages: used pages", used_pages(d), "inodes", used_inodes(d))
    os.close(fd)
    print("closed: used pages", used_pages(d), "inodes", used_inodes(d))
    for n in sizes:
        if n != 100000:
            os.unlink(f"{d}/f{n}")
    os.unlink(d + "/dir/fifo")
    os.rmdir(d + "/dir")
    s = os.statvfs(d)
    print("all removed: bfree", s.f_bfree, "ffree", s.f_ffree)


def symlink_charge(d):
    """rust_ramfs only (tmpfs keeps short targets in the inode): a symlink
    takes a page; a hard link an inode (each name pins a dentry; tmpfs
    counts it too), given back with the name."""
    p0, i0 = used_pages(d), used_inodes(d)
    os.symlink("target", d + "/sl")
    print("symlink: +pages", used_pages(d) - p0, "+inodes", used_inodes(d) - i0)
    os.unlink(d + "/sl")
    print("removed: +pages", used_pages(d) - p0, "+inodes", used_inodes(d) - i0)
    with open(d + "/hl", "wb") as f:
        f.write(b"x")
    p1, i1 = used_pages(d), used_inodes(d)
    os.link(d + "/hl", d + "/hl2")
    print("hard link: +pages", used_pages(d) - p1, "+inodes", used_inodes(d) - i1)
    os.unlink(d + "/hl")
    print("one name removed: +pages", used_pages(d) - p1, "+inodes", used_inodes(d) - i1)
    os.unlink(d + "/hl2")
    print("both removed: pages", used_pages(d) - p0, "inodes", used_inodes(d) - i0)


def xattr_space(d):
    """On a size=1m mount with a 1 MiB file: a setxattr needs room too."""
    with open(d + "/full", "wb") as f:
        f.write(b"z" * MIB)
    print("bfree", os.statvfs(d).f_bfree, "set user.a:",
          result(os.setxattr, d + "/full", "user.a", b"1"))
    os.truncate(d + "/full", MIB - PAGE)
    print("one page freed, set user.a:", result(os.setxattr, d + "/full", "user.a", b"1"),
          "bfree", os.statvfs(d).f_bfree)


COMMANDS = {f.__name__: f for f in (fill, mmapcheck, inodes, tmpfile, smallfiles, splicefill,
                                      giveback, symlink_charge, xattr_space)}


def main():
    run(COMMANDS)


if __name__ == "__main__":
    main()
