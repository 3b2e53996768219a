# SPDX-License-Identifier: GPL-2.0
"""A process that keeps a file's pages in use until told to let go
(tests/memory.sh).

    python3 -m ramfstest.memory tmpfile DIR   an O_TMPFILE in DIR, 64 MiB written
    python3 -m ramfstest.memory map FILE      FILE open, mapped shared, read through

It prints "held" once it holds the pages, then waits for EOF on stdin. A
mapping is read again then (after a lazy umount it must still see the data,
zeros) and "intact" printed before it lets go.
"""

import mmap
import os
import sys


def main():
    how, path = sys.argv[1:3]
    if how == "tmpfile":
        fd = os.open(path, os.O_TMPFILE | os.O_RDWR, 0o600)
        buf = bytes(1 << 20)
        for _ in range(64):
            os.write(fd, buf)
        m = None
    else:
        fd = os.open(path, os.O_RDWR)
        m = mmap.mmap(fd, 0, mmap.MAP_SHARED)
        m.read()
    print("held", flush=True)
    sys.stdin.read()
    if m is not None:
        m.seek(0)
        if m.read().count(0) == len(m):
            print("intact", flush=True)
        m.close()
    os.close(fd)


if __name__ == "__main__":
    main()
