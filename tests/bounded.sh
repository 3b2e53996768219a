#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded memory: the size= and nr_inodes= mount options. How they parse
# (suffixes k..e, N% of RAM, hex and octal; garbage, overflow and empty
# values refused with EINVAL and a logged message) and what /proc/mounts
# shows; filling a mount to its limit with write(2) (ENOSPC, a partial write,
# every byte before the limit reads back), dd, mmap (SIGBUS on a fault that
# needs a new page), splice(2), many small files (ENOSPC from write once
# the pages are used; from create, mkdir, symlink,
# mknod, O_TMPFILE) and O_TMPFILE; space and inodes given back exactly by
# truncate, unlink (at the last close) and close of an O_TMPFILE; statfs as
# the spec has it (limited and unlimited; df's used blocks = du's); live
# remount (grow, shrink to and above the usage, a refused shrink that changes
# nothing, mode=, nr_inodes=); the defaults in a user namespace (half of RAM,
# size=0 refused there; memory.sh fills that default to ENOSPC: it needs the
# machine to itself). Where the answer is the kernel's (partial writes,
# SIGBUS, ENOSPC from the VFS paths), tmpfs, which has the same options and
# semantics, runs the same check in the same boot (the C ramfs has no limits).
# timeout=600
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
chmod 755 "$SCRATCH"
umask 022

R=$SCRATCH/rust
T=$SCRATCH/tmpfs
MNT=$SCRATCH/mnt
mkdir -p "$R" "$T" "$MNT"

RAM_PAGES=$(ram_pages)

PY=$SCRATCH/bounded.py
cat >"$PY" <<'EOF'
import ctypes, errno, mmap, os, signal, subprocess, sys
from sysconst import MS_REMOUNT

libc = ctypes.CDLL(None, use_errno=True)
L = ctypes.c_long
PAGE = 4096
MIB = 1 << 20


def ename(e):
    return errno.errorcode.get(e, str(e))


def try_(fn, *a):
    """Call fn; its result (None: OK) or the errno's name."""
    try:
        r = fn(*a)
        return "OK" if r is None else r
    except OSError as e:
        return ename(e.errno)


def pattern(n):
    """n bytes that differ from page to page and within one."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


def sfs(d):
    return os.statvfs(d)


def used_pages(d):
    s = sfs(d)
    return s.f_blocks - s.f_bfree


def used_inodes(d):
    s = sfs(d)
    return s.f_files - s.f_ffree


def meminfo(key):
    for l in open("/proc/meminfo"):
        if l.startswith(key + ":"):
            return int(l.split()[1])


def kmsg(s):
    try:
        with open("/dev/kmsg", "w") as k:
            k.write(s + "\n")
    except OSError:
        pass


def shown(tgt):
    """The size= and nr_inodes= options /proc/mounts shows for tgt, sorted."""
    o = [l.split()[3] for l in open("/proc/mounts") if l.split()[1] == tgt]
    if not o:
        return "?"
    t = sorted(x for x in o[-1].split(",") if x.startswith(("size=", "nr_inodes=")))
    return ",".join(t) or "-"


def show(tgt):
    print(shown(tgt))


def mount2(fstype, tgt, data, flags=0):
    if libc.mount(b"none", tgt.encode(), fstype.encode(), L(flags), data.encode()) != 0:
        return ename(ctypes.get_errno())
    return None


def umount(tgt):
    subprocess.run(["umount", tgt], capture_output=True)


def opts(fstype, tgt, *optlist):
    """For each option string: mount(2), print "I: SHOWN" or "I: ERRNO";
    each attempt between two kernel-log marks (for split_dmesg)."""
    for i, o in enumerate(optlist):
        kmsg(f"rust_ramfs-test: bounded.sh mark {i}")
        r = mount2(fstype, tgt, o)
        if r is None:
            r = shown(tgt)
            umount(tgt)
        print(f"{i}: {r}")
    kmsg(f"rust_ramfs-test: bounded.sh mark {len(optlist)}")


def remount(tgt, data):
    """remount(2) (MS_REMOUNT) of tgt with data: OK or the errno's name."""
    r = None
    if libc.mount(None, tgt.encode(), None, L(MS_REMOUNT), data.encode()) != 0:
        r = ename(ctypes.get_errno())
    print(r or "OK")


