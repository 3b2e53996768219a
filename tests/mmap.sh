#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mmap of regular files: shared mappings and read/write agree both ways,
# msync, private mappings stay private, SIGBUS past EOF, truncating a mapped
# file, mtime on a write fault, placement (get_unmapped_area). Each check runs
# on rust_ramfs and on the C ramfs in the same VM; both must give the
# expected result.
# timeout=240
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
C=$SCRATCH/ramfs
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

PY=$SCRATCH/mmap.py
cat >"$PY" <<'EOF'
import ctypes, errno, os, random, signal, sys, time

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
from sysconst import (PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, MAP_FIXED,
                      MAP_FIXED_NOREPLACE, MAP_ANONYMOUS, MS_ASYNC, MS_INVALIDATE, MS_SYNC)
MAP_FAILED = ctypes.c_void_p(-1).value
PAGE = os.sysconf("SC_PAGE_SIZE")
RW = PROT_READ | PROT_WRITE


def ename(e):
    return errno.errorcode.get(e, str(e))


def mmap(fd, length, prot=RW, flags=MAP_SHARED, addr=None):
    a = libc.mmap(addr, length, prot, flags, fd, 0)
    if a == MAP_FAILED:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return a


def peek(a, off, n):
    return ctypes.string_at(a + off, n)


def poke(a, off, data):
    ctypes.memmove(a + off, data, len(data))


def in_child(fn):
    """Run fn in a child process: "ok", or the signal that killed it."""
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            fn()
            os._exit(0)
        except BaseException as e:
            print(f"child: {e!r}", flush=True)
            os._exit(3)
    _, st = os.waitpid(pid, 0)
    if os.WIFSIGNALED(st):
        return signal.Signals(os.WTERMSIG(st)).name
    return "ok" if os.WEXITSTATUS(st) == 0 else f"exit {os.WEXITSTATUS(st)}"


def new_file(p, data):
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    return fd


cmd, p = sys.argv[1], sys.argv[2]

if cmd == "write_then_read":
    # A store through a shared mapping (across a page boundary) is what
    # read(2) returns; the size does not change.
    fd = new_file(p, b"")
    os.ftruncate(fd, 2 * PAGE)
    a = mmap(fd, 2 * PAGE)
    poke(a, PAGE - 6, b"0123456789")
    r = os.pread(fd, 10, PAGE - 6)
    print(f"read {r!r}, size {os.fstat(fd).st_size}")

elif cmd == "read_after_write":
    # write(2) after mmap: the mapping shows the new bytes.
    fd = new_file(p, bytes(2 * PAGE))
    a = mmap(fd, 2 * PAGE)
    before = peek(a, 5000, 3)
    os.pwrite(fd, b"ABC", 5000)
    print(f"before {before!r}, after {peek(a, 5000, 3)!r}")

elif cmd == "msync":
    # msync succeeds; after munmap and close the data is in the file.
    fd = new_file(p, bytes(3 * PAGE))
    a = mmap(fd, 3 * PAGE)
    poke(a, 10, b"synced")
    poke(a, 2 * PAGE + 10, b"async")
    r = [libc.msync(a, 3 * PAGE, MS_SYNC), libc.msync(a, 3 * PAGE, MS_ASYNC),
         libc.msync(a, PAGE, MS_INVALIDATE)]
    libc.munmap(a, 3 * PAGE)
    os.close(fd)
    with open(p, "rb") as f:
        d = f.read()
    print(f"msync {r}, file {d[10:16]!r} {d[2 * PAGE + 10:2 * PAGE + 15]!r}, size {len(d)}")

elif cmd == "private":
    # MAP_PRIVATE: the writer sees its copy; read(2) and a shared mapping
    # still see the file.
    fd = new_file(p, b"p" * (2 * PAGE))
    a = mmap(fd, 2 * PAGE, flags=MAP_PRIVATE)
    s = mmap(fd, 2 * PAGE)
    first = peek(a, 0, 2)
    poke(a, 100, b"XY")
    print(f"private {first!r}->{peek(a, 100, 2)!r}, read(2) {os.pread(fd, 2, 100)!r}, shared {peek(s, 100, 2)!r}")

elif cmd == "two_processes":
    # A child maps the file on its own and writes; the parent's mapping sees it.
    fd = new_file(p, bytes(PAGE))
    a = mmap(fd, PAGE)

    def child():
        cfd = os.open(p, os.O_RDWR)
        c = mmap(cfd, PAGE)
        poke(c, 123, b"from child")

    r = in_child(child)
    print(f"child {r}, parent sees {peek(a, 123, 10)!r}")

