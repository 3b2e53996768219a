# SPDX-License-Identifier: GPL-2.0
"""mmap of regular files: the checks of tests/mmap.sh.

    python3 -m ramfstest.mapping CMD PATH...

Runs check CMD on each PATH (a new file on rust_ramfs, then on the C ramfs),
each in a child of its own, and prints one line per path (ramfstest.forked).
(Not named mmap: that is the standard module.)
"""

import ctypes
import os
import random
import sys
import time

from sysconst import (MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_SHARED,
                      MS_ASYNC, MS_INVALIDATE, MS_SYNC, PROT_READ, PROT_WRITE)

from .forked import each, in_child
from .libc import check, ename, libc

PAGE = os.sysconf("SC_PAGE_SIZE")
RW = PROT_READ | PROT_WRITE


def map_fd(fd, length, prot=RW, flags=MAP_SHARED, addr=None):
    return check(libc.mmap(addr, length, prot, flags, fd, 0), "mmap")


def peek(a, off, n):
    return ctypes.string_at(a + off, n)


def poke(a, off, data):
    ctypes.memmove(a + off, data, len(data))


def new_file(p, data):
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    return fd


def write_then_read(p):
    """A store through a shared mapping (across a page boundary) is what
    read(2) returns; the size does not change."""
    fd = new_file(p, b"")
    os.ftruncate(fd, 2 * PAGE)
    a = map_fd(fd, 2 * PAGE)
    poke(a, PAGE - 6, b"0123456789")
    r = os.pread(fd, 10, PAGE - 6)
    print(f"read {r!r}, size {os.fstat(fd).st_size}")


def read_after_write(p):
    """write(2) after mmap: the mapping shows the new bytes."""
    fd = new_file(p, bytes(2 * PAGE))
    a = map_fd(fd, 2 * PAGE)
    before = peek(a, 5000, 3)
    os.pwrite(fd, b"ABC", 5000)
    print(f"before {before!r}, after {peek(a, 5000, 3)!r}")


def msync(p):
    """msync succeeds; after munmap and close the data is in the file."""
    fd = new_file(p, bytes(3 * PAGE))
    a = map_fd(fd, 3 * PAGE)
    poke(a, 10, b"synced")
    poke(a, 2 * PAGE + 10, b"async")
    r = [libc.msync(a, 3 * PAGE, MS_SYNC), libc.msync(a, 3 * PAGE, MS_ASYNC),
         libc.msync(a, PAGE, MS_INVALIDATE)]
    libc.munmap(a, 3 * PAGE)
    os.close(fd)
    with open(p, "rb") as f:
        d = f.read()
    print(f"msync {r}, file {d[10:16]!r} {d[2 * PAGE + 10:2 * PAGE + 15]!r}, size {len(d)}")


def private(p):
    """MAP_PRIVATE: the writer sees its copy; read(2) and a shared mapping
    still see the file."""
    fd = new_file(p, b"p" * (2 * PAGE))
    a = map_fd(fd, 2 * PAGE, flags=MAP_PRIVATE)
    s = map_fd(fd, 2 * PAGE)
    first = peek(a, 0, 2)
    poke(a, 100, b"XY")
    print(f"private {first!r}->{peek(a, 100, 2)!r}, read(2) {os.pread(fd, 2, 100)!r}, "
          f"shared {peek(s, 100, 2)!r}")


def two_processes(p):
    """A child maps the file on its own and writes; the parent's mapping
    sees it."""
    fd = new_file(p, bytes(PAGE))
    a = map_fd(fd, PAGE)

    def child():
        cfd = os.open(p, os.O_RDWR)
        c = map_fd(cfd, PAGE)
        poke(c, 123, b"from child")

    r = in_child(child)
    print(f"child {r}, parent sees {peek(a, 123, 10)!r}")


