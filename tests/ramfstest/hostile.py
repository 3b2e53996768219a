# SPDX-License-Identifier: GPL-2.0
"""A hostile unprivileged user against a mount's limits (tests/hostile.sh).

Run as an unprivileged user inside `unshare --user --map-root-user --mount`,
where rust_ramfs and tmpfs can be mounted: each case mounts both with the
same options (one after the other), tries one way to make the mount keep
memory, and measures what the guest lost meanwhile: Unevictable (rust_ramfs
pages) + Shmem (tmpfs pages) + Slab + VmallocUsed, from /proc/meminfo. The
bound of a case is what its options allow: size= plus nr_inodes= times
INODE_BYTES (an inode, its dentry and a long name, in the slab), plus SLACK
for the rest of the kernel moving meanwhile. After umount, all of it must
come back (within SLACK). The script runs alone in the VM (`# exclusive`).

Output, one line each: `PASS desc`, `FAIL desc`, `# diagnostic`.
`--ref-on-demand DIR` (the debug kernel's way) runs tmpfs only in the cases
that rust_ramfs did not pass: its figures decide nothing.
`--count` prints the number of cases. `--race DIR` (as root, on a mount
without size=) races writers against the remount that sets the first
size= instead. `--admin OPTIONS [--ref-on-demand] DIR` runs the one case a
user cannot set up in a namespace of its own, big ACLs (their named users
must be mapped: a namespace of one's own maps one), as the user on mounts
root made at DIR/rust_ramfs and DIR/tmpfs with OPTIONS.
"""

import ctypes
import errno
import mmap
import os
import shutil
import struct
import sys
import time

from sysconst import (ACL_GROUP_OBJ, ACL_MASK, ACL_OTHER, ACL_READ, ACL_USER, ACL_USER_OBJ,
                      ACL_WRITE, MADV_POPULATE_READ, MADV_POPULATE_WRITE, MS_REMOUNT,
                      POSIX_ACL_XATTR_ENTRY_SIZE, POSIX_ACL_XATTR_HEADER_SIZE,
                      POSIX_ACL_XATTR_VERSION)

from .libc import check, ename, libc

MIB = 1 << 20
PAGE = mmap.PAGESIZE
# The slab an inode costs, the most nr_inodes= lets through per inode: the
# inode (about 620 bytes), its dentry (about 200) and an external name (up
# to 320) in their size classes.
INODE_BYTES = 2048
# What the rest of the kernel may allocate or free while a case runs (this
# script runs alone; the largest moves seen were the slab caches of 9p and
# of kmemleak's metadata).
SLACK = 8 * MIB
FSTYPES = ("rust_ramfs", "tmpfs")


def meminfo():
    """The /proc/meminfo figures, in bytes."""
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":")
            out[key] = int(value.split()[0]) * 1024
    return out


def held():
    """The memory a RAM filesystem's contents can take, in bytes."""
    m = meminfo()
    return m["Unevictable"] + m["Shmem"] + m["Slab"] + m["VmallocUsed"]


def mib(n):
    return f"{n / MIB:.1f} MiB"


def parse_size(text):
    suffix = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    if text[-1] in suffix:
        return int(text[:-1]) * suffix[text[-1]]
    return int(text)


class Mount:
    """A mount of one file system type with options, on `dir`: made by this
    user, or (`admin`) one root made with those options, which the user
    only empties afterwards."""

    def __init__(self, fstype, where, options, admin=False):
        self.fstype, self.dir, self.options, self.admin = fstype, where, options, admin
        opts = dict(o.split("=") for o in options.split(",") if "=" in o)
        self.size = parse_size(opts["size"]) if "size" in opts else None
        self.inodes = int(opts["nr_inodes"]) if "nr_inodes" in opts else None

    def __enter__(self):
        if not self.admin:
            os.makedirs(self.dir, exist_ok=True)
            check(libc.mount(b"none", os.fsencode(self.dir), self.fstype.encode(), 0,
                             self.options.encode() or None))
        return self

    def __exit__(self, *exc):
        self.umount()

    def umount(self):
        if self.admin:
            for name in os.listdir(self.dir):
                path = self.path(name)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
        elif os.path.ismount(self.dir):
            check(libc.umount2(os.fsencode(self.dir), 0))

    def path(self, name):
        return os.path.join(self.dir, name)

    def used_pages(self):
        s = os.statvfs(self.dir)
        return s.f_blocks - s.f_bfree

    def bound(self):
        """What the options let the mount hold, in bytes, slack included."""
        size = self.size if self.size is not None else default_size()
        return size + (self.inodes or 0) * INODE_BYTES + SLACK


