# SPDX-License-Identifier: GPL-2.0
"""size= and nr_inodes=: how they parse and what statfs shows (tests/bounded.sh).

    python3 -m ramfstest.bounded COMMAND ARG...

    opts FSTYPE DIR OPTIONS...  mount(2) FSTYPE on DIR with each option string
                                in turn: "I: SHOWN" (the size= and nr_inodes=
                                of /proc/mounts, sorted; - for none) or
                                "I: ERRNO"; each attempt between two marks in
                                the kernel log ("bounded.sh mark I")
    show DIR                    what /proc/mounts shows for DIR, as opts does
    remount DIR DATA            remount(2) DIR with DATA: OK or the errno's name
    statfs_fields DIR           every statfs field of DIR
    unlimited DIR WHAT [keep]   statfs of a mount without a limit on WHAT
                                (size, inodes or both); see unlimited()

tests/bounded-fill.sh (ramfstest.bounded_fill) shares the helpers below.
"""

import os
import sys

from sysconst import MS_REMOUNT

from .libc import ename, mount, outcome, umount

PAGE = 4096
MIB = 1 << 20


def result(fn, *args):
    """Call FN(*ARGS): what it returns ("OK" for None), or the errno's name
    of the OSError it raised."""
    try:
        r = fn(*args)
        return "OK" if r is None else r
    except OSError as e:
        return ename(e)


def pattern(n):
    """n bytes that differ from page to page and within one."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


def used_pages(d):
    s = os.statvfs(d)
    return s.f_blocks - s.f_bfree


def used_inodes(d):
    s = os.statvfs(d)
    return s.f_files - s.f_ffree


def mem_available():
    """/proc/meminfo's MemAvailable, in kB."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    raise LookupError("no MemAvailable in /proc/meminfo")


def kmsg(s):
    try:
        with open("/dev/kmsg", "w") as k:
            k.write(s + "\n")
    except OSError:
        pass


def shown(tgt):
    """The size= and nr_inodes= options /proc/mounts shows for tgt, sorted."""
    with open("/proc/mounts") as f:
        o = [line.split()[3] for line in f if line.split()[1] == tgt]
    if not o:
        return "?"
    t = sorted(x for x in o[-1].split(",") if x.startswith(("size=", "nr_inodes=")))
    return ",".join(t) or "-"


def show(tgt):
    print(shown(tgt))


def opts(fstype, tgt, *optlist):
    """For each option string: mount(2), print "I: SHOWN" or "I: ERRNO";
    each attempt between two kernel-log marks (bounded.sh splits the log
    there)."""
    for i, o in enumerate(optlist):
        kmsg(f"rust_ramfs-test: bounded.sh mark {i}")
        r = outcome(mount, "none", tgt, fstype, 0, o)
        if r == "OK":
            r = shown(tgt)
            outcome(umount, tgt)
        print(f"{i}: {r}")
    kmsg(f"rust_ramfs-test: bounded.sh mark {len(optlist)}")


def remount(tgt, data):
    """remount(2) (MS_REMOUNT) of tgt with data: OK or the errno's name."""
    print(outcome(mount, None, tgt, None, MS_REMOUNT, data))


def statfs_fields(d):
    s = os.statvfs(d)
    print(f"bsize={s.f_bsize} frsize={s.f_frsize} blocks={s.f_blocks} bfree={s.f_bfree} "
          f"bavail={s.f_bavail} files={s.f_files} ffree={s.f_ffree} namelen={s.f_namemax}")


def unlimited(d, what, make="make"):
    """statfs of a mount without a limit (WHAT: size, inodes or both):
    free = MemAvailable in pages, total = used + free. Unless MAKE is
    "keep", files of 1 and 2 pages are made first (3 pages, 3 inodes with
    the root). Other tests run beside this one: MemAvailable is read before
    and after statfs, all three again (up to 10 times) until statfs agrees."""
    if make == "make":
        with open(d + "/u1", "wb") as f:
            f.write(b"a")
        with open(d + "/u2", "wb") as f:
            f.write(b"b" * 8000)

    def near(v):
        return lo - tol <= v <= hi + tol

    for _ in range(10):
        a0 = mem_available() // 4
        s = os.statvfs(d)
        a1 = mem_available() // 4
        lo, hi = min(a0, a1), max(a0, a1)
        tol = max(hi // 100, 1024)
        if (what == "inodes" or near(s.f_bfree)) and (what == "size" or near(s.f_ffree)):
            break

    print(f"bsize={s.f_bsize} frsize={s.f_frsize} bfree=bavail: {s.f_bfree == s.f_bavail}")
    print("used pages:", s.f_blocks - s.f_bfree, "used inodes:", s.f_files - s.f_ffree)
    if what in ("size", "both"):
        print("bfree is MemAvailable in pages:", near(s.f_bfree))
    if what in ("inodes", "both"):
        print("ffree is MemAvailable in pages:", near(s.f_ffree))
    if (what != "inodes" and not near(s.f_bfree)) or (what != "size" and not near(s.f_ffree)):
        print(f"(MemAvailable {a0}..{a1} pages; blocks {s.f_blocks} bfree {s.f_bfree}"
              f" files {s.f_files} ffree {s.f_ffree})")


def run(commands):
    """Run the command the command line names (a function of COMMANDS)."""
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(commands)} ARG...")
    commands[sys.argv[1]](*sys.argv[2:])


COMMANDS = {f.__name__: f for f in (opts, show, remount, statfs_fields, unlimited)}


def main():
    run(COMMANDS)


if __name__ == "__main__":
    main()
