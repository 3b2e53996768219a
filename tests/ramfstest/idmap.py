# SPDX-License-Identifier: GPL-2.0
"""Idmapped mounts (tests/idmap.sh).

    python3 -m ramfstest.idmap mount SRC DST USERNS   an idmapped copy of the
        mount at SRC on DST, mapped through the user namespace USERNS (a
        /proc/PID/ns/user file): open_tree(OPEN_TREE_CLONE),
        mount_setattr(MOUNT_ATTR_IDMAP), move_mount
    python3 -m ramfstest.idmap tmpfile DIR NAME       an O_TMPFILE file in DIR,
        linked as NAME; prints OK or the errno's name
"""

import ctypes
import os
import struct
import sys

from sysconst import (AT_EMPTY_PATH, AT_FDCWD, MOUNT_ATTR_ATTR_SET, MOUNT_ATTR_IDMAP,
                      MOUNT_ATTR_SIZE, MOUNT_ATTR_USERNS_FD, MOVE_MOUNT_F_EMPTY_PATH,
                      OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE, AT_SYMLINK_FOLLOW)

from .libc import check, libc, linkat, outcome


def idmapped_mount(src, dst, userns):
    ns = os.open(userns, os.O_RDONLY | os.O_CLOEXEC)
    tree = check(libc.open_tree(AT_FDCWD, os.fsencode(src), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
                 "open_tree")
    # struct mount_attr: its size and the offsets of its two __u64 fields
    # we set come from the C headers (sysconst).
    attr = ctypes.create_string_buffer(MOUNT_ATTR_SIZE)
    struct.pack_into("=Q", attr, MOUNT_ATTR_ATTR_SET, MOUNT_ATTR_IDMAP)
    struct.pack_into("=Q", attr, MOUNT_ATTR_USERNS_FD, ns)
    check(libc.mount_setattr(tree, b"", AT_EMPTY_PATH, attr, MOUNT_ATTR_SIZE), "mount_setattr")
    check(libc.move_mount(tree, b"", AT_FDCWD, os.fsencode(dst), MOVE_MOUNT_F_EMPTY_PATH),
          "move_mount")
    os.close(tree)
    os.close(ns)


def tmpfile(top, name):
    fd = os.open(top, os.O_TMPFILE | os.O_WRONLY, 0o640)
    try:
        # Through /proc: AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH.
        linkat(AT_FDCWD, f"/proc/self/fd/{fd}", AT_FDCWD, os.path.join(top, name), AT_SYMLINK_FOLLOW)
    finally:
        os.close(fd)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "mount":
        idmapped_mount(*args)
    elif cmd == "tmpfile":
        print(outcome(tmpfile, *args))
    else:
        sys.exit("idmap: unknown command " + cmd)


if __name__ == "__main__":
    main()
