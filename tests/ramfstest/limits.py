# SPDX-License-Identifier: GPL-2.0
"""The system calls of tests/limits.sh, on one mount per run.

    python3 -m ramfstest.limits probe|many|deep DIR

prints one line "CHECK: RESULT" per check (RESULT: OK, a value, or the
errno's name); the script compares those lines, on rust_ramfs and on the C
ramfs. probe: names of 255 and 256 bytes, `.` and `..` as operands, paths
and symlink targets around PATH_MAX, RLIMIT_FSIZE; many: 100 000 entries in
one directory; deep: a tree 1000 directories deep (left for the script's
find and rm -rf).
"""

import contextlib
import os
import resource
import signal
import stat
import subprocess
import sys

from sysconst import RENAME_EXCHANGE

from .libc import ename, renameat2


def report(name, fn, *args):
    """Print "NAME: " and what FN(*ARGS) returned (OK for None), or the
    errno's name of the OSError it raised."""
    try:
        r = fn(*args)
        r = "OK" if r is None else r
    except OSError as e:
        r = ename(e)
    print(f"{name}: {r}", flush=True)


def creat(path):
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


@contextlib.contextmanager
def inside(top, name):
    """A new directory NAME in TOP, the current directory meanwhile."""
    d = os.path.join(top, name)
    os.mkdir(d)
    os.chdir(d)
    try:
        yield d
    finally:
        os.chdir(top)


def names(top):
    # NAME_MAX: 255 bytes work for every way of making a name, 256 do not.
    with inside(top, "names"):
        for n in (255, 256):
            creat(f"src{n}")
            creat(f"lsrc{n}")
            report(f"create a {n}-byte name", creat, "f" * n)
            report(f"mkdir a {n}-byte name", os.mkdir, "d" * n)
            report(f"symlink named with {n} bytes", os.symlink, "target", "s" * n)
            report(f"mknod (fifo) a {n}-byte name", os.mknod, "p" * n, stat.S_IFIFO | 0o644)
            report(f"rename to a {n}-byte name", os.rename, f"src{n}", "r" * n)
            report(f"link as a {n}-byte name", os.link, f"lsrc{n}", "l" * n)
            report(f"stat a {n}-byte name", lambda p: None if os.stat(p) else None, "f" * n)
        lens = sorted(len(x) for x in os.listdir(".") if len(x) > 250)
        report("readdir: the long names", lambda: " ".join(map(str, lens)))


def dots(top):
    # t/a/b/c directories, t/f a file.
    t = os.path.join(top, "t")
    os.makedirs(f"{t}/a/b/c")
    creat(f"{t}/f")
    report("rename a/. to x", renameat2, f"{t}/a/.", f"{t}/x")
    report("rename a/.. to x", renameat2, f"{t}/a/..", f"{t}/x")
    report("rename f to a/.", renameat2, f"{t}/f", f"{t}/a/.")
    report("rename f to a/..", renameat2, f"{t}/f", f"{t}/a/..")
    report("rename a/. to a/..", renameat2, f"{t}/a/.", f"{t}/a/..")
    report("rename a to a/b/c/x (into its own subtree)", renameat2, f"{t}/a", f"{t}/a/b/c/x")
    report("rename a to a/b (onto its own child)", renameat2, f"{t}/a", f"{t}/a/b")
    report("rename a/b/c to a (onto its own ancestor)", renameat2, f"{t}/a/b/c", f"{t}/a")
    report("exchange a and a/b/c", renameat2, f"{t}/a", f"{t}/a/b/c", RENAME_EXCHANGE)
    report("rename a to a (itself)", renameat2, f"{t}/a", f"{t}/a")
    report("rmdir a/.", os.rmdir, f"{t}/a/.")
    report("rmdir a/..", os.rmdir, f"{t}/a/..")
    report("unlink a/.", os.unlink, f"{t}/a/.")
    report("mkdir a/.", os.mkdir, f"{t}/a/.")
    report("link f to a/.", os.link, f"{t}/f", f"{t}/a/.")
    report("the tree after all that", lambda: " ".join(
        sorted(os.path.relpath(os.path.join(r, x), t) for r, ds, fs in os.walk(t) for x in ds + fs)))