elif cmd == "beyond_eof":
    # 100-byte file mapped over 3 pages: the rest of page 0 reads as zeros,
    # touching pages 1 and 2 is SIGBUS.
    fd = new_file(p, b"a" * 100)
    a = mmap(fd, 3 * PAGE)

    def page0():
        if peek(a, 0, 100) != b"a" * 100 or peek(a, 100, PAGE - 100) != bytes(PAGE - 100):
            raise Exception("page 0 contents")

    r = [in_child(page0), in_child(lambda: peek(a, PAGE, 1)), in_child(lambda: peek(a, 2 * PAGE + 5, 1)),
         in_child(lambda: poke(a, PAGE + 1, b"x"))]
    print(f"page 0: {r[0]}, read page 1: {r[1]}, read page 2: {r[2]}, write page 1: {r[3]}, size {os.fstat(fd).st_size}")

elif cmd == "empty_file":
    # An empty file: mmap works, any access is SIGBUS.
    fd = new_file(p, b"")
    a = mmap(fd, PAGE)
    print(f"read: {in_child(lambda: peek(a, 0, 1))}, write: {in_child(lambda: poke(a, 0, b'x'))}")

elif cmd == "tail_write":
    # A store past EOF inside the last page: no signal, the size stays, and
    # read(2) stops at EOF. What a later extension shows is the kernel's
    # (recorded, compared with ramfs).
    fd = new_file(p, b"t" * 100)
    a = mmap(fd, PAGE)
    r = in_child(lambda: poke(a, 200, b"Z"))
    libc.msync(a, PAGE, MS_SYNC)
    n = len(os.pread(fd, PAGE, 0))
    size = os.fstat(fd).st_size
    os.ftruncate(fd, PAGE)
    print(f"store: {r}, size {size}, read {n} bytes; after extending byte 200 is {os.pread(fd, 1, 200)!r}")