def default_size():
    """The size= of a mount in a user namespace without one: half of RAM."""
    return meminfo()["MemTotal"] // 2 // PAGE * PAGE


def settle_held(baseline, tries=50):
    """The memory still held above `baseline`, waiting (up to 5 s) for what
    the kernel frees after an RCU grace period to come back."""
    lost = held() - baseline
    for _ in range(tries):
        if lost <= SLACK:
            break
        time.sleep(0.1)
        lost = held() - baseline
    return lost


# --- the attacks: each returns (bytes it made the mount keep, at most the
# bound; whether the mount refused with ENOSPC; a note) -----------------------

def sparse_file(m, length):
    path = m.path("sparse")
    with open(path, "wb") as f:
        f.truncate(length)
    return path


def hole_length(m):
    """A sparse file several times the limit."""
    return 4 * (m.size or default_size())


def read_holes(m, how):
    length = hole_length(m) if how != "default" else default_size() + 64 * MIB
    path = sparse_file(m, length)
    fd = os.open(path, os.O_RDONLY)
    total = 0
    chunk = 1 << 20
    try:
        if how in ("read", "default"):
            while True:
                b = os.read(fd, chunk)
                if not b:
                    break
                if b.count(0) != len(b):
                    return f"read non-zero bytes at {total}"
                total += len(b)
        elif how == "pread":
            while total < length:
                n = len(os.pread(fd, chunk, total))
                if n == 0:
                    break
                total += n
        elif how == "readv":
            bufs = [bytearray(chunk // 2), bytearray(chunk // 2)]
            while True:
                n = os.readv(fd, bufs)
                if n == 0:
                    break
                total += n
        elif how == "sendfile":
            out = os.open("/dev/null", os.O_WRONLY)
            try:
                while True:
                    n = os.sendfile(out, fd, None, chunk)
                    if n == 0:
                        break
                    total += n
            finally:
                os.close(out)
        elif how == "splice":
            r, w = os.pipe()
            try:
                while True:
                    n = os.splice(fd, w, 65536)
                    if n == 0:
                        break
                    while n:
                        n -= len(os.read(r, n))
                    total += 65536
            finally:
                os.close(r)
                os.close(w)
        elif how == "copy_file_range":
            # Between two file systems it is EXDEV in 6.12 (nothing is read);
            # within one, the VFS splices through the source's splice_read.
            # The copy, 32 MiB, fits the limit; it is unlinked before the
            # memory is measured, and statfs then shows what the source kept.
            dst_path = m.path("copy")
            dst = os.open(dst_path, os.O_WRONLY | os.O_CREAT, 0o600)
            want = 32 * MIB
            try:
                while total < want:
                    n = os.copy_file_range(fd, dst, want - total)
                    if n == 0:
                        break
                    total += n
            finally:
                os.close(dst)
                os.unlink(dst_path)
            length = want
        elif how == "readahead":
            check(libc.readahead(fd, 0, length))
            total = length
        elif how == "fadvise":
            os.posix_fadvise(fd, 0, length, os.POSIX_FADV_WILLNEED)
            total = length
        elif how == "madvise":
            mm = mmap.mmap(fd, length, mmap.MAP_SHARED, mmap.PROT_READ)
            try:
                mm.madvise(mmap.MADV_WILLNEED)
            finally:
                mm.close()
            total = length
        if total < length:
            return f"{how} stopped after {total} of {length} bytes"
    finally:
        os.close(fd)
    used = m.used_pages()
    if used:
        return f"statfs counts {used} pages used after reading holes only"
    return None


def fault_holes(m):
    """Read faults on holes of a shared mapping (MADV_POPULATE_READ): each
    adds a page, refused (SIGBUS, EFAULT here) at the limit."""
    length = hole_length(m)
    fd = os.open(sparse_file(m, length), os.O_RDONLY)
    addr = check(libc.mmap(None, length, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0) or 0)
    try:
        return madvise_result(libc.madvise(addr, length, MADV_POPULATE_READ))
    finally:
        libc.munmap(addr, length)
        os.close(fd)


def madvise_result(ret):
    """OK, or the errno's name: EFAULT is MADV_POPULATE_*'s answer to a
    fault that got SIGBUS."""
    return ename(ctypes.get_errno()) if ret else "OK"


def fill(make, cap):
    """Call make(i) until it fails; returns (errno name or 'cap', count)."""
    for i in range(cap):
        try:
            make(i)
        except OSError as e:
            return ename(e.errno), i
    return "cap", cap


LONG = "n" * 200  # a name that needs a dentry name of its own


def tiny_xattrs(m):
    path = m.path("f")
    open(path, "w").close()
    # rust_ramfs says ENOSPC after about 2 000; tmpfs, which counts them at
    # less than they take, reaches the cap.
    return fill(lambda i: os.setxattr(path, f"user.{i}", b"x"), 6_000)


def long_xattrs(m):
    files = []

    def make(i):
        if i % 16 == 0:
            files.append(m.path(f"f{i}"))
            open(files[-1], "w").close()
        os.setxattr(files[-1], f"user.{i}", b"v" * 65536)
    return fill(make, 100_000)


def empty_files(m):
    return fill(lambda i: os.close(os.open(m.path(f"{LONG}{i}"), os.O_CREAT | os.O_WRONLY, 0o600)),
                400_000)


def hard_links(m):
    target = m.path("target")
    open(target, "w").close()
    return fill(lambda i: os.link(target, m.path(f"{LONG}{i}")), 100_000)


def deep_dirs(m):
    fds = [os.open(m.dir, os.O_RDONLY | os.O_DIRECTORY)]

    def make(i):
        os.mkdir("d", dir_fd=fds[-1])
        fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1])
        os.close(fds.pop())
        fds.append(fd)
    try:
        return fill(make, 400_000)
    finally:
        for fd in fds:
            os.close(fd)