def beyond_eof(p):
    """A 100-byte file mapped over 3 pages: the rest of page 0 reads as
    zeros, touching pages 1 and 2 is SIGBUS."""
    fd = new_file(p, b"a" * 100)
    a = map_fd(fd, 3 * PAGE)

    def page0():
        if peek(a, 0, 100) != b"a" * 100 or peek(a, 100, PAGE - 100) != bytes(PAGE - 100):
            raise Exception("page 0 contents")

    r = [in_child(page0), in_child(lambda: peek(a, PAGE, 1)),
         in_child(lambda: peek(a, 2 * PAGE + 5, 1)), in_child(lambda: poke(a, PAGE + 1, b"x"))]
    print(f"page 0: {r[0]}, read page 1: {r[1]}, read page 2: {r[2]}, write page 1: {r[3]}, "
          f"size {os.fstat(fd).st_size}")


def empty_file(p):
    """An empty file: mmap works, any access is SIGBUS."""
    fd = new_file(p, b"")
    a = map_fd(fd, PAGE)
    print(f"read: {in_child(lambda: peek(a, 0, 1))}, write: {in_child(lambda: poke(a, 0, b'x'))}")


def tail_write(p):
    """A store past EOF inside the last page: no signal, the size stays, and
    read(2) stops at EOF. What a later extension shows is the kernel's
    (recorded, compared with ramfs)."""
    fd = new_file(p, b"t" * 100)
    a = map_fd(fd, PAGE)
    r = in_child(lambda: poke(a, 200, b"Z"))
    libc.msync(a, PAGE, MS_SYNC)
    n = len(os.pread(fd, PAGE, 0))
    size = os.fstat(fd).st_size
    os.ftruncate(fd, PAGE)
    print(f"store: {r}, size {size}, read {n} bytes; "
          f"after extending byte 200 is {os.pread(fd, 1, 200)!r}")


