# SPDX-License-Identifier: GPL-2.0
"""Mounts through mount(2), mount(8) and the new mount API (tests/mount.sh,
tests/options.sh).

    python3 -m ramfstest.mount COMMAND ARG...

One mount each, printing what happened; exit status 0 when it mounted:
  mount2 FSTYPE SOURCE TARGET DATA   mount(2), "-" for NULL; with FSUID or FSGID
                                     in the environment, setfsuid/setfsgid first
                                     (CAP_SYS_ADMIN stays)
  remount TARGET DATA                mount(2) with MS_REMOUNT
  fsmount FSTYPE OPTS TARGET         fsopen, fsconfig, fsmount, move_mount

Batches, many mounts in one interpreter start-up (slow under TCG), each
unmounted right away; the results are KEY and VALUE pairs, each string ended
by a NUL, for the script to read into an associative array:
  probe TARGET RUNS OPTS...     RUNS: VIA:FSTYPE,... (VIA: mount2, or mount8 for
                                the program mount(8)); key "VIA:FSTYPE I" for
                                option string I: "ROOT OPTIONS" (the root's mode
                                as ls shows it, the options in /proc/mounts), or
                                "unmounted" and why
  refused FSTYPE TARGET OPTS... keys "I mount2" (mount(2)'s result), "I dmesg"
                                (what the kernel logged meanwhile), "I fsconfig"
                                (the new API's, with the context's log) and
                                "I ramfs" (mount(2) of the C ramfs)
  sources TARGET FSTYPE...      the source given twice, as a flag, long: key
                                "FSTYPE I", line I of options.sh's SOURCE_GAMES
"""

import os
import re
import stat
import subprocess
import sys

from sysconst import (AT_FDCWD, FSCONFIG_CMD_CREATE, FSCONFIG_SET_FLAG, FSCONFIG_SET_STRING,
                      FSMOUNT_CLOEXEC, FSOPEN_CLOEXEC, MOVE_MOUNT_F_EMPTY_PATH, MS_REMOUNT)

from .libc import check, ename, libc, mount, umount


def failed(what, e):
    return f"{what}: errno={ename(e)}"


def mount2(fstype, source, target, data):
    """mount(2), None for NULL: (whether it mounted, "mounted" or the error)."""
    try:
        mount(source, target, fstype, 0, data)
        return True, "mounted"
    except OSError as e:
        return False, failed("mount", e)


def fsmount(fstype, opts, target):
    """fsopen, one fsconfig per comma-separated option (key=value: SET_STRING,
    key: SET_FLAG), CMD_CREATE, fsmount, move_mount: (whether it mounted, the
    step that failed and the context's log, one line each, or "mounted")."""
    try:
        fd = check(libc.fsopen(os.fsencode(fstype), FSOPEN_CLOEXEC))
    except OSError as e:
        return False, failed("fsopen", e)
    out, ok = [], False
    try:
        for opt in opts.split(",") if opts else []:
            step = f"fsconfig({opt})"
            key, eq, value = opt.partition("=")
            if eq:
                check(libc.fsconfig(fd, FSCONFIG_SET_STRING, key.encode(), value.encode(), 0))
            else:
                check(libc.fsconfig(fd, FSCONFIG_SET_FLAG, key.encode(), None, 0))
        step = "fsconfig(CMD_CREATE)"
        check(libc.fsconfig(fd, FSCONFIG_CMD_CREATE, None, None, 0))
        step = "fsmount"
        mfd = check(libc.fsmount(fd, FSMOUNT_CLOEXEC, 0))
        step = "move_mount"
        try:
            check(libc.move_mount(mfd, b"", AT_FDCWD, os.fsencode(target),
                                  MOVE_MOUNT_F_EMPTY_PATH))
        finally:
            os.close(mfd)
        ok = True
    except OSError as e:
        out.append(failed(step, e))
    # The context's log: one message per read, until there is none.
    while True:
        try:
            msg = os.read(fd, 4096)
        except OSError:
            break
        out.append("log: " + msg.decode(errors="replace").rstrip("\n"))
    os.close(fd)
    if ok:
        out.append("mounted")
    return ok, "\n".join(out)


