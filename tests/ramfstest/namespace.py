# SPDX-License-Identifier: GPL-2.0
"""Checks of names and nodes that need more than the shell (tests/dirs.sh,
tests/links.sh, tests/special.sh): many files in one directory, long and odd
symlink targets, FIFOs, device nodes and unix sockets.

    python3 -m ramfstest.namespace OP ARG...

One check per run, printing lines the script compares:
    many-create DIR | many-listed DIR | many-remove DIR   10 000 files in DIR
    long-target DIR LEN      a symlink to a target of LEN bytes
    odd-target DIR           a target with spaces, control and non-ASCII bytes
    fifo-nonblock FIFO       non-blocking opens with no peer
    like-zero PATH           read and write a node of /dev/zero's numbers
    socket-talk PATH         a stream socket bound at PATH, both ends
    socket-dgram PATH        a datagram socket bound at PATH
    socket-errors DIR        bind and connect onto DIR/sock, plain, missing
"""

import os
import sys

from .libc import ename, outcome

# socket and subprocess are imported by the checks that use them: each run
# makes one check, and under TCG every module imported costs start-up time.


def many():
    """The names of the big directory."""
    return [f"file-{i:05d}" for i in range(10000)]


def many_create(d):
    os.mkdir(d)
    for name in many():
        os.close(os.open(f"{d}/{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def many_listed(d):
    """Every name listed exactly once, by ls (getdents in several calls) and
    by os.scandir, with as many distinct inode numbers."""
    import subprocess

    ls = subprocess.run(["ls", "-a", "-f", d], capture_output=True, text=True,
                        check=True).stdout.split("\n")[:-1]
    want = many()
    ents = list(os.scandir(d))
    names = [e.name for e in ents]
    inos = {e.inode() for e in ents}
    exact = {True: "exact", False: "WRONG"}
    print("ls:", len(ls), "entries,", exact[sorted(ls) == sorted(want + [".", ".."])])
    print("scandir:", len(names), "entries,", exact[sorted(names) == want])
    print("inodes:", len(inos), "distinct")


def many_remove(d):
    for name in many():
        os.unlink(f"{d}/{name}")
    print(sorted(os.listdir(d)), os.stat(d).st_nlink)


def long_target(d, n):
    """A target of N bytes ("a/" over and over, then a "b"): what readlink
    and lstat give back, or the errno and whether a name was made anyway."""
    n = int(n)
    t = ("a/" * n)[:n - 1] + "b"
    path = f"{d}/long{n}"
    try:
        os.symlink(t, path)
    except OSError as e:
        print(ename(e), os.path.lexists(path))
        return
    r = os.readlink(path)
    print("OK", len(r), "exact" if r == t else "DIFFERENT", os.lstat(path).st_size)


def odd_target(d):
    t = b"with space\nnew line\ttab \xff\xfe ../.. //x"
    path = f"{d}/odd".encode()
    os.symlink(t, path)
    print("exact" if os.readlink(path) == t else "DIFFERENT")


def fifo_nonblock(f):
    """Read side: opens and reads EOF; write side with no reader: ENXIO (the
    pipe code's answer)."""
    r = os.open(f, os.O_RDONLY | os.O_NONBLOCK)
    print("read:", os.read(r, 10))
    os.close(r)
    print("write open:", outcome(lambda: os.close(os.open(f, os.O_WRONLY | os.O_NONBLOCK))))


def like_zero(path):
    with open(path, "rb") as f:
        d = f.read(65536)
    print(len(d), "bytes read,", d.count(0), "zeros")
    with open(path, "wb") as f:
        print(f.write(b"x" * 4096), "bytes written")


def unix(kind):
    import socket

    return socket.socket(socket.AF_UNIX, getattr(socket, kind))


def socket_talk(p):
    with unix("SOCK_STREAM") as srv, unix("SOCK_STREAM") as cli:
        srv.bind(p)
        srv.listen(1)
        cli.connect(p)
        conn, _ = srv.accept()
        with conn:
            cli.sendall(b"ping\0\xff")
            print("server got", conn.recv(100))
            conn.sendall(b"pong")
            print("client got", cli.recv(100))


def socket_dgram(p):
    with unix("SOCK_DGRAM") as srv, unix("SOCK_DGRAM") as cli:
        srv.bind(p)
        cli.sendto(b"datagram", p)
        print(srv.recv(100))


def socket_errors(d):
    """bind() onto any existing name fails EADDRINUSE; connect() to a name
    that is no socket fails ECONNREFUSED, to a missing one ENOENT."""
    for what, call, name in (("bind on socket:", "bind", "sock"),
                             ("bind on file:", "bind", "plain"),
                             ("connect to file:", "connect", "plain"),
                             ("connect to missing:", "connect", "missing")):
        with unix("SOCK_STREAM") as s:
            print(what, outcome(getattr(s, call), f"{d}/{name}"))


OPS = {
    "many-create": many_create,
    "many-listed": many_listed,
    "many-remove": many_remove,
    "long-target": long_target,
    "odd-target": odd_target,
    "fifo-nonblock": fifo_nonblock,
    "like-zero": like_zero,
    "socket-talk": socket_talk,
    "socket-dgram": socket_dgram,
    "socket-errors": socket_errors,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in OPS:
        sys.exit(__doc__)
    OPS[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
