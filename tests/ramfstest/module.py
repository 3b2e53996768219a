# SPDX-License-Identifier: GPL-2.0
"""The system calls tests/module.sh makes itself, to see the kernel's errno
rather than a tool's message.

    python3 -m ramfstest.module mount FSTYPE TARGET
    python3 -m ramfstest.module delete_module NAME

mount(2) of a new FSTYPE instance on TARGET; delete_module(2) with
O_NONBLOCK (what rmmod(8) does). Prints "CALL: OK" or "CALL: errno=NAME".
"""

import os
import sys

from .libc import check, ename, libc, mount


CALLS = {
    "mount": lambda fstype, target: mount("none", target, fstype),
    "delete_module": lambda name: check(libc.delete_module(name.encode(), os.O_NONBLOCK)),
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in CALLS:
        sys.exit(__doc__)
    try:
        CALLS[sys.argv[1]](*sys.argv[2:])
        print(sys.argv[1] + ": OK")
    except OSError as e:
        print(sys.argv[1] + ": errno=" + ename(e))


if __name__ == "__main__":
    main()
