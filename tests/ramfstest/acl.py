# SPDX-License-Identifier: GPL-2.0
"""listxattr(2) into a buffer the ACLs' names fill exactly (tests/acl.sh).

    python3 -m ramfstest.acl listsize PATH

PATH has an ACL and a user xattr: the names do not all fit, so the call must
fail ERANGE (and copy nothing past the buffer). Prints the result.
"""

import ctypes
import os
import sys

from .libc import ename, libc


def listsize(path):
    acl_names = [n for n in os.listxattr(path) if n.startswith("system.posix_acl_")]
    size = sum(len(os.fsencode(n)) + 1 for n in acl_names)
    # A guard after the buffer shows a copy past it.
    buf = ctypes.create_string_buffer(b"\xaa" * (size + 64), size + 64)
    ret = libc.listxattr(os.fsencode(path), buf, size)
    result = ename(ctypes.get_errno()) if ret < 0 else f"{ret} bytes"
    guard = "intact" if buf.raw[size:] == b"\xaa" * 64 else "overwritten"
    print(f"listxattr into the ACL names' {size} bytes: {result}; the bytes after: {guard}")


def main():
    {"listsize": listsize}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