def fill(d):
    """On a size=1m mount: 1000 bytes, then 2 MiB more in one write()."""
    f = d + "/f"
    data = pattern(2 * MIB)
    fd = os.open(f, os.O_CREAT | os.O_WRONLY, 0o644)
    print("write 1000:", os.write(fd, data[:1000]))
    print("write 2 MiB more:", try_(os.write, fd, data[1000:]))
    print("write 1 more byte:", try_(os.write, fd, b"x"))
    print("overwrite 100 bytes at 0:", try_(os.pwrite, fd, data[:100], 0))
    os.close(fd)
    st = os.stat(f)
    print("size", st.st_size, "blocks", st.st_blocks)
    with open(f, "rb") as r:
        got = r.read()
    print("read back:", "the first 1048576 bytes exact" if got == data[:MIB] else
          f"{len(got)} bytes, WRONG")
    s = sfs(d)
    print("statfs: blocks", s.f_blocks, "bfree", s.f_bfree, "bavail", s.f_bavail)
    g = d + "/g"
    fd = os.open(g, os.O_CREAT | os.O_WRONLY, 0o644)
    print("new file, write 1 byte:", try_(os.write, fd, b"y"), "size", os.stat(g).st_size)
    os.truncate(f, 10 * PAGE)
    print("after truncate to 10 pages: bfree", sfs(d).f_bfree)
    print("new file, write 1 byte:", try_(os.write, fd, b"y"), "bfree", sfs(d).f_bfree)
    os.close(fd)