elif cmd == "truncate_mapped":
    # Truncate a mapped 3-page file to 1000 bytes: page 0 keeps its head and
    # reads zeros past 1000, page 1 is SIGBUS; grow it back: zeros, not the
    # old bytes, through the mapping and read(2).
    pat = bytes(range(256)) * (3 * PAGE // 256)
    fd = new_file(p, pat)
    a = mmap(fd, 3 * PAGE)
    os.ftruncate(fd, 1000)
    head = peek(a, 0, 1000) == pat[:1000]
    tail = peek(a, 1000, PAGE - 1000) == bytes(PAGE - 1000)
    bus = in_child(lambda: peek(a, PAGE + 904, 1))
    os.ftruncate(fd, 3 * PAGE)
    z1 = peek(a, 1000, 2 * PAGE) == bytes(2 * PAGE)
    z2 = os.pread(fd, 3 * PAGE, 1000) == bytes(3 * PAGE - 1000)
    print(f"head kept {head}, zeros after 1000 {tail}, page 1 {bus}; grown: mapping zeros {z1}, read zeros {z2}")

elif cmd == "mtime":
    # A write fault on a shared mapping updates mtime and ctime.
    fd = new_file(p, bytes(PAGE))
    old = 946684800 * 10**9
    os.utime(p, ns=(old, old))
    st0 = os.stat(p)
    a = mmap(fd, PAGE)
    peek(a, 0, 1)
    time.sleep(0.05)
    poke(a, 0, b"m")
    libc.msync(a, PAGE, MS_SYNC)
    st1 = os.stat(p)
    print(f"mtime changed={st1.st_mtime_ns != st0.st_mtime_ns} ctime changed={st1.st_ctime_ns != st0.st_ctime_ns}")

elif cmd == "big":
    # 16 MiB of random bytes stored through a mapping equal what read(2)
    # returns, and a fresh mapping shows what write(2) wrote.
    n = 16 << 20
    data = random.Random(7).randbytes(n)
    fd = new_file(p, b"")
    os.ftruncate(fd, n)
    a = mmap(fd, n)
    poke(a, 0, data)
    libc.munmap(a, n)
    r1 = os.pread(fd, n, 0) == data
    data2 = random.Random(8).randbytes(n)
    os.pwrite(fd, data2, 0)
    b = mmap(fd, n, prot=PROT_READ)
    r2 = peek(b, 0, n) == data2
    print(f"mapping->read equal {r1}, write->mapping equal {r2}")

elif cmd == "placement":
    # get_unmapped_area: a free hint address is used, MAP_FIXED and
    # MAP_FIXED_NOREPLACE land where asked, addresses are page-aligned, and
    # NOREPLACE over an existing mapping fails with EEXIST.
    fd = new_file(p, bytes(4 * PAGE))
    # Reserve 64 pages (PROT_NONE) so nothing else lands in them; MAP_FIXED
    # replaces part of the reservation, the other two get holes cut for them.
    free = mmap(-1, 64 * PAGE, prot=0, flags=MAP_PRIVATE | MAP_ANONYMOUS)
    hint = free + 8 * PAGE
    libc.munmap(hint, 4 * PAGE)
    h = mmap(fd, 4 * PAGE, addr=hint)
    f = mmap(fd, 4 * PAGE, flags=MAP_SHARED | MAP_FIXED, addr=free + 32 * PAGE)
    libc.munmap(free + 48 * PAGE, 4 * PAGE)
    nr = mmap(fd, 4 * PAGE, flags=MAP_SHARED | MAP_FIXED_NOREPLACE, addr=free + 48 * PAGE)
    try:
        mmap(fd, PAGE, flags=MAP_SHARED | MAP_FIXED_NOREPLACE, addr=free + 49 * PAGE)
        clash = "mapped"
    except OSError as e:
        clash = ename(e.errno)
    anyw = [mmap(fd, 4 * PAGE) for _ in range(8)]
    aligned = all(x % PAGE == 0 for x in anyw)
    spans = sorted((x, x + 4 * PAGE) for x in anyw + [h, f, nr])
    disjoint = all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    poke(h, 0, b"H")
    same = peek(f, 0, 1) == b"H" and peek(nr, 0, 1) == b"H" and all(peek(x, 0, 1) == b"H" for x in anyw)
    print(f"hint used {h == hint}, MAP_FIXED {f == free + 32 * PAGE}, NOREPLACE {nr == free + 48 * PAGE}, "
          f"NOREPLACE clash {clash}, aligned {aligned}, disjoint {disjoint}, same pages {same}")

elif cmd == "unlinked":
    # Unlinking a mapped file: the mapping keeps working.
    fd = new_file(p, b"u" * PAGE)
    a = mmap(fd, PAGE)
    os.unlink(p)
    poke(a, 0, b"still")
    print(f"nlink {os.fstat(fd).st_nlink}, mapping {peek(a, 0, 6)!r}, read(2) {os.pread(fd, 6, 0)!r}, exists {os.path.exists(p)}")

elif cmd == "readonly_fd":
    # A shared writable mapping needs a writable descriptor (EACCES); a
    # private one does not.
    new_file(p, bytes(PAGE))
    fd = os.open(p, os.O_RDONLY)
    try:
        mmap(fd, PAGE)
        shared = "mapped"
    except OSError as e:
        shared = ename(e.errno)
    try:
        mmap(fd, PAGE, flags=MAP_PRIVATE)
        private = "mapped"
    except OSError as e:
        private = ename(e.errno)
    print(f"shared writable: {shared}, private writable: {private}")

else:
    sys.exit(f"unknown command {cmd}")
EOF

# check SUBCOMMAND EXPECTED: rust_ramfs prints EXPECTED, and so does ramfs.
check() {
	same_output "$(python3 "$PY" "$1" "$R/$1" 2>&1)" "$(python3 "$PY" "$1" "$C/$1" 2>&1)" "$2"
}

# same_as_ramfs SUBCOMMAND: where the kernel decides, the result is ramfs's.
same_as_ramfs() {
	same_output "$(python3 "$PY" "$1" "$R/$1" 2>&1)" "$(python3 "$PY" "$1" "$C/$1" 2>&1)"
}

ktap_begin

expect_ok "shared mapping: a store is what read(2) returns" check write_then_read "read b'0123456789', size 8192"
expect_ok "shared mapping: write(2) shows in the mapping" check read_after_write "before b'\\x00\\x00\\x00', after b'ABC'"
expect_ok "msync (MS_SYNC, MS_ASYNC, MS_INVALIDATE); data kept after munmap" check msync \
	"msync [0, 0, 0], file b'synced' b'async', size 12288"
expect_ok "MAP_PRIVATE: the store stays private" check private \
	"private b'pp'->b'XY', read(2) b'pp', shared b'pp'"
expect_ok "a shared mapping in another process shows in ours" check two_processes \
	"child ok, parent sees b'from child'"
expect_ok "mapping past EOF: zeros to the end of the page, then SIGBUS" check beyond_eof \
	"page 0: ok, read page 1: SIGBUS, read page 2: SIGBUS, write page 1: SIGBUS, size 100"
expect_ok "mapping an empty file: any access is SIGBUS" check empty_file "read: SIGBUS, write: SIGBUS"
expect_ok "a store past EOF in the last page: no signal, size and read(2) stay" eval \
	'python3 "$PY" tail_write "$R/tail" | grep -q "^store: ok, size 100, read 100 bytes;"'
expect_ok "a store past EOF, then the file grows: as ramfs" same_as_ramfs tail_write
expect_ok "truncating a mapped file: zeros, SIGBUS, then zeros when grown" check truncate_mapped \
	"head kept True, zeros after 1000 True, page 1 SIGBUS; grown: mapping zeros True, read zeros True"
expect_ok "a write fault updates mtime and ctime" check mtime "mtime changed=True ctime changed=True"
expect_ok "16 MiB through mappings and read/write agree" check big \
	"mapping->read equal True, write->mapping equal True"
expect_ok "placement: hint, MAP_FIXED, MAP_FIXED_NOREPLACE, alignment" check placement \
	"hint used True, MAP_FIXED True, NOREPLACE True, NOREPLACE clash EEXIST, aligned True, disjoint True, same pages True"
expect_ok "a mapping outlives the file's unlink" check unlinked \
	"nlink 0, mapping b'stillu', read(2) b'stillu', exists False"
expect_ok "shared writable mapping of a read-only fd: EACCES" check readonly_fd \
	"shared writable: EACCES, private writable: mapped"

ktap_finished