def paths(top):
    # A relative path of 4095 bytes (PATH_MAX with its NUL) through 40
    # directories of 99-byte names; 4096 bytes is one too many.
    with inside(top, "p") as p:
        for _ in range(40):
            os.mkdir("d" * 99)
            os.chdir("d" * 99)
        os.chdir(p)
        rel = ("d" * 99 + "/") * 40
        p4095, p4096 = rel + "f" * 95, rel + "f" * 96
        report("path lengths", lambda: f"{len(p4095)} {len(p4096)}")

        def write(path, data):
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
            os.write(fd, data)
            os.close(fd)
        report("create through a 4095-byte path", write, p4095, b"deep\n")
        report("read through a 4095-byte path", lambda: open(p4095, "rb").read().decode().strip())
        report("create through a 4096-byte path", write, p4096, b"x")
        report("stat through a 4096-byte path", os.stat, p4096)
        report("mkdir through a 4096-byte path", os.mkdir, p4096)
        # Symlink bodies: 4095 bytes (the 4095-byte path) are kept and followed.
        report("symlink to a 4095-byte target", os.symlink, p4095, "l4095")
        report("readlink gives the 4095 bytes back", lambda: os.readlink("l4095") == p4095)
        report("lstat size of that symlink", lambda: os.lstat("l4095").st_size)
        report("read through that symlink", lambda: open("l4095", "rb").read().decode().strip())
        report("symlink to a 4096-byte target", os.symlink, p4095 + "x", "l4096")
        report("symlink to a 5000-byte target", os.symlink, "y" * 5000, "l5000")


def many(top, n=100000):
    # n entries in one directory: made, counted by ls -f, some statted,
    # all removed; the directory is then empty with 2 links.
    with inside(top, "many") as d:
        # mknod(2) of a regular file goes to the same create callback as
        # open(O_CREAT | O_EXCL), in one system call instead of two.
        bad = 0
        for i in range(n):
            try:
                os.mknod(f"entry-{i}", stat.S_IFREG | 0o644)
            except OSError:
                bad += 1
        report(f"create {n} files", lambda: f"{n - bad} made")
        ls = subprocess.run(f"ls -f {d} | wc -l", shell=True, capture_output=True, text=True)
        report("ls -f, counted by wc -l (with . and ..)", lambda: ls.stdout.strip())
        # Every 100th: a stat each costs as much as a create on the debug kernel.
        ok = 0
        for i in range(0, n, 100):
            try:
                st = os.stat(f"entry-{i}")
                ok += stat.S_ISREG(st.st_mode) and st.st_nlink == 1
            except OSError:
                pass
        report("every 100th stats as a regular file", lambda: f"{ok} of {n // 100}")
        report("directory link count with them", lambda: os.stat(d).st_nlink)
        gone = 0
        for i in range(n):
            try:
                os.unlink(f"entry-{i}")
                gone += 1
            except OSError:
                pass
        report("unlink them all", lambda: f"{gone} removed")
        report("the directory is then empty", lambda: len(os.listdir(d)))
        report("and has 2 links", lambda: os.stat(d).st_nlink)
    os.rmdir(d)


def deep(top, n=1000):
    # n directories deep, each name 8 bytes (the whole path is longer than
    # PATH_MAX), a file at the bottom.
    with inside(top, "deep") as d:
        made = 0
        try:
            for i in range(n):
                name = f"lvl{i:05d}"
                os.mkdir(name)
                os.chdir(name)
                made += 1
            with open("bottom", "w") as f:
                f.write("at the bottom\n")
        except OSError as e:
            print(f"failed at depth {made}: {ename(e)}")
        report(f"mkdir {n} levels", lambda: made)
        report(f"getcwd at depth {n}", lambda: len(os.getcwd()) - len(d))
        report("link count of a middle directory", lambda: os.stat("../../..").st_nlink)


def fsize(top):
    # RLIMIT_FSIZE of 1 MiB, SIGXFSZ ignored: a write across the limit is
    # cut short, one at the limit and a truncate past it fail with EFBIG.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    p = os.path.join(top, "fsize")
    lim = 1 << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim))
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    report("pwrite 4096 bytes at 1 MiB - 100", lambda: os.pwrite(fd, b"a" * 4096, lim - 100))
    report("pwrite 1 byte at 1 MiB", os.pwrite, fd, b"b", lim)
    report("ftruncate to 1 MiB + 1", os.ftruncate, fd, lim + 1)
    report("truncate(2) to 2 MiB", os.truncate, p, 2 * lim)
    report("ftruncate to 1 MiB", os.ftruncate, fd, lim)
    os.close(fd)
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    report("append at 1 MiB", os.write, fd, b"c")
    os.close(fd)
    report("size at the end", lambda: os.stat(p).st_size)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    os.unlink(p)


def probe(top):
    names(top)
    dots(top)
    paths(top)
    fsize(top)


def main():
    cmd, top = sys.argv[1:3]
    run = {"probe": probe, "many": many, "deep": deep}.get(cmd)
    if run is None:
        sys.exit(f"unknown command {cmd}")
    run(top)


if __name__ == "__main__":
    main()