def long_symlinks(m):
    target = "t" * (PAGE - 1)
    return fill(lambda i: os.symlink(target, m.path(f"s{i}")), 400_000)


def acl_value(users):
    """An access ACL as `setfacl` sends it (the system.posix_acl_access
    xattr): owner, `users` named users, group, mask, others."""
    entry = struct.Struct("<HHI")
    if entry.size != POSIX_ACL_XATTR_ENTRY_SIZE or POSIX_ACL_XATTR_HEADER_SIZE != 4:
        raise SystemExit("the posix_acl_xattr layout is not the one this packs")
    rw = ACL_READ | ACL_WRITE
    entries = ([(ACL_USER_OBJ, rw, 0)] + [(ACL_USER, ACL_READ, 10_000 + u) for u in range(users)]
               + [(ACL_GROUP_OBJ, 0, 0), (ACL_MASK, ACL_READ, 0), (ACL_OTHER, 0, 0)])
    return struct.pack("<I", POSIX_ACL_XATTR_VERSION) + b"".join(entry.pack(*e) for e in entries)


def big_acls(m):
    """Files with an ACL of 1 000 named users each: 8 KiB of slab an ACL,
    which no page and no inode count; rust_ramfs charges it to size=."""
    value = acl_value(1000)

    def make(i):
        path = m.path(f"a{i}")
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.setxattr(path, "system.posix_acl_access", value)
    return fill(make, 100_000)


KEPT = []


def tmpfiles(m):
    data = b"t" * MIB

    def make(i):
        fd = os.open(m.dir, os.O_TMPFILE | os.O_WRONLY, 0o600)
        KEPT.append(fd)
        if os.write(fd, data) < len(data):
            raise OSError(errno.ENOSPC, "short write")
    return fill(make, 100_000)


