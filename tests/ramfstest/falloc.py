# SPDX-License-Identifier: GPL-2.0
"""fallocate(2) as tmpfs does it (tests/fallocate.sh).

    python3 -m ramfstest.falloc cases DIR    the cases, on a mount without size=
    python3 -m ramfstest.falloc limit DIR    on a mount with size=1m

Prints one line per observation (sizes, blocks, what reads and lseek see,
the mount's use in pages, errno names); the script runs each on rust_ramfs
and on tmpfs and compares the outputs, which must be the same.
"""

import mmap
import os
import resource
import signal
import sys
import time

from sysconst import (FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE,
                      FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE)

from .libc import ename, fallocate, outcome

PAGE = mmap.PAGESIZE
PUNCH = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE


def used_pages(top):
    st = os.statvfs(top)
    return (st.f_blocks - st.f_bfree) * st.f_frsize // PAGE


def seek(fd, whence, offset=0):
    try:
        return os.lseek(fd, offset, whence)
    except OSError as e:
        return ename(e)


def describe(fd):
    st = os.fstat(fd)
    return (f"size {st.st_size}, blocks {st.st_blocks}, SEEK_DATA {seek(fd, os.SEEK_DATA)}, "
            f"SEEK_HOLE {seek(fd, os.SEEK_HOLE)}")


def zeros(fd, offset, length):
    data = os.pread(fd, length, offset)
    return "zeroes" if data == bytes(len(data)) and len(data) == length else f"{len(data)} bytes, not all zero"


def new_file(top, name):
    return os.open(os.path.join(top, name), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)


def case(title):
    print(f"-- {title}")


