# SPDX-License-Identifier: GPL-2.0
"""Regular files: the checks of tests/files.sh that need system calls.

    python3 -m ramfstest.files CMD ARG...

A check prints what it found; one that judges for itself exits 1 with
``FAIL: ...`` when it does not hold. The commands that compare rust_ramfs
with the references (blocks, maxbytes, odirect, fallocate, trunc_times) take
one path per file system and run on each in a child of its own, printing
one line each (see ramfstest.forked).
"""

import os
import random
import sys
import time

from .forked import each
from .libc import ename, fallocate, outcome


def require(cond, msg):
    if not cond:
        print("FAIL: " + msg)
        sys.exit(1)


def append(p):
    """O_APPEND writes go to the end whatever the file offset."""
    with open(p, "wb") as f:
        f.write(b"0123456789")
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"abc")
    os.lseek(fd, 3, os.SEEK_SET)
    os.write(fd, b"def")
    pos = os.lseek(fd, 0, os.SEEK_CUR)
    os.close(fd)
    data = open(p, "rb").read()
    print(f"content {data!r}, offset after write {pos}")
    require(data == b"0123456789abcdef" and pos == 16, "append")


def eof(p):
    """read at EOF gives 0 bytes; pread beyond EOF too."""
    with open(p, "wb") as f:
        f.write(b"x" * 5000)
    fd = os.open(p, os.O_RDONLY)
    a = os.read(fd, 10000)
    b = os.read(fd, 10)
    c = os.pread(fd, 10, 5000)
    d = os.pread(fd, 10, 1 << 30)
    e = os.pread(fd, 10, 4995)
    os.close(fd)
    print(len(a), len(b), len(c), len(d), e)
    require(len(a) == 5000 and b == b"" and c == b"" and d == b"" and e == b"xxxxx", "eof")


TRUNC_SIZES = {"up": 20000, "down": 100, "same": 10000}


def trunc_times(p, how):
    """Set mtime in the past, wait, change the size the way HOW says, report
    which of mtime and ctime moved. HOW: up/down/same: truncate(2);
    fup/fdown/fsame: ftruncate(2); write: write(2)."""
    with open(p, "wb") as f:
        f.write(b"y" * 10000)
    old = 946684800 * 10**9  # 2000-01-01
    os.utime(p, ns=(old, old))
    st0 = os.stat(p)
    time.sleep(0.05)  # several jiffies: the coarse clock moves on
    if how in TRUNC_SIZES:
        os.truncate(p, TRUNC_SIZES[how])
    elif how[1:] in TRUNC_SIZES:
        fd = os.open(p, os.O_WRONLY)
        os.ftruncate(fd, TRUNC_SIZES[how[1:]])
        os.close(fd)
    elif how == "write":
        fd = os.open(p, os.O_WRONLY)
        os.write(fd, b"z")
        os.close(fd)
    st1 = os.stat(p)
    m = "yes" if st1.st_mtime_ns != st0.st_mtime_ns else "no"
    c = "yes" if st1.st_ctime_ns != st0.st_ctime_ns else "no"
    print(f"size {st0.st_size}->{st1.st_size} mtime changed={m} ctime changed={c}")


def sparse(p):
    """A write 10 MiB past the start of an empty file: zeros before it."""
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.lseek(fd, 10 << 20, os.SEEK_SET)
    os.write(fd, b"end")
    st = os.fstat(fd)
    head = os.pread(fd, 10 << 20, 0)
    tail = os.pread(fd, 100, (10 << 20) - 2)
    os.close(fd)
    print(f"size {st.st_size} zeros {head.count(0)} tail {tail!r}")
    require(st.st_size == (10 << 20) + 3 and head == bytes(10 << 20) and tail == b"\0\0end",
            "sparse")


def blocks(p):
    """st_blocks and SEEK_DATA/SEEK_HOLE of a sparse file."""
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.pwrite(fd, b"a" * 5000, 1 << 20)
    st = os.fstat(fd)
    data = os.lseek(fd, 0, os.SEEK_DATA)
    hole = os.lseek(fd, 0, os.SEEK_HOLE)
    try:
        past = os.lseek(fd, st.st_size, os.SEEK_DATA)
    except OSError as e:
        past = ename(e)
    os.close(fd)
    print(f"size={st.st_size} blocks={st.st_blocks} SEEK_DATA(0)={data} SEEK_HOLE(0)={hole} "
          f"SEEK_DATA(size)={past}")


def sendfile(src, dst):
    """Copy with sendfile(2) in 64 KiB chunks."""
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    n = os.fstat(i).st_size
    off = 0
    while off < n:
        s = os.sendfile(o, i, off, min(65536, n - off))
        require(s > 0, "sendfile returned 0")
        off += s
    os.close(i)
    os.close(o)


def splice(src, dst):
    """File -> pipe -> file with splice(2)."""
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    r, w = os.pipe()
    left = os.fstat(i).st_size
    while left:
        n = os.splice(i, w, min(left, 65536))
        require(n > 0, "splice into the pipe returned 0")
        left -= n
        while n:
            m = os.splice(r, o, n)
            require(m > 0, "splice out of the pipe returned 0")
            n -= m
    for fd in (i, o, r, w):
        os.close(fd)


def copy_range(src, dst):
    """copy_file_range of 100000 bytes from offset 12345 to offset 777 of a
    new file."""
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    done = 0
    while done < 100000:
        n = os.copy_file_range(i, o, 100000 - done, 12345 + done, 777 + done)
        require(n > 0, "copy_file_range returned 0")
        done += n
    want = bytes(777) + os.pread(i, 100000, 12345)
    got = os.pread(o, 200000, 0)
    os.close(i)
    os.close(o)
    require(got == want, f"copy differs (got {len(got)} bytes)")
    print("copied 100000 bytes, identical")