def truncate_mapped(p):
    """Truncate a mapped 3-page file to 1000 bytes: page 0 keeps its head and
    reads zeros past 1000, page 1 is SIGBUS; grow it back: zeros, not the
    old bytes, through the mapping and read(2)."""
    pat = bytes(range(256)) * (3 * PAGE // 256)
    fd = new_file(p, pat)
    a = map_fd(fd, 3 * PAGE)
    os.ftruncate(fd, 1000)
    head = peek(a, 0, 1000) == pat[:1000]
    tail = peek(a, 1000, PAGE - 1000) == bytes(PAGE - 1000)
    bus = in_child(lambda: peek(a, PAGE + 904, 1))
    os.ftruncate(fd, 3 * PAGE)
    z1 = peek(a, 1000, 2 * PAGE) == bytes(2 * PAGE)
    z2 = os.pread(fd, 3 * PAGE, 1000) == bytes(3 * PAGE - 1000)
    print(f"head kept {head}, zeros after 1000 {tail}, page 1 {bus}; "
          f"grown: mapping zeros {z1}, read zeros {z2}")


def mtime(p):
    """A write fault on a shared mapping updates mtime and ctime."""
    fd = new_file(p, bytes(PAGE))
    old = 946684800 * 10**9
    os.utime(p, ns=(old, old))
    st0 = os.stat(p)
    a = map_fd(fd, PAGE)
    peek(a, 0, 1)
    time.sleep(0.05)
    poke(a, 0, b"m")
    libc.msync(a, PAGE, MS_SYNC)
    st1 = os.stat(p)
    print(f"mtime changed={st1.st_mtime_ns != st0.st_mtime_ns} "
          f"ctime changed={st1.st_ctime_ns != st0.st_ctime_ns}")


def big(p):
    """16 MiB of random bytes stored through a mapping equal what read(2)
    returns, and a fresh mapping shows what write(2) wrote."""
    n = 16 << 20
    data = random.Random(7).randbytes(n)
    fd = new_file(p, b"")
    os.ftruncate(fd, n)
    a = map_fd(fd, n)
    poke(a, 0, data)
    libc.munmap(a, n)
    r1 = os.pread(fd, n, 0) == data
    data2 = random.Random(8).randbytes(n)
    os.pwrite(fd, data2, 0)
    b = map_fd(fd, n, prot=PROT_READ)
    r2 = peek(b, 0, n) == data2
    print(f"mapping->read equal {r1}, write->mapping equal {r2}")


def placement(p):
    """get_unmapped_area: a free hint address is used, MAP_FIXED and
    MAP_FIXED_NOREPLACE land where asked, addresses are page-aligned, and
    NOREPLACE over an existing mapping fails with EEXIST."""
    fd = new_file(p, bytes(4 * PAGE))
    # Reserve 64 pages (PROT_NONE) so nothing else lands in them; MAP_FIXED
    # replaces part of the reservation, the other two get holes cut for them.
    free = map_fd(-1, 64 * PAGE, prot=0, flags=MAP_PRIVATE | MAP_ANONYMOUS)
    hint = free + 8 * PAGE
    libc.munmap(hint, 4 * PAGE)
    h = map_fd(fd, 4 * PAGE, addr=hint)
    f = map_fd(fd, 4 * PAGE, flags=MAP_SHARED | MAP_FIXED, addr=free + 32 * PAGE)
    libc.munmap(free + 48 * PAGE, 4 * PAGE)
    nr = map_fd(fd, 4 * PAGE, flags=MAP_SHARED | MAP_FIXED_NOREPLACE, addr=free + 48 * PAGE)
    try:
        map_fd(fd, PAGE, flags=MAP_SHARED | MAP_FIXED_NOREPLACE, addr=free + 49 * PAGE)
        clash = "mapped"
    except OSError as e:
        clash = ename(e)
    anyw = [map_fd(fd, 4 * PAGE) for _ in range(8)]
    aligned = all(x % PAGE == 0 for x in anyw)
    spans = sorted((x, x + 4 * PAGE) for x in anyw + [h, f, nr])
    disjoint = all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    poke(h, 0, b"H")
    same = (peek(f, 0, 1) == b"H" and peek(nr, 0, 1) == b"H"
            and all(peek(x, 0, 1) == b"H" for x in anyw))
    print(f"hint used {h == hint}, MAP_FIXED {f == free + 32 * PAGE}, "
          f"NOREPLACE {nr == free + 48 * PAGE}, NOREPLACE clash {clash}, aligned {aligned}, "
          f"disjoint {disjoint}, same pages {same}")


def unlinked(p):
    """Unlinking a mapped file: the mapping keeps working."""
    fd = new_file(p, b"u" * PAGE)
    a = map_fd(fd, PAGE)
    os.unlink(p)
    poke(a, 0, b"still")
    print(f"nlink {os.fstat(fd).st_nlink}, mapping {peek(a, 0, 6)!r}, "
          f"read(2) {os.pread(fd, 6, 0)!r}, exists {os.path.exists(p)}")


def readonly_fd(p):
    """A shared writable mapping needs a writable descriptor (EACCES); a
    private one does not."""
    new_file(p, bytes(PAGE))
    fd = os.open(p, os.O_RDONLY)
    try:
        map_fd(fd, PAGE)
        shared = "mapped"
    except OSError as e:
        shared = ename(e)
    try:
        map_fd(fd, PAGE, flags=MAP_PRIVATE)
        priv = "mapped"
    except OSError as e:
        priv = ename(e)
    print(f"shared writable: {shared}, private writable: {priv}")


CHECKS = {f.__name__: f for f in (
    write_then_read, read_after_write, msync, private, two_processes, beyond_eof, empty_file,
    tail_write, truncate_mapped, mtime, big, placement, unlinked, readonly_fd)}


def main():
    fn = CHECKS.get(sys.argv[1])
    if fn is None:
        sys.exit(f"unknown command {sys.argv[1]}")
    each(fn, sys.argv[2:])


if __name__ == "__main__":
    main()
