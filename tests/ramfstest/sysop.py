# SPDX-License-Identifier: GPL-2.0
"""One system call per operation; prints OK or the errno's name.

    python3 -m ramfstest.sysop OP ARG... [\\; OP ARG...]...

lib.sh's ``sysop`` (which documents the operations) runs this. Several calls
go in one interpreter start-up, separated by ``;``. Exit status 0 whatever
the calls returned (2 on a usage error), so that the script compares names.
"""

import os
import sys

from sysconst import RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT

from .libc import outcome, renameat2

RENAME_FLAGS = {"0": 0, "NOREPLACE": RENAME_NOREPLACE, "EXCHANGE": RENAME_EXCHANGE,
                "WHITEOUT": RENAME_WHITEOUT}


def rename(src, dst, flags="0"):
    bits = 0
    for f in flags.split("|"):
        bits |= RENAME_FLAGS[f]
    renameat2(src, dst, bits)


def octal(a, i, default):
    return int(a[i], 8) if len(a) > i else default


def create(a):
    os.close(os.open(a[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY, octal(a, 1, 0o666)))


def mknod(a):
    os.mknod(a[0], int(a[1], 8), os.makedev(int(a[2]), int(a[3])) if len(a) > 2 else 0)


OPS = {
    "rename": lambda a: rename(*a),
    "create": create,
    "mkdir": lambda a: os.mkdir(a[0], octal(a, 1, 0o777)),
    "mknod": mknod,
    "read": lambda a: os.close(os.open(a[0], os.O_RDONLY)),
    "write": lambda a: os.close(os.open(a[0], os.O_WRONLY)),
    "chmod": lambda a: os.chmod(a[0], int(a[1], 8)),
    "chown": lambda a: os.chown(a[0], int(a[1]), int(a[2])),
}
for _op in ("rmdir", "unlink", "stat", "lstat", "link", "symlink"):
    OPS[_op] = lambda a, f=getattr(os, _op): f(*a)


def main():
    args = sys.argv[1:]
    while args:
        n = args.index(";") if ";" in args else len(args)
        op = OPS.get(args[0])
        if op is None:
            sys.exit("sysop: unknown op " + args[0])
        print(outcome(op, args[1:n]))
        args = args[n + 1:]


if __name__ == "__main__":
    main()