def mount8(fstype, source, target, opts):
    """The program mount(8), with -o OPTS unless empty: (whether it exited 0,
    its exit status and output on one line)."""
    r = subprocess.run(["mount", "-t", fstype] + (["-o", opts] if opts else []) + [source, target],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return r.returncode == 0, f"mount(8) exit {r.returncode}: " + r.stdout.strip().replace("\n", " ")


def mounts(target):
    """The /proc/mounts lines of TARGET, as lists of fields, oldest first."""
    with open("/proc/mounts") as f:
        return [fields for fields in map(str.split, f) if fields[1] == target]


def unmount(target):
    """umount(2) TARGET, after a mount that succeeded (an error is left for
    the next mount's check to see)."""
    try:
        umount(target)
    except OSError as e:
        print(failed(f"umount {target}", e), file=sys.stderr)


def put(key, value):
    """A batch's result: KEY and VALUE, each ended by a NUL."""
    sys.stdout.write(f"{key}\0{value}\0")


def probe(target, runs, optlist):
    """Each option string through each run (VIA:FSTYPE), looked at, unmounted."""
    via = {"mount2": lambda fstype, opts: mount2(fstype, "none", target, opts),
           "mount8": lambda fstype, opts: mount8(fstype, "none", target, opts)}
    for run in runs.split(","):
        how, _, fstype = run.partition(":")
        for i, opts in enumerate(optlist):
            before = len(mounts(target))
            _, out = via[how](fstype, opts)
            shown = mounts(target)
            if len(shown) > before:
                out = f"{stat.filemode(os.stat(target).st_mode)} {shown[-1][3]}"
                unmount(target)
            else:
                out = "unmounted: " + out
            put(f"{run} {i}", out)


class KernelLog:
    """The kernel log's records from now on, read from /dev/kmsg."""

    def __init__(self, name):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.name, self.marks = name, 0

    def read(self):
        """The records logged since the last read, as dmesg(1) shows them,
        up to a mark written now. (The mark also ends the last record: one
        cut at the longest a record can be has no newline, and the kernel
        keeps it open for more until the next one.) Each mark through a file
        of its own: the kernel drops writes to one beyond 10 in 5 s."""
        self.marks += 1
        mark = f"rust_ramfs-test: {self.name} mark {self.marks}"
        with open("/dev/kmsg", "w") as f:
            f.write(mark + "\n")
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192).decode(errors="replace")
            except BlockingIOError:
                return "\n".join(lines)
            except BrokenPipeError:  # records overwritten before we read them
                continue
            # "PRIORITY,SEQUENCE,MICROSECONDS,FLAGS;TEXT\n", then " KEY=VALUE" lines
            head, _, text = rec.partition(";")
            text = text.split("\n", 1)[0]
            if text == mark:
                return "\n".join(lines)
            usec = int(head.split(",")[2])
            lines.append(f"[{usec // 10**6:5d}.{usec % 10**6:06d}] {text}")


def attempt(target, fn, *args, look=None):
    """FN(*ARGS)'s output, and what LOOK() says then, when it mounted on
    TARGET, which it then unmounts."""
    ok, out = fn(*args)
    if ok:
        if look:
            out += ", " + look()
        unmount(target)
    return out


def refused(fstype, target, optlist):
    """Each option string through mount(2) (with what the kernel logged) and
    the new mount API on FSTYPE, and through mount(2) on the C ramfs (which
    ignores unknown options: a reference to read, not to match)."""
    log = KernelLog("ramfstest.mount refused")
    for i, opts in enumerate(optlist):
        log.read()
        put(f"{i} mount2", attempt(target, mount2, fstype, "none", target, opts))
        put(f"{i} dmesg", log.read())
        put(f"{i} fsconfig", attempt(target, fsmount, fstype, opts, target))
        put(f"{i} ramfs", attempt(target, mount2, "ramfs", "none", target, opts))


def sources(target, fstypes):
    """The source given twice, as a flag, and long, through fsconfig and
    mount(2), on each FSTYPE: one line each, with what /proc/mounts shows."""
    def shown():
        s = mounts(target)
        return f"source of {len(s[-1][0])} bytes" if s else "not in /proc/mounts"

    def short(text):
        return re.sub(r"s{20,}", lambda m: f"<{len(m.group())} x s>", text.replace("\n", "; "))

    for fstype in fstypes:
        lines = []
        for label, opts in (("twice", "source=one,source=two"), ("as a flag", "source"),
                            ("of 255 bytes", "source=" + "s" * 255),
                            ("of 256 bytes", "source=" + "s" * 256)):
            out = attempt(target, fsmount, fstype, opts, target, look=shown)
            lines.append(f"fsconfig source {label}: " + short(out))
        for label, source, data in (("source argument of 4095 bytes", "s" * 4095, None),
                                    ("source argument of 4096 bytes", "s" * 4096, None),
                                    ("source= option of 4000 bytes", None, "source=" + "s" * 4000)):
            out = attempt(target, mount2, fstype, source, target, data, look=shown)
            lines.append(f"mount(2) {label}: {out}")
        for i, line in enumerate(lines):
            put(f"{fstype} {i}", line)


def one(cmd, args):
    """A single mount (or remount): (whether it worked, what to print)."""
    if cmd == "mount2":
        if "FSGID" in os.environ:
            libc.setfsgid(int(os.environ["FSGID"]))
        if "FSUID" in os.environ:
            libc.setfsuid(int(os.environ["FSUID"]))
        return mount2(*[None if a == "-" else a for a in args])
    if cmd == "remount":
        try:
            mount(None, args[0], None, MS_REMOUNT, args[1])
            return True, "remounted"
        except OSError as e:
            return False, failed("mount", e)
    if cmd == "fsmount":
        return fsmount(*args)
    sys.exit(f"unknown command {cmd}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "probe":
        probe(args[0], args[1], args[2:])
    elif cmd == "refused":
        refused(args[0], args[1], args[2:])
    elif cmd == "sources":
        sources(args[0], args[1:])
    else:
        ok, out = one(cmd, args)
        print(out)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