def unlinked_mapping(m):
    """A file mapped, then unlinked and closed: the mapping keeps it. Pages
    added through the mapping (MADV_POPULATE_WRITE) stop at the limit."""
    length = 4 * m.size
    path = m.path("mapped")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.ftruncate(fd, length)
    addr = check(libc.mmap(None, length, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0) or 0)
    os.close(fd)
    os.unlink(path)
    KEPT.append(("map", addr, length))
    return madvise_result(libc.madvise(addr, length, MADV_POPULATE_WRITE))


def release_kept():
    while KEPT:
        k = KEPT.pop()
        if isinstance(k, tuple):
            libc.munmap(k[1], k[2])
        else:
            os.close(k)


# --- the cases ------------------------------------------------------------

SMALL = "size=1m,nr_inodes=1024"
# On mounts root made (--admin), with room for more inodes than ACLs of 8 KiB
# fit in size=.
ADMIN_CASE = ("big ACLs on a mount root made stop at size=", big_acls, "enospc")
MEDIUM = "size=64m,nr_inodes=1024"

HOLE_PATHS = ("read", "pread", "readv", "sendfile", "splice", "copy_file_range",
              "readahead", "fadvise", "madvise")

# (description, options, function, what it checks)
CASES = (
    [(f"reading holes with {h} adds no memory", MEDIUM, lambda m, h=h: read_holes(m, h), "holes")
     for h in HOLE_PATHS]
    + [("reading holes past the default limit (half of RAM) adds no memory", "",
        lambda m: read_holes(m, "default"), "holes"),
       ("read faults on holes stop at size= (SIGBUS)", MEDIUM, fault_holes, "efault"),
       ("many tiny xattrs stop at size=", SMALL, tiny_xattrs, "enospc"),
       ("long xattr values stop at size=", SMALL, long_xattrs, "enospc"),
       ("many empty files stop at nr_inodes=", SMALL, empty_files, "enospc"),
       ("hard links stop at nr_inodes=", SMALL, hard_links, "enospc"),
       ("deep directories stop at nr_inodes=", SMALL, deep_dirs, "enospc"),
       ("long symlinks stop at size=", SMALL, long_symlinks, "enospc"),
       ("O_TMPFILE files kept open stop at size=", MEDIUM, tmpfiles, "enospc"),
       ("an unlinked file kept mapped stops at size=", MEDIUM, unlinked_mapping, "efault")]
)

def measure(m, desc, attack, kind, baseline):
    """Runs one attack on the mounted `m`; prints what it did and returns
    whether it stayed within its bound."""
    before = time.monotonic()
    try:
        result = attack(m)
        took = time.monotonic() - before
        lost = held() - baseline
        if kind == "holes":
            bound = SLACK
            good = result is None
            note = result or "all zeroes"
        elif kind == "efault":
            bound = m.bound()
            good = result == "EFAULT"
            note = f"madvise: {result}"
        else:
            bound = m.bound()
            err, count = result
            good = err == "ENOSPC"
            note = f"{count} made, then {err}"
        good = good and lost <= bound
        print(f"# {m.fstype}: {note}; the guest lost {mib(lost)} (bound {mib(bound)}) in {took:.1f} s")
        if kind == "efault":
            # Full: the mount refuses a write too.
            probe = probe_full(m)
            if probe != "ENOSPC":
                print(f"# {m.fstype}: writing another file after that: {probe}, expected ENOSPC")
                good = False
        return good
    except OSError as e:
        print(f"# {m.fstype}: {e}")
        return False
    finally:
        release_kept()