def sync(p):
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    os.write(fd, b"sync me")
    os.fsync(fd)
    os.fdatasync(fd)
    os.sync()
    os.close(fd)
    require(open(p, "rb").read() == b"sync me", "data after fsync")
    print("fsync, fdatasync, sync: ok")


def lseek(p):
    with open(p, "wb") as f:
        f.write(bytes(range(256)) * 40)  # 10240 bytes
    fd = os.open(p, os.O_RDONLY)
    end = os.lseek(fd, 0, os.SEEK_END)
    back = os.lseek(fd, -10, os.SEEK_END)
    last = os.read(fd, 100)
    s = os.lseek(fd, 4096 + 7, os.SEEK_SET)
    at = os.read(fd, 3)
    cur = os.lseek(fd, 5, os.SEEK_CUR)
    at2 = os.read(fd, 1)
    past = os.lseek(fd, 20000, os.SEEK_SET)
    pastread = os.read(fd, 10)
    neg = outcome(os.lseek, fd, -1, os.SEEK_SET)
    neg2 = outcome(os.lseek, fd, -20000, os.SEEK_END)
    os.close(fd)
    res = (end, back, last, s, at, cur, at2, past, pastread, neg, neg2)
    print(res)
    require(res == (10240, 10230, bytes(range(246, 256)), 4103, bytes([7, 8, 9]), 4111,
                    bytes([15]), 20000, b"", "EINVAL", "EINVAL"), "lseek")


def big_offsets(p):
    """A 5 GiB sparse file: zeros above 4 GiB, data at its end."""
    fd = os.open(p, os.O_RDWR)
    z = os.pread(fd, 4096, (4 << 30) + 12345)
    os.pwrite(fd, b"tail", (5 << 30) - 4)
    t = os.pread(fd, 100, (5 << 30) - 4)
    size = os.fstat(fd).st_size
    os.close(fd)
    print(f"size {size}, zeros {z.count(0)}/4096, tail {t!r}")
    require(z == bytes(4096) and t == b"tail" and size == 5 << 30, "big offsets")


def maxbytes(p):
    """s_maxbytes is MAX_LFS_FILESIZE (LLONG_MAX): the size can be set to it,
    the last byte below it written and read back; a write whose end would
    pass it is refused (EINVAL: the range overflows)."""
    top = (1 << 63) - 1
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, top)
    s1 = os.fstat(fd).st_size
    os.ftruncate(fd, 0)
    n = os.pwrite(fd, b"L", top - 1)
    last = os.pread(fd, 1, top - 1)
    s2 = os.fstat(fd).st_size
    r = outcome(os.pwrite, fd, b"x", top)
    os.ftruncate(fd, 0)
    os.close(fd)
    print(f"ftruncate to 2^63-1: size {s1 == top}; pwrite at 2^63-2: {n} byte, reads {last!r}, "
          f"size {s2 == top}; pwrite at 2^63-1: {r}")


def odirect(p):
    r = outcome(lambda: os.close(os.open(p, os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)))
    print(f"O_DIRECT: {r}")


def fallocate_(p):
    """fallocate(2) itself: glibc's posix_fallocate would fall back to
    writing."""
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    r = outcome(fallocate, fd, 0, 0, 1 << 20)
    os.close(fd)
    print(f"fallocate: {r}")


def model(p, seed):
    """Random pwrite / ftruncate / pread against an in-memory copy; every
    read and the final contents must match."""
    rnd = random.Random(int(seed))
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    copy = bytearray()
    for i in range(600):
        op = rnd.random()
        if op < 0.5:
            off = rnd.randrange(0, 300000)
            data = rnd.randbytes(rnd.randrange(1, 20000))
            require(os.pwrite(fd, data, off) == len(data), f"op {i}: short write")
            if len(copy) < off:
                copy.extend(bytes(off - len(copy)))
            copy[off:off + len(data)] = data
        elif op < 0.65:
            size = rnd.randrange(0, 320000)
            os.ftruncate(fd, size)
            del copy[size:]
            copy.extend(bytes(size - len(copy)))
        else:
            off = rnd.randrange(0, 330000)
            n = rnd.randrange(1, 30000)
            require(os.pread(fd, n, off) == bytes(copy[off:off + n]),
                    f"op {i}: read at {off}+{n} differs")
        size = os.fstat(fd).st_size
        require(size == len(copy), f"op {i}: size {size} != {len(copy)}")
    final = os.pread(fd, len(copy) + 10, 0)
    os.close(fd)
    require(final == bytes(copy), "final contents differ")
    print(f"600 operations, final size {len(copy)}: identical")


# CMD ARG...: one run.
COMMANDS = {
    "append": append, "eof": eof, "sparse": sparse, "sendfile": sendfile, "splice": splice,
    "copy_range": copy_range, "sync": sync, "lseek": lseek, "big_offsets": big_offsets,
    "model": model,
}
# CMD PATH...: one run per file system, one line each.
EACH = {"blocks": blocks, "maxbytes": maxbytes, "odirect": odirect, "fallocate": fallocate_}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "trunc_times":
        # trunc_times HOW PATH...
        each(lambda p: trunc_times(p, args[0]), args[1:])
    elif cmd in EACH:
        each(EACH[cmd], args)
    elif cmd in COMMANDS:
        COMMANDS[cmd](*args)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
