# SPDX-License-Identifier: GPL-2.0
"""Mount and module life cycles, many times over (tests/lifecycle.sh).

    python3 -m ramfstest.lifecycle mounts FSTYPE TARGET ROUNDS
    python3 -m ramfstest.lifecycle modules FSTYPE TARGET ROUNDS MODULE.ko

Each round mounts FSTYPE on TARGET, uses it (a file, a directory, a symlink;
data written and read back) and unmounts it; `modules` also loads the module
from MODULE.ko first (init_module) and unloads it after (delete_module).
System calls, not mount(8) and insmod(8): exec'ing those thousands of times
would take most of an hour under TCG on the debug kernel. Prints a failed
round's error and "rounds=N of M seconds=S"; exit status 0 when every round
worked.
"""

import os
import sys
import time

from .libc import check, libc, mount, umount


def use(target, i):
    data = b"round %d\n" % i * 512
    p = os.path.join(target, "f")
    with open(p, "wb") as f:
        f.write(data)
    os.mkdir(os.path.join(target, "d"))
    os.symlink("../f", os.path.join(target, "d", "l"))
    with open(os.path.join(target, "d", "l"), "rb") as f:
        if f.read() != data:
            raise RuntimeError(f"round {i}: data read back differs")


def rounds(mode, fstype, target, count, image=None):
    """Returns how many rounds worked (stops at the first that did not)."""
    done = 0
    try:
        for i in range(count):
            if mode == "modules":
                check(libc.init_module(image, len(image), b""), "init_module")
            mount("none", target, fstype, 0, "mode=0755")
            try:
                use(target, i)
            finally:
                umount(target)
            if mode == "modules":
                check(libc.delete_module(fstype.encode(), os.O_NONBLOCK), "delete_module")
                if os.path.exists("/sys/module/" + fstype):
                    raise RuntimeError(f"round {i}: module still loaded after delete_module")
            done += 1
    except Exception as e:
        print(f"round {done} failed: {e}")
    return done


def main():
    args = sys.argv[1:]
    if len(args) not in (4, 5) or args[0] not in ("mounts", "modules"):
        sys.exit(__doc__)
    mode, fstype, target, count = args[0], args[1], args[2], int(args[3])
    image = None
    if mode == "modules":
        with open(args[4], "rb") as f:
            image = f.read()
    start = time.monotonic()
    done = rounds(mode, fstype, target, count, image)
    print(f"rounds={done} of {count} seconds={time.monotonic() - start:.1f}")
    sys.exit(0 if done == count else 1)


if __name__ == "__main__":
    main()