def run_case(top, desc, options, attack, kind, on_demand=False, admin=False):
    """The case on rust_ramfs, which must hold to its bound, then on tmpfs,
    the reference, whose figures are shown beside it (tmpfs counts tiny
    xattrs at less than they take, so it may go past the same bound); on
    demand, only when rust_ramfs did not pass. `admin`: on the mounts root
    made under `top`, named by type, with `options`. Returns the verdict."""
    ok = True
    for fs in FSTYPES:
        if fs != "rust_ramfs" and on_demand and ok:
            break
        m = Mount(fs, os.path.join(top, fs), options, admin)
        baseline = held()
        try:
            with m:
                good = measure(m, desc, attack, kind, baseline)
        except OSError as e:
            print(f"# {fs}: mount or umount: {e}")
            good = False
        back = settle_held(baseline)
        if back > SLACK:
            print(f"# {fs}: after umount {mib(back)} still held (slack {mib(SLACK)})")
            good = False
        if fs == "rust_ramfs":
            ok = good
        elif not good:
            print(f"# {fs} (the reference) does not keep to that bound here")
    print(("PASS " if ok else "FAIL ") + desc)
    return ok


def probe_full(m):
    try:
        fd = os.open(m.path("probe"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"p" * PAGE)
            return "OK"
        finally:
            os.close(fd)
    except OSError as e:
        return ename(e.errno)


# --- the remount race (run as root, outside a user namespace) -------------

def remount_race(where, rounds=10, writers=6, pages=8192):
    """Writers append pages to a mount without a limit until ENOSPC (or
    `pages` each) while it is remounted with size= halfway between what it
    holds and what they will have written. Once that remount is accepted,
    what the mount holds must never pass it, though writers were in flight
    when it was set. Prints one line; exits 1 on a failure."""
    total = writers * pages
    bad, accepted = 0, 0
    data = b"w" * PAGE
    for r in range(rounds):
        kids = []
        for w in range(writers):
            pid = os.fork()
            if pid == 0:
                fd = os.open(os.path.join(where, f"w{w}"), os.O_WRONLY | os.O_CREAT, 0o600)
                try:
                    for _ in range(pages):
                        os.write(fd, data)
                except OSError:
                    pass
                os._exit(0)
            kids.append(pid)
        s = os.statvfs(where)
        used = s.f_blocks - s.f_bfree
        limit = used + (total - used) // 2
        ret = libc.mount(b"none", os.fsencode(where), None, MS_REMOUNT,
                         f"size={limit * PAGE // 1024}k".encode())
        for pid in kids:
            os.waitpid(pid, 0)
        s = os.statvfs(where)
        held = s.f_blocks - s.f_bfree
        if ret == 0:
            accepted += 1
            if held > limit:
                print(f"# round {r}: size= of {limit} pages accepted, the mount then held {held}")
                bad += 1
        check(libc.mount(b"none", os.fsencode(where), None, MS_REMOUNT, b"size=0"))
        for w in range(writers):
            os.unlink(os.path.join(where, f"w{w}"))
    print(f"# {rounds} rounds, {writers} writers of {pages} pages each: the remount halfway "
          f"was accepted in {accepted} (refused when the writers were past it)"
          + ("; the mount never held more than it allowed" if not bad else ""))
    sys.exit(1 if bad or accepted < rounds // 2 else 0)


def main():
    if sys.argv[1:] == ["--count"]:
        print(len(CASES))
        return
    if sys.argv[1] == "--race":
        remount_race(sys.argv[2])
    admin = sys.argv[1] == "--admin"
    if admin:
        options = sys.argv[2]
        del sys.argv[1:3]
    on_demand = sys.argv[1] == "--ref-on-demand"
    top = sys.argv[2] if on_demand else sys.argv[1]
    if admin:
        desc, attack, kind = ADMIN_CASE
        sys.exit(0 if run_case(top, desc, options, attack, kind, on_demand, admin=True) else 1)
    failed = 0
    for case in CASES:
        failed += not run_case(top, *case, on_demand=on_demand)
        sys.stdout.flush()
    if on_demand and failed:
        cases = "the one case" if failed == 1 else f"the {failed} cases"
        print(f"# tmpfs: run only for {cases} rust_ramfs did not pass")
    elif on_demand:
        print("# tmpfs: not needed: every case passed on rust_ramfs")


if __name__ == "__main__":
    main()