def cases(top):
    base = used_pages(top)

    case("mode 0: 1 MiB preallocated in an empty file")
    fd = new_file(top, "pre")
    print(outcome(fallocate, fd, 0, 0, 1 << 20))
    print(describe(fd), f"; used +{used_pages(top) - base} pages")
    print("reads:", zeros(fd, 0, 1 << 20))
    os.pwrite(fd, b"x", 2 * PAGE + 5)
    print("after a 1-byte write at page 2:", describe(fd), f"; SEEK_DATA from 0 -> {seek(fd, os.SEEK_DATA)}")
    print("SEEK_HOLE from page 2:", seek(fd, os.SEEK_HOLE, 2 * PAGE))
    os.close(fd)
    os.unlink(os.path.join(top, "pre"))
    print(f"unlinked: used +{used_pages(top) - base} pages")

    case("KEEP_SIZE: pages past the end, size unchanged")
    fd = new_file(top, "keep")
    os.write(fd, b"abc")
    print(outcome(fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 64 * 1024))
    print(describe(fd), f"; used +{used_pages(top) - base} pages")
    print("contents:", os.pread(fd, 100, 0))
    os.ftruncate(fd, 0)
    print(f"truncated to 0: {describe(fd)}; used +{used_pages(top) - base} pages")
    os.close(fd)

    case("preallocating over data keeps it")
    fd = new_file(top, "over")
    os.write(fd, b"D" * (3 * PAGE))
    print(outcome(fallocate, fd, 0, PAGE, 4 * PAGE))
    print(describe(fd), "; first 3 pages intact:", os.pread(fd, 3 * PAGE, 0) == b"D" * (3 * PAGE))
    os.close(fd)

    case("punch hole: whole pages freed, partial pages zeroed, size kept")
    fd = new_file(top, "punch")
    os.write(fd, b"P" * (8 * PAGE))
    before = used_pages(top)
    print(outcome(fallocate, fd, PUNCH, PAGE + 100, 3 * PAGE))
    print(describe(fd), f"; freed {before - used_pages(top)} pages")
    print("byte before:", os.pread(fd, 1, PAGE + 99), "; range:", zeros(fd, PAGE + 100, 3 * PAGE),
          "; byte after:", os.pread(fd, 1, 4 * PAGE + 100))
    print("SEEK_HOLE from 0:", seek(fd, os.SEEK_HOLE), "; SEEK_DATA from page 2:", seek(fd, os.SEEK_DATA, 2 * PAGE))
    os.close(fd)

    case("punch hole: a shared mapping of the range sees zeroes")
    fd = new_file(top, "mapped")
    os.ftruncate(fd, 4 * PAGE)
    with mmap.mmap(fd, 4 * PAGE) as m:
        m[:] = b"M" * (4 * PAGE)
        print(outcome(fallocate, fd, PUNCH, PAGE, 2 * PAGE))
        print("mapping: page 0", m[0:1], "; pages 1-2",
              "zeroes" if m[PAGE:3 * PAGE] == bytes(2 * PAGE) else "not zero", "; page 3", m[3 * PAGE:3 * PAGE + 1])
    os.close(fd)

    case("punch hole past the end, and of a hole: nothing changes")
    fd = new_file(top, "far")
    os.write(fd, b"f")
    print(outcome(fallocate, fd, PUNCH, 10 * PAGE, PAGE), outcome(fallocate, fd, PUNCH, 0, 1), describe(fd))
    os.close(fd)

    case("other modes: EOPNOTSUPP")
    fd = new_file(top, "modes")
    os.write(fd, b"m" * (4 * PAGE))
    for name, mode in (("PUNCH_HOLE alone", FALLOC_FL_PUNCH_HOLE), ("ZERO_RANGE", FALLOC_FL_ZERO_RANGE),
                       ("COLLAPSE_RANGE", FALLOC_FL_COLLAPSE_RANGE), ("INSERT_RANGE", FALLOC_FL_INSERT_RANGE)):
        print(name, outcome(fallocate, fd, mode, 0, PAGE))
    print(describe(fd))
    os.close(fd)

    case("bad ranges")
    fd = new_file(top, "bad")
    print("length 0:", outcome(fallocate, fd, 0, 0, 0), "; offset -1:", outcome(fallocate, fd, 0, -1, PAGE),
          "; to 2^63:", outcome(fallocate, fd, 0, 1, (1 << 63) - 1))
    ro = os.open(os.path.join(top, "bad"), os.O_RDONLY)
    print("read-only fd:", outcome(fallocate, ro, 0, 0, PAGE))
    os.close(ro)
    os.close(fd)

    case("RLIMIT_FSIZE: EFBIG past it, also with KEEP_SIZE")
    fd = new_file(top, "rlimit")
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, old[1]))
    try:
        print(outcome(fallocate, fd, 0, 0, 2 << 20), outcome(fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 2 << 20),
              outcome(fallocate, fd, 0, 0, 1 << 20))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
        signal.signal(signal.SIGXFSZ, handler)
    print(describe(fd))
    os.close(fd)

    case("times: fallocate and punch update mtime and ctime")
    fd = new_file(top, "times")
    os.write(fd, b"t" * PAGE)
    os.utime(fd, (1, 1))
    st0 = os.fstat(fd)
    time.sleep(0.05)
    fallocate(fd, 0, 0, 2 * PAGE)
    st1 = os.fstat(fd)
    os.utime(fd, (1, 1))
    fallocate(fd, PUNCH, 0, PAGE)
    st2 = os.fstat(fd)
    print("preallocate:", st1.st_mtime_ns > st0.st_mtime_ns, st1.st_ctime_ns > st0.st_ctime_ns,
          "; punch:", st2.st_mtime_ns > 1_000_000_000)
    os.close(fd)

    case("a set-user-ID bit is dropped, as a write by its owner drops it")
    path = os.path.join(top, "suid")
    fd = new_file(top, "suid")
    os.close(fd)
    os.chown(path, 1001, 1001)
    os.chmod(path, 0o4755)
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(1001, 1001, 1001)
            os.setresuid(1001, 1001, 1001)
            fd = os.open(path, os.O_RDWR)
            fallocate(fd, 0, 0, PAGE)
            os._exit(0)
        except OSError as e:
            print("as uid 1001:", ename(e), flush=True)
            os._exit(1)
    os.waitpid(pid, 0)
    print(f"mode after uid 1001 preallocated: {os.stat(path).st_mode & 0o7777:o}")


def limit(top):
    """On a mount with size=1m (256 pages)."""
    base = used_pages(top)
    fd = new_file(top, "big")
    case("2 MiB on a 1 MiB mount: ENOSPC, nothing allocated")
    print(outcome(fallocate, fd, 0, 0, 2 << 20), describe(fd), f"; used +{used_pages(top) - base} pages")
    case("the same with KEEP_SIZE")
    print(outcome(fallocate, fd, FALLOC_FL_KEEP_SIZE, 0, 2 << 20), describe(fd))
    case("512 KiB fits; then 768 KiB more does not, 512 KiB does")
    print(outcome(fallocate, fd, 0, 0, 512 << 10), describe(fd), f"; used +{used_pages(top) - base} pages")
    other = new_file(top, "other")
    print(outcome(fallocate, other, 0, 0, 768 << 10), outcome(fallocate, other, 0, 0, (512 << 10) - 2 * PAGE))
    print(f"used +{used_pages(top) - base} pages")
    case("a write into preallocated pages needs no more space")
    os.pwrite(fd, b"w" * (512 << 10), 0)
    print(f"used +{used_pages(top) - base} pages", "; write past them:",
          outcome(os.pwrite, fd, b"x" * (4 * PAGE), 512 << 10))
    case("punching gives the space back")
    print(outcome(fallocate, fd, PUNCH, 0, 512 << 10), f"; used +{used_pages(top) - base} pages")
    os.close(fd)
    os.close(other)


def main():
    {"cases": cases, "limit": limit}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
