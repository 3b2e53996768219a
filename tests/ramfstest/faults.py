# SPDX-License-Identifier: GPL-2.0
"""Operations under allocation failures (tests/faults.sh).

    python3 -m ramfstest.faults DIR SPARE FSTYPE ROUNDS

ROUNDS rounds of each operation (create, mkdir, symlink, write, write
through mmap in DIR; mount FSTYPE on the empty directory SPARE, create a
file, umount) with the kernel's fault injection on for this process only
(/proc/self/make-it-fail; the script sets the knobs). Every operation must
work or fail with ENOMEM or ENOSPC; a write may be short. Then, faults off,
every byte it was told it wrote must read back. Prints one line per
operation, "OP ok=N ENOMEM=N ENOSPC=N short=N", "unexpected: ..." lines and
a last "checked N files, M differ"; exit status 1 on anything unexpected.
"""

import collections
import errno
import mmap
import os
import sys

from .libc import ename, mount, umount

ALLOWED = {errno.ENOMEM, errno.ENOSPC}
PATTERN = bytes(range(256)) * 256  # 64 KiB


class Rounds:
    def __init__(self, where, spare, fstype):
        self.dir, self.spare, self.fstype = where, spare, fstype
        self.stats = collections.defaultdict(collections.Counter)
        self.unexpected = []
        # path -> bytes reported written (mmap: 0 until the mapping wrote).
        self.written = {}
        self.mif = os.open("/proc/self/make-it-fail", os.O_WRONLY)
        self.ops = [("create", self.create), ("mkdir", self.mkdir), ("symlink", self.symlink),
                    ("write", self.write), ("mmap", self.mmap), ("mount", self.mount)]

    def faults(self, on):
        os.lseek(self.mif, 0, os.SEEK_SET)
        os.write(self.mif, b"1" if on else b"0")

    def create(self, i):
        os.close(os.open(f"{self.dir}/c{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))

    def mkdir(self, i):
        os.mkdir(f"{self.dir}/d{i}")

    def symlink(self, i):
        os.symlink("t" * 200 + str(i), f"{self.dir}/s{i}")

    def write(self, i):
        path = f"{self.dir}/w{i}"
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            n = os.write(fd, PATTERN)
            self.written[path] = n
            if n < len(PATTERN):
                self.stats["write"]["short"] += 1
        finally:
            os.close(fd)

    def mmap(self, i):
        path = f"{self.dir}/m{i}"
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            os.ftruncate(fd, len(PATTERN))
            self.written[path] = 0  # it exists with this size: zeros
            with mmap.mmap(fd, len(PATTERN), mmap.MAP_SHARED) as m:
                m[:] = PATTERN
            self.written[path] = len(PATTERN)
        finally:
            os.close(fd)

    def mount(self, i):
        mount(self.fstype, self.spare, self.fstype, 0, "mode=0700")
        try:
            os.close(os.open(self.spare + "/f", os.O_CREAT | os.O_WRONLY, 0o600))
        finally:
            # The umount must not fail: the next round mounts here again.
            self.faults(False)
            umount(self.spare)

    def run(self, rounds):
        for i in range(rounds):
            for name, fn in self.ops:
                self.faults(True)
                try:
                    fn(i)
                    self.stats[name]["ok"] += 1
                except OSError as e:
                    if e.errno in ALLOWED:
                        self.stats[name][ename(e)] += 1
                    else:
                        self.unexpected.append(f"{name} {i}: {e}")
                except MemoryError:
                    self.stats[name]["python MemoryError"] += 1
                finally:
                    self.faults(False)

    def verify(self):
        """Faults off: a write that reported N bytes left exactly those; an
        mmap round that returned, the whole pattern. Returns how many differ."""
        bad = 0
        for path, n in self.written.items():
            with open(path, "rb") as f:
                data = f.read()
            if os.path.basename(path).startswith("w"):
                want = PATTERN[:n]
            else:
                want = PATTERN if n else bytes(len(PATTERN))
            if data != want:
                bad += 1
                self.unexpected.append(f"{path}: {len(data)} bytes read back differ"
                                       f" from what was written ({n})")
        return bad

    def report(self, bad):
        for name, _ in self.ops:
            print(name, " ".join("%s=%d" % kv for kv in sorted(self.stats[name].items())))
        for u in self.unexpected[:30]:
            print("unexpected:", u)
        print(f"checked {len(self.written)} files, {bad} differ")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    where, spare, fstype, rounds = sys.argv[1:]
    r = Rounds(where, spare, fstype)
    r.run(int(rounds))
    r.report(r.verify())
    sys.exit(1 if r.unexpected else 0)


if __name__ == "__main__":
    main()
