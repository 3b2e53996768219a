# SPDX-License-Identifier: GPL-2.0
"""Idmapped mounts (tests/idmap.sh).

    python3 -m ramfstest.idmap mount SRC DST   an idmapped copy of the mount
        at SRC on DST: open_tree(OPEN_TREE_CLONE), mount_setattr(
        MOUNT_ATTR_IDMAP) with a new user namespace where ids 0-65535 are
        10000-75535 outside, move_mount
    python3 -m ramfstest.idmap tmpfile DIR NAME       an O_TMPFILE file in DIR,
        linked as NAME; prints OK or the errno's name
"""

import ctypes
import os
import struct
import sys

from sysconst import (AT_EMPTY_PATH, AT_FDCWD, CLONE_NEWUSER, MOUNT_ATTR_ATTR_SET, MOUNT_ATTR_IDMAP,
                      MOUNT_ATTR_SIZE, MOUNT_ATTR_USERNS_FD, MOVE_MOUNT_F_EMPTY_PATH,
                      OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE, AT_SYMLINK_FOLLOW)

from .libc import check, libc, linkat, outcome


def user_namespace():
    """An fd of a new user namespace mapping 0-65535 to 10000-75535: a child
    makes it (unshare), we write its maps (as root outside) and open it."""
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = libc.unshare(CLONE_NEWUSER) == 0
        os.write(ready_w, b"1" if ok else b"0")
        os.read(done_r, 1)
        os._exit(0)
    try:
        if os.read(ready_r, 1) != b"1":
            raise OSError("the child could not make a user namespace")
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write("0 10000 65536\n")
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.write(done_w, b"x")
        os.waitpid(pid, 0)
        for fd in (ready_r, ready_w, done_r, done_w):
            os.close(fd)


def idmapped_mount(src, dst):
    ns = user_namespace()
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
