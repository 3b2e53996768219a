# SPDX-License-Identifier: GPL-2.0
"""lseek(SEEK_DATA) and lseek(SEEK_HOLE) over files with holes (tests/seek.sh).

    python3 -m ramfstest.seek DIR

Makes each layout of LAYOUTS in DIR and prints, one line per question,
``LAYOUT WHENCE OFFSET -> ANSWER`` (an offset or an errno's name). The
script runs it on rust_ramfs and on tmpfs and compares the two outputs.
"""

import mmap
import os
import sys

from .libc import ename

PAGE = mmap.PAGESIZE
MIB = 1 << 20


def write_at(fd, offset, data):
    os.pwrite(fd, data, offset)


def empty(fd):
    pass


def short(fd):
    os.write(fd, b"0123456789")


def sparse(fd):
    """1 MiB, data in page 16 (one byte) and pages 128-129."""
    os.ftruncate(fd, MIB)
    write_at(fd, 16 * PAGE + 100, b"x")
    write_at(fd, 128 * PAGE, b"y" * (2 * PAGE))


def tail(fd):
    """Data only in the last, partial page."""
    os.ftruncate(fd, 2 * PAGE + 1000)
    write_at(fd, 2 * PAGE + 10, b"z")


def truncated(fd):
    """Data written, then cut off by truncate and the size given back: a hole."""
    write_at(fd, 0, b"d" * (4 * PAGE))
    os.ftruncate(fd, PAGE)
    os.ftruncate(fd, 4 * PAGE)


def read_holes(fd):
    """read(2) of a hole adds no page: still a hole."""
    os.ftruncate(fd, 4 * PAGE)
    write_at(fd, 3 * PAGE, b"w")
    os.pread(fd, 3 * PAGE, 0)


def faulted(fd):
    """A page read through a shared mapping is data (the fault adds it)."""
    os.ftruncate(fd, 4 * PAGE)
    with mmap.mmap(fd, 4 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ) as m:
        m[PAGE + 5]


LAYOUTS = [empty, short, sparse, tail, truncated, read_holes, faulted]
OFFSETS = [-1, 0, 1, 5, 10, PAGE - 1, PAGE, 16 * PAGE, 16 * PAGE + 101, 17 * PAGE, 100 * PAGE,
           128 * PAGE + 7, 130 * PAGE - 1, 130 * PAGE, 2 * PAGE + 999, 2 * PAGE + 1000, 3 * PAGE,
           MIB - 1, MIB, 1 << 40]


def answer(fd, offset, whence):
    try:
        return str(os.lseek(fd, offset, whence))
    except OSError as e:
        return ename(e)


def main():
    top = sys.argv[1]
    for layout in LAYOUTS:
        path = os.path.join(top, layout.__name__)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            layout(fd)
            for offset in OFFSETS:
                for name, whence in (("DATA", os.SEEK_DATA), ("HOLE", os.SEEK_HOLE)):
                    print(f"{layout.__name__} {name} {offset} -> {answer(fd, offset, whence)}")
        finally:
            os.close(fd)
            os.unlink(path)


if __name__ == "__main__":
    main()