def child(fn):
    """Run fn in a child; "exit N" or "signal NAME" and what it reported."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            fn(w)
        finally:
            os._exit(0)
    os.close(w)
    got = b""
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        got += b
    os.close(r)
    _, st = os.waitpid(pid, 0)
    how = (f"signal {signal.Signals(os.WTERMSIG(st)).name}" if os.WIFSIGNALED(st)
           else f"exit {os.WEXITSTATUS(st)}")
    return how, got.decode().split()


def mmapcheck(d):
    """On a size=64k mount (16 pages): a 1 MiB sparse file with 8 pages
    written; a child writes one byte to each page through a shared mapping,
    saying which page it is done with."""
    f = d + "/m"
    fd = os.open(f, os.O_CREAT | os.O_RDWR, 0o644)
    os.ftruncate(fd, MIB)
    os.pwrite(fd, b"w" * (8 * PAGE), 0)
    print("bfree after 8 pages:", sfs(d).f_bfree)

    def writer(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        for i in range(256):
            m[i * PAGE] = 65 + i % 26
            os.write(w, b"%d " % i)

    how, done = child(writer)
    print(f"write faults: pages 0..{done[-1] if done else '-'} done, then {how}")
    print("bfree:", sfs(d).f_bfree)
    ok = all(os.pread(fd, 1, i * PAGE) == bytes([65 + i % 26]) for i in range(16))
    rest = os.pread(fd, 8 * PAGE - 1, 1)
    print("pages 0..15 read back:", "exact" if ok and rest.count(b"w") == 8 * PAGE - 8 else "WRONG")

    def reader(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        os.write(w, b"%d " % m[20 * PAGE])

    how, got = child(reader)
    print("read fault on a new page (20):", how, got)

    def old_page(w):
        m = mmap.mmap(fd, MIB, mmap.MAP_SHARED)
        m[3 * PAGE + 5] = 90
        os.write(w, b"ok")

    how, got = child(old_page)
    print("write fault on a present page (3):", how, got,
          "byte:", os.pread(fd, 1, 3 * PAGE + 5))
    os.close(fd)


def inodes(d):
    """On a nr_inodes=10 mount: 9 inodes besides the root, then ENOSPC."""
    for i in range(1, 6):
        os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY, 0o644))
    os.mkdir(d + "/d1")
    os.mkdir(d + "/d2")
    os.symlink("f1", d + "/s1")
    os.mknod(d + "/p1", 0o10644)
    s = sfs(d)
    print("9 made: files", s.f_files, "ffree", s.f_ffree)
    print("create:", try_(lambda: os.close(os.open(d + "/f6", os.O_CREAT | os.O_WRONLY, 0o644))))
    print("mkdir:", try_(os.mkdir, d + "/d3"))
    print("symlink:", try_(os.symlink, "f1", d + "/s2"))
    print("mknod fifo:", try_(os.mknod, d + "/p2", 0o10644))
    print("O_TMPFILE:", try_(lambda: os.close(os.open(d + "/d1", os.O_TMPFILE | os.O_RDWR, 0o600))))
    print("entries:", " ".join(sorted(os.listdir(d))), "| d1:", " ".join(os.listdir(d + "/d1")))
    os.unlink(d + "/f1")
    print("after unlink: ffree", sfs(d).f_ffree)
    print("create:", try_(lambda: os.close(os.open(d + "/f6", os.O_CREAT | os.O_WRONLY, 0o644))),
          "ffree", sfs(d).f_ffree)


def tmpfile(d):
    """On a size=64k mount: an O_TMPFILE filled, then closed."""
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600)
    data = pattern(128 * 1024)
    print("write 128 KiB:", try_(os.write, fd, data))
    print("write 1 more:", try_(os.write, fd, b"x"))
    print("bfree", sfs(d).f_bfree, "read back:",
          "exact" if os.pread(fd, 65536, 0) == data[:65536] else "WRONG")
    os.close(fd)
    print("after close: bfree", sfs(d).f_bfree)


def small(d, i):
    """Write 100 + i bytes to a new file d/sI: the bytes written, or OSError."""
    fd = os.open(f"{d}/s{i}", os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        return os.write(fd, pattern(100 + i))
    finally:
        os.close(fd)


def smallfiles(d):
    """On a size=64k mount: small files (a page each) until a write fails;
    all of them read back; removing one makes room for exactly one more."""
    n, r = 0, None
    while n < 100:
        r = try_(small, d, n)
        if not isinstance(r, int):
            break
        n += 1
    print("files written:", n, "then", r, "bfree", sfs(d).f_bfree)
    ok = sum(open(f"{d}/s{i}", "rb").read() == pattern(100 + i) for i in range(n))
    print("read back exact:", ok, "of", n)
    os.unlink(f"{d}/s0")
    print("one removed: bfree", sfs(d).f_bfree, "a new one:", try_(small, d, 100),
          "another:", try_(small, d, 101))


def splicefill(d):
    """On a size=64k mount: splice(2) from a pipe into a file, 16 KiB at a
    time, until it fails; what was spliced reads back."""
    f = d + "/spliced"
    fd = os.open(f, os.O_CREAT | os.O_WRONLY, 0o644)
    r, w = os.pipe()
    data = pattern(128 * 1024)
    total, res = 0, None
    while total < len(data):
        os.write(w, data[total:total + 16384])
        res = try_(os.splice, r, fd, 16384)
        if not isinstance(res, int) or res == 0:
            break
        total += res
    for x in (r, w, fd):
        os.close(x)
    print("spliced:", total, "then", res, "bfree", sfs(d).f_bfree)
    with open(f, "rb") as g:
        print("read back:", "exact" if g.read() == data[:total] else "WRONG")


def giveback(d):
    """On a size=4m,nr_inodes=100 mount: files of assorted sizes, a
    directory, a fifo; truncate; unlink with the file open; O_TMPFILE; all
    removed: statfs exactly as at the start."""
    s = sfs(d)
    print("start: bfree", s.f_bfree, "ffree", s.f_ffree)
    sizes = [0, 1, 4095, 4096, 4097, 100000, MIB]
    for n in sizes:
        with open(f"{d}/f{n}", "wb") as f:
            f.write(pattern(n))
    os.mkdir(d + "/dir")
    os.mknod(d + "/dir/fifo", 0o10644)
    print("files made: used pages", used_pages(d), "used inodes", used_inodes(d))
    os.truncate(f"{d}/f{MIB}", 5000)
    print("1 MiB file truncated to 5000: used pages", used_pages(d))
    fd = os.open(f"{d}/f100000", os.O_RDONLY)
    os.unlink(f"{d}/f100000")
    print("100000-byte file unlinked, still open: used pages", used_pages(d),
          "inodes", used_inodes(d))
    os.close(fd)
    print("closed: used pages", used_pages(d), "inodes", used_inodes(d))
    fd = os.open(d + "/dir", os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(fd, pattern(10 * PAGE))
    print("O_TMPFILE of 10 pages: used pages", used_pages(d), "inodes", used_inodes(d))
    os.close(fd)
    print("closed: used pages", used_pages(d), "inodes", used_inodes(d))
    for n in sizes:
        if n != 100000:
            os.unlink(f"{d}/f{n}")
    os.unlink(d + "/dir/fifo")
    os.rmdir(d + "/dir")
    s = sfs(d)
    print("all removed: bfree", s.f_bfree, "ffree", s.f_ffree)


def symlink_charge(d):
    """rust_ramfs only (tmpfs keeps short targets in the inode): a symlink
    takes a page; a hard link an inode (each name pins a dentry; tmpfs
    counts it too), given back with the name."""
    p0, i0 = used_pages(d), used_inodes(d)
    os.symlink("target", d + "/sl")
    print("symlink: +pages", used_pages(d) - p0, "+inodes", used_inodes(d) - i0)
    os.unlink(d + "/sl")
    print("removed: +pages", used_pages(d) - p0, "+inodes", used_inodes(d) - i0)
    with open(d + "/hl", "wb") as f:
        f.write(b"x")
    p1, i1 = used_pages(d), used_inodes(d)
    os.link(d + "/hl", d + "/hl2")
    print("hard link: +pages", used_pages(d) - p1, "+inodes", used_inodes(d) - i1)
    os.unlink(d + "/hl")
    print("one name removed: +pages", used_pages(d) - p1, "+inodes", used_inodes(d) - i1)
    os.unlink(d + "/hl2")
    print("both removed: pages", used_pages(d) - p0, "inodes", used_inodes(d) - i0)


def statfs_fields(d):
    s = sfs(d)
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
        a0 = meminfo("MemAvailable") // 4
        s = sfs(d)
        a1 = meminfo("MemAvailable") // 4
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


def xattr_space(d):
    """On a size=1m mount with a 1 MiB file: a setxattr needs room too."""
    with open(d + "/full", "wb") as f:
        f.write(b"z" * MIB)
    print("bfree", sfs(d).f_bfree, "set user.a:", try_(os.setxattr, d + "/full", "user.a", b"1"))
    os.truncate(d + "/full", MIB - PAGE)
    print("one page freed, set user.a:", try_(os.setxattr, d + "/full", "user.a", b"1"),
          "bfree", sfs(d).f_bfree)


globals()[sys.argv[1]](*sys.argv[2:])
EOF
# The python helper as one command, for other processes (bash -c, unshare).
PY_CMD=$SCRATCH/bpy
printf '#!/bin/sh\nexec %s -S %s "$@"\n' "$_SYSOP_PYTHON" "$PY" >"$PY_CMD"
chmod 755 "$PY_CMD"
bpy() { "$PY_CMD" "$@"; }

# fresh FSTYPE DIR OPTS: unmount DIR if it is mounted, mount a new FSTYPE on it.
fresh() {
	! mountpoint -q "$2" || fs_umount "$2" || return
	fs_mount "$1" "$2" "$3"
}

# both OPTS: fresh rust_ramfs on R and tmpfs on T with the same options.
both() { fresh "$RAMFS_NAME" "$R" "$1" && fresh tmpfs "$T" "$1"; }

# run_on DIR SUBCOMMAND: the python helper's check on DIR (for expect_like_ref).
run_on() { bpy "$2" "$1"; }

# --- parsing -------------------------------------------------------------------
# tmpfs's arithmetic for size=N%: N * 4096 * RAM pages / 100 bytes, rounded
# up to pages; shown in KiB.
pct_k() { echo $((((($1 * 4096 * RAM_PAGES / 100) + 4095) / 4096) * 4)); }

# OPTIONS|SIZE= AND NR_INODES= SHOWN IN /proc/mounts (sorted; - for none)
GOOD_OPTS=(
	"size=1m|size=1024k"
	"size=1M|size=1024k"
	"size=1024k|size=1024k"
	"size=1K|size=4k"
	"size=1|size=4k"
	"size=4096|size=4k"
	"size=4097|size=8k"
	"size=0x100000|size=1024k"
	"size=010000|size=4k"
	"size=2g|size=2097152k"
	"size=2G|size=2097152k"
	"size=1t|size=1073741824k"
	"size=1T|size=1073741824k"
	"size=1p|size=1099511627776k"
	"size=1e|size=1125899906842624k"
	"size=1%|size=$(pct_k 1)k"
	"size=50%|size=$(pct_k 50)k"
	"size=100%|size=$(pct_k 100)k"
	"size=0|-"
	"size=1m,size=2m|size=2048k"
	"size=1m,size=0|-"
	"nr_inodes=10|nr_inodes=10"
	"nr_inodes=1k|nr_inodes=1024"
	"nr_inodes=1M|nr_inodes=1048576"
	"nr_inodes=0x10|nr_inodes=16"
	"nr_inodes=010|nr_inodes=8"
	"nr_inodes=0|-"
	"size=1m,nr_inodes=100,mode=0700|nr_inodes=100,size=1024k"
)
# tmpfs shows the same for these (its % arithmetic and rounding). Not 50%:
# that is tmpfs's default, which it hides when the rounding makes it equal.
TMPFS_SAME=("size=1m" "size=4097" "size=1%" "size=100%" "nr_inodes=1k" "size=2g")

# OPTIONS|KEY (the refused option, which the kernel log must name)
BAD_OPTS=(
	"size=|size"
	"size|size"
	"size=abc|size"
	"size=1x|size"
	"size=1mb|size"
	"size=1m1|size"
	"size=1.5m|size"
	"size=-1|size"
	"size=-1m|size"
	"size= 1m|size"
	"size=1m |size"
	"size=50%k|size"
	"size=99999999999999999999999|size"
	"size=16777216e|size"
	"size=16e|size"
	"size=1m,size=zz|size"
	"nr_inodes=|nr_inodes"
	"nr_inodes|nr_inodes"
	"nr_inodes=abc|nr_inodes"
	"nr_inodes=10%|nr_inodes"
	"nr_inodes=-1|nr_inodes"
	"nr_inodes=1x|nr_inodes"
	"nr_inodes=99999999999999999999999|nr_inodes"
	"nr_inodes=16e|nr_inodes"
)

OPTS_OUT=$SCRATCH/opts
run_opts_batches() {
	local e good=() bad=()
	mkdir -p "$OPTS_OUT"
	for e in "${GOOD_OPTS[@]}"; do good+=("${e%%|*}"); done
	for e in "${BAD_OPTS[@]}"; do bad+=("${e%%|*}"); done
	bpy opts "$RAMFS_NAME" "$MNT" "${good[@]}" >"$OPTS_OUT/good"
	bpy opts tmpfs "$MNT" "${TMPFS_SAME[@]}" >"$OPTS_OUT/tmpfs"
	bpy opts "$RAMFS_NAME" "$MNT" "${bad[@]}" >"$OPTS_OUT/bad"
	# The kernel log of bad option I, between its mark and the next.
	dmesg | awk -v dir="$OPTS_OUT" '
		/rust_ramfs-test: bounded.sh mark [0-9]+$/ { f = dir "/" $NF ".dmesg"; printf "" >f; next }
		f != "" { print >f }'
}

# opt_out FILE I: what `sed -n "s/^I: //p" FILE` prints, in OPT, read by bash
# itself (no process per case: they add up under TCG on the debug kernel).
OPT=
opt_out() {
	local l out=() IFS=$'\n'
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l != "$2: "* ]] || out+=("${l#"$2: "}")
	done <"$1"
	OPT="${out[*]}"
}

# good_mount2 I WANT: mount(2) of good option I showed WANT.
good_mount2() {
	local got
	opt_out "$OPTS_OUT/good" "$1"
	got=$OPT
	echo "shown: $got, expected $2"
	[ "$got" = "$2" ]
}

# good_mount8 OPTS WANT: the same through mount(8) (which passes each option
# to fsconfig(2) on its own).
good_mount8() {
	local got
	mount -t "$RAMFS_NAME" -o "$1" none "$MNT" || return
	got=$(awk -v m="$MNT" '$2 == m { print $4 }' /proc/mounts | tr , '\n' |
		grep -E '^(size|nr_inodes)=' | sort | paste -sd, -)
	umount "$MNT"
	echo "shown: $got, expected $2"
	[ "$got" = "$2" ]
}

# tmpfs_same I OPTS: tmpfs shows what rust_ramfs shows for OPTS.
tmpfs_same() {
	local ours='' ref j
	for j in "${!GOOD_OPTS[@]}"; do
		[ "${GOOD_OPTS[j]%%|*}" != "$2" ] || { opt_out "$OPTS_OUT/good" "$j" && ours=$OPT; }
	done
	opt_out "$OPTS_OUT/tmpfs" "$1"
	ref=$OPT
	echo "$RAMFS_NAME: $ours; tmpfs: $ref"
	[ -n "$ours" ] && [ "$ours" = "$ref" ]
}

# bad_opt I OPTS KEY [mount8]: mount(2) gets EINVAL, the kernel log has a
# rust_ramfs line naming KEY; with mount8, mount(8) fails too and mounts
# nothing.
bad_opt() {
	local rc=0 got log
	if [ "${4:-}" = mount8 ] && mount -t "$RAMFS_NAME" -o "$2" none "$MNT" 2>&1; then
		echo "mount(8) succeeded"
		rc=1
	fi
	if mountpoint -q "$MNT"; then
		echo "mounted: $(bpy show "$MNT")"
		umount "$MNT"
		rc=1
	fi
	opt_out "$OPTS_OUT/bad" "$1"
	got=$OPT
	echo "mount(2): $got"
	[ "$got" = EINVAL ] || rc=1
	# As $(cat FILE): without its trailing newlines.
	log=
	[ ! -r "$OPTS_OUT/$1.dmesg" ] || IFS= read -r -d '' log <"$OPTS_OUT/$1.dmesg"
	while [[ $log == *$'\n' ]]; do log=${log%$'\n'}; done
	echo "dmesg: $log"
	grep -q "$RAMFS_NAME.*$3" <<<"$log" || {
		echo "no $RAMFS_NAME message naming $3"
		rc=1
	}
	return "$rc"
}

# --- statfs and du ---------------------------------------------------------------

# df_du DIR: files of assorted sizes (one sparse); df's used 512-byte blocks
# and the sum of the files' st_blocks (du -c).
df_du() {
	local d=$1
	head -c 1 /dev/zero >"$d/f1" && head -c 4095 /dev/urandom >"$d/f4095" &&
		head -c 4096 /dev/urandom >"$d/f4096" && head -c 4097 /dev/urandom >"$d/f4097" &&
		head -c 12288 /dev/urandom >"$d/f12288" && head -c 65537 /dev/urandom >"$d/f65537" &&
		head -c 300000 /dev/urandom >"$d/f300000" && truncate -s 1M "$d/sparse" &&
		printf x | dd of="$d/sparse" bs=1 seek=500000 conv=notrunc status=none || return
	echo "df used: $(df -B512 --output=used "$d" | tail -n1 | tr -d ' ')"
	echo "du of the files: $(du -c -B512 "$d"/f* "$d/sparse" | tail -n1 | cut -f1)"
}

# --- remount --------------------------------------------------------------------

D=$SCRATCH/rm
# state: what /proc/mounts shows (size=, nr_inodes=, mode=; sorted), the
# root's mode, statfs.
state() {
	local o
	o=$(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts | tr , '\n' |
		grep -E '^(size|nr_inodes|mode)=' | LC_ALL=C sort | paste -sd, -)
	echo "${o:--} root=$(stat -c %a "$D") $(stat -f -c 'blocks=%b bfree=%f files=%c ffree=%d' "$D")"
}
remount_py() { bpy remount "$D" "$1"; }

# remount_then DATA WANT-ERRNO WANT-STATE: remount(2) with DATA gives
# WANT-ERRNO (OK or the errno's name), then the state is WANT-STATE.
remount_then() {
	local got st rc=0
	got=$(remount_py "$1")
	st=$(state)
	echo "remount '$1': $got, expected $2"
	echo "state: $st"
	echo "expected: $3"
	[ "$got" = "$2" ] && [ "$st" = "$3" ]
}

unlimited_again() {
	local got
	got=$(remount_py size=0,nr_inodes=0,mode=0755)
	echo "remount: $got; options $(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts); root $(stat -c %a "$D")"
	[ "$got" = OK ] && [ "$(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts)" = rw,relatime ] &&
		[ "$(stat -c %a "$D")" = 755 ]
}

data_kept() {
	stat -c '%n %s' "$D/a" "$D/b"
	cmp -n 524288 "$D/a" /dev/zero && cmp -n 1048576 "$D/b" /dev/zero &&
		[ "$(stat -c %s "$D/a") $(stat -c %s "$D/b")" = "524288 1048576" ]
}

# --- user namespace ----------------------------------------------------------------

HALF=$((RAM_PAGES / 2))
# In a new user and mount namespace: the default mount's statfs, what it
# shows, tmpfs's statfs beside it, size=0 and nr_inodes=0.
userns_defaults() {
	unshare -Urm bash -c '
		py=$1 dir=$2 tdir=$3 fs=$4
		mount -t "$fs" none "$dir" || exit
		mount -t tmpfs none "$tdir" || exit
		echo "$fs: $(stat -f -c "blocks=%b bfree=%f files=%c ffree=%d" "$dir")"
		echo "tmpfs: $(stat -f -c "blocks=%b bfree=%f files=%c ffree=%d" "$tdir")"
		echo "shown: $("$py" show "$dir")"
		umount "$dir"
		for o in size=0 nr_inodes=0 size=0,nr_inodes=0 size=1m nr_inodes=10; do
			echo "$o: $("$py" opts "$fs" "$dir" "$o" | cut -d" " -f2-)"
		done' - "$PY_CMD" "$MNT" "$T" "$RAMFS_NAME"
}
# --- the plan --------------------------------------------------------------------

ktap_begin
dmesg_mark

run_opts_batches
i=0
for e in "${GOOD_OPTS[@]}"; do
	IFS='|' read -r opts want <<<"$e"
	expect_ok "mount(2) -o '$opts' is accepted; /proc/mounts shows $want" good_mount2 "$i" "$want"
	i=$((i + 1))
done
# Through mount(8) too, one of each form (an exec of mount(8) costs seconds
# on the debug kernel).
for i in 0 6 7 8 15 18 21 27; do
	IFS='|' read -r opts want <<<"${GOOD_OPTS[i]}"
	[ "$want" != - ] || want=
	expect_ok "mount(8) -o '$opts' is accepted; /proc/mounts shows ${want:--}" good_mount8 "$opts" "$want"
done
i=0
for o in "${TMPFS_SAME[@]}"; do
	expect_ok "-o '$o': /proc/mounts shows what tmpfs shows" tmpfs_same "$i" "$o"
	i=$((i + 1))
done
# mount(8) for one of each form too (mount.sh gives it its 80 bad strings).
i=0
for e in "${BAD_OPTS[@]}"; do
	IFS='|' read -r opts key <<<"$e"
	m8=
	case $i in 0 | 1 | 2 | 7 | 12 | 13 | 16 | 19) m8=mount8 ;; esac
	expect_ok "-o '$opts' is refused: ${m8:+mount(8) fails, }mount(2) EINVAL, dmesg names $key" \
		bad_opt "$i" "$opts" "$key" ${m8:+"$m8"}
	i=$((i + 1))
done

# statfs
both size=4m,nr_inodes=100
expect_like_ref "statfs of size=4m,nr_inodes=100: exact fields, like tmpfs" \
	"bsize=4096 frsize=4096 blocks=1024 bfree=1024 bavail=1024 files=100 ffree=99 namelen=255" \
	"$R" "$T" run_on statfs_fields
fresh "$RAMFS_NAME" "$R" ""
expect_output "statfs without limits: free = MemAvailable, total = used + free" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nbfree is MemAvailable in pages: True\nffree is MemAvailable in pages: True' \
	bpy unlimited "$R" both
fresh "$RAMFS_NAME" "$R" size=1m
expect_output "statfs with size=1m only: blocks 256, inodes from MemAvailable" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nffree is MemAvailable in pages: True' \
	bpy unlimited "$R" inodes
expect_output "... blocks=256 bfree=253" "256 253" stat -f -c '%b %f' "$R"
fresh "$RAMFS_NAME" "$R" nr_inodes=50
expect_output "statfs with nr_inodes=50 only: files 50, blocks from MemAvailable" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nbfree is MemAvailable in pages: True' \
	bpy unlimited "$R" size
expect_output "... files=50 ffree=47" "50 47" stat -f -c '%c %d' "$R"
both size=4m
expect_like_ref "df's used blocks are the sum of the files' st_blocks (du), like tmpfs" \
	$'df used: 800\ndu of the files: 800' "$R" "$T" df_du

# filling
both size=1m
expect_like_ref "size=1m: a write crossing the limit is partial, then ENOSPC; all of it reads back" \
	"write 1000: 1000
write 2 MiB more: 1047576
write 1 more byte: ENOSPC
overwrite 100 bytes at 0: 100
size 1048576 blocks 2048
read back: the first 1048576 bytes exact
statfs: blocks 256 bfree 0 bavail 0
new file, write 1 byte: ENOSPC size 0
after truncate to 10 pages: bfree 246
new file, write 1 byte: 1 bfree 245" "$R" "$T" run_on fill
both size=1m
expect_errno ENOSPC "dd of 2 MiB into size=1m fails ENOSPC" \
	dd if=/dev/zero of="$R/dd" bs=1M count=2 status=none
expect_output "... after writing exactly 1 MiB" "1048576 0" \
	bash -c 'echo "$(stat -c %s "$1/dd") $(stat -f -c %f "$1")"' - "$R"
both size=64k
expect_like_ref "size=64k: mmap write faults on new pages past the limit: SIGBUS; read fault too" \
	"bfree after 8 pages: 8
write faults: pages 0..15 done, then signal SIGBUS
bfree: 0
pages 0..15 read back: exact
read fault on a new page (20): signal SIGBUS []
write fault on a present page (3): exit 0 ['ok'] byte: b'Z'" "$R" "$T" run_on mmapcheck
both size=64k
expect_like_ref "size=64k: O_TMPFILE filled to the limit; its close gives the space back" \
	"write 128 KiB: 65536
write 1 more: ENOSPC
bfree 0 read back: exact
after close: bfree 16" "$R" "$T" run_on tmpfile
both size=64k
expect_like_ref "size=64k: small files until ENOSPC (a page each); all read back; one removed makes room for one" \
	"files written: 16 then ENOSPC bfree 0
read back exact: 16 of 16
one removed: bfree 1 a new one: 200 another: ENOSPC" "$R" "$T" run_on smallfiles
both size=64k
expect_like_ref "size=64k: splice(2) into a file stops with ENOSPC at the limit; what it wrote reads back" \
	"spliced: 65536 then ENOSPC bfree 0
read back: exact" "$R" "$T" run_on splicefill
both nr_inodes=10
expect_like_ref "nr_inodes=10: 9 inodes besides the root, then create/mkdir/symlink/mknod/O_TMPFILE fail ENOSPC" \
	"9 made: files 10 ffree 0
create: ENOSPC
mkdir: ENOSPC
symlink: ENOSPC
mknod fifo: ENOSPC
O_TMPFILE: ENOSPC
entries: d1 d2 f1 f2 f3 f4 f5 p1 s1 | d1: 
after unlink: ffree 1
create: OK ffree 0" "$R" "$T" run_on inodes
both size=4m,nr_inodes=100
expect_like_ref "truncate, unlink at the last close, O_TMPFILE close and rm give blocks and inodes back exactly" \
	"start: bfree 1024 ffree 99
files made: used pages 286 used inodes 10
1 MiB file truncated to 5000: used pages 32
100000-byte file unlinked, still open: used pages 32 inodes 10
closed: used pages 7 inodes 9
O_TMPFILE of 10 pages: used pages 17 inodes 10
closed: used pages 7 inodes 9
all removed: bfree 1024 ffree 99" "$R" "$T" run_on giveback
fresh "$RAMFS_NAME" "$R" size=4m,nr_inodes=100
expect_output "a symlink takes a page and an inode; a hard link an inode (as on tmpfs), no page" \
	"symlink: +pages 1 +inodes 1
removed: +pages 0 +inodes 0
hard link: +pages 0 +inodes 1
one name removed: +pages 0 +inodes 0
both removed: pages 0 inodes 0" bpy symlink_charge "$R"
fresh "$RAMFS_NAME" "$R" size=1m
expect_output "setxattr on a full size=1m mount: ENOSPC; after a truncate it fits" \
	$'bfree 0 set user.a: ENOSPC\none page freed, set user.a: OK bfree 0' bpy xattr_space "$R"

# remount
fs_mount "$RAMFS_NAME" "$D" size=1m,nr_inodes=20,mode=0750
head -c 524288 /dev/zero >"$D/a"
expect_output "size=1m,nr_inodes=20,mode=0750 with 512 KiB in a file" \
	"mode=750,nr_inodes=20,size=1024k root=750 blocks=256 bfree=128 files=20 ffree=18" state
expect_ok "mount -o remount,size=2m grows it" mount -o remount,size=2m "$D"
expect_output "... to 2048k, 512 blocks; mode and nr_inodes kept" \
	"mode=750,nr_inodes=20,size=2048k root=750 blocks=512 bfree=384 files=20 ffree=18" state
expect_ok "a 1 MiB file that did not fit before now fits" \
	dd if=/dev/zero of="$D/b" bs=1M count=1 status=none
S=mode=750,nr_inodes=20,size=2048k
expect_ok "remount size=1m (below the 1.5 MiB used) with nr_inodes=30,mode=0700: EINVAL, nothing changes" \
	remount_then size=1m,nr_inodes=30,mode=0700 EINVAL \
	"$S root=750 blocks=512 bfree=128 files=20 ffree=17"
expect_ok "... and the kernel log says why, naming size=" \
	bash -c 'dmesg | tail -n 5 | grep "$1: size="' - "$RAMFS_NAME"
expect_ok "remount size=1536k (the usage exactly) is accepted: bfree 0" \
	remount_then size=1536k OK "mode=750,nr_inodes=20,size=1536k root=750 blocks=384 bfree=0 files=20 ffree=17"
expect_errno ENOSPC "... a write then fails ENOSPC" dd if=/dev/zero of="$D/c" bs=1 count=1 status=none
rm -f "$D/c"
expect_ok "remount size=1600k (above the usage) is accepted" \
	remount_then size=1600k OK "mode=750,nr_inodes=20,size=1600k root=750 blocks=400 bfree=16 files=20 ffree=17"
expect_ok "remount mode=0700 changes the root's mode live; size kept" \
	remount_then mode=0700 OK "mode=700,nr_inodes=20,size=1600k root=700 blocks=400 bfree=16 files=20 ffree=17"
expect_ok "remount nr_inodes=2 (3 in use) is refused EINVAL, nothing changes" \
	remount_then nr_inodes=2 EINVAL "mode=700,nr_inodes=20,size=1600k root=700 blocks=400 bfree=16 files=20 ffree=17"
expect_ok "remount nr_inodes=3 (the usage exactly) is accepted: ffree 0" \
	remount_then nr_inodes=3 OK "mode=700,nr_inodes=3,size=1600k root=700 blocks=400 bfree=16 files=3 ffree=0"
expect_errno ENOSPC "... a new file then fails ENOSPC" touch "$D/d"
expect_ok "remount nr_inodes=50 is accepted" \
	remount_then nr_inodes=50 OK "mode=700,nr_inodes=50,size=1600k root=700 blocks=400 bfree=16 files=50 ffree=47"
expect_ok "remount size=0,nr_inodes=0,mode=0755: unlimited, nothing shown" unlimited_again
expect_output "... used blocks and inodes still counted" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 384 used inodes: 3\nbfree is MemAvailable in pages: True\nffree is MemAvailable in pages: True' \
	bpy unlimited "$D" both keep
expect_ok "the data survived the remounts" data_kept
fs_umount "$D"

# user namespace
expect_output "user namespace: defaults are half of RAM and half the RAM pages (as tmpfs); size=0, nr_inodes=0 refused" \
	"$RAMFS_NAME: blocks=$HALF bfree=$HALF files=$HALF ffree=$((HALF - 1))
tmpfs: blocks=$HALF bfree=$HALF files=$HALF ffree=$((HALF - 1))
shown: -
size=0: EINVAL
nr_inodes=0: EINVAL
size=0,nr_inodes=0: EINVAL
size=1m: size=1024k
nr_inodes=10: nr_inodes=10" userns_defaults

# the end
fs_umount "$R"
fs_umount "$T"
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"

ktap_finished
