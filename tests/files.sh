#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regular files: exact contents through write, append, pwrite, truncate (and
# the times truncate must update), a 64 MiB random file, sparse files,
# sendfile / splice / copy_file_range, fsync, lseek, chmod / chown / utimes,
# files beyond 4 GiB and the s_maxbytes limit. The C ramfs (and tmpfs) are
# mounted alongside as references where a result depends on the kernel.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust   # rust_ramfs, under test
C=$SCRATCH/ramfs  # the C ramfs, reference
T=$SCRATCH/tmpfs  # tmpfs, reference
O=$SCRATCH/other  # plain files outside the file systems under test
mkdir -p "$O"
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"
fs_mount tmpfs "$T" || skip_all "cannot mount tmpfs"

PY=$SCRATCH/files.py
cat >"$PY" <<'EOF'
import errno, os, random, sys, time

cmd, args = sys.argv[1], sys.argv[2:]


def ename(e):
    return errno.errorcode.get(e, str(e))


def check(cond, msg):
    if not cond:
        print("FAIL: " + msg)
        sys.exit(1)


if cmd == "append":
    # O_APPEND writes go to the end whatever the file offset.
    p = args[0]
    with open(p, "wb") as f:
        f.write(b"0123456789")
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, b"abc")
    os.lseek(fd, 3, os.SEEK_SET)
    os.write(fd, b"def")
    pos = os.lseek(fd, 0, os.SEEK_CUR)
    os.close(fd)
    data = open(p, "rb").read()
    print(f"content {data!r}, offset after write {pos}")
    check(data == b"0123456789abcdef" and pos == 16, "append")

elif cmd == "eof":
    # read at EOF gives 0 bytes; pread beyond EOF too.
    p = args[0]
    with open(p, "wb") as f:
        f.write(b"x" * 5000)
    fd = os.open(p, os.O_RDONLY)
    a = os.read(fd, 10000)
    b = os.read(fd, 10)
    c = os.pread(fd, 10, 5000)
    d = os.pread(fd, 10, 1 << 30)
    e = os.pread(fd, 10, 4995)
    os.close(fd)
    print(len(a), len(b), len(c), len(d), e)
    check(len(a) == 5000 and b == b"" and c == b"" and d == b"" and e == b"xxxxx", "eof")

elif cmd == "trunc_times":
    # trunc_times PATH HOW: set mtime in the past, wait, change the size the
    # way HOW says, report which of mtime and ctime moved.
    #   up/down/same: truncate(2); fup/fdown/fsame: ftruncate(2); write: write(2)
    p, how = args
    with open(p, "wb") as f:
        f.write(b"y" * 10000)
    old = 946684800 * 10**9  # 2000-01-01
    os.utime(p, ns=(old, old))
    st0 = os.stat(p)
    time.sleep(0.05)  # several jiffies: the coarse clock moves on
    size = {"up": 20000, "down": 100, "same": 10000}
    if how in size:
        os.truncate(p, size[how])
    elif how[1:] in size:
        fd = os.open(p, os.O_WRONLY)
        os.ftruncate(fd, size[how[1:]])
        os.close(fd)
    elif how == "write":
        fd = os.open(p, os.O_WRONLY)
        os.write(fd, b"z")
        os.close(fd)
    st1 = os.stat(p)
    m = "yes" if st1.st_mtime_ns != st0.st_mtime_ns else "no"
    c = "yes" if st1.st_ctime_ns != st0.st_ctime_ns else "no"
    print(f"size {st0.st_size}->{st1.st_size} mtime changed={m} ctime changed={c}")

elif cmd == "sparse":
    # A write 10 MiB past the start of an empty file: zeros before it.
    p = args[0]
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.lseek(fd, 10 << 20, os.SEEK_SET)
    os.write(fd, b"end")
    st = os.fstat(fd)
    head = os.pread(fd, 10 << 20, 0)
    tail = os.pread(fd, 100, (10 << 20) - 2)
    os.close(fd)
    print(f"size {st.st_size} zeros {head.count(0)} tail {tail!r}")
    check(st.st_size == (10 << 20) + 3 and head == bytes(10 << 20) and tail == b"\0\0end", "sparse")

elif cmd == "blocks":
    # blocks PATH: st_blocks and SEEK_DATA/SEEK_HOLE of a sparse file.
    p = args[0]
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.pwrite(fd, b"a" * 5000, 1 << 20)
    st = os.fstat(fd)
    data = os.lseek(fd, 0, os.SEEK_DATA)
    hole = os.lseek(fd, 0, os.SEEK_HOLE)
    try:
        past = os.lseek(fd, st.st_size, os.SEEK_DATA)
    except OSError as e:
        past = ename(e.errno)
    os.close(fd)
    print(f"size={st.st_size} blocks={st.st_blocks} SEEK_DATA(0)={data} SEEK_HOLE(0)={hole} SEEK_DATA(size)={past}")

elif cmd == "sendfile":
    # sendfile SRC DST: copy with sendfile(2) in 64 KiB chunks.
    src, dst = args
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    n = os.fstat(i).st_size
    off = 0
    while off < n:
        s = os.sendfile(o, i, off, min(65536, n - off))
        check(s > 0, "sendfile returned 0")
        off += s
    os.close(i)
    os.close(o)

elif cmd == "splice":
    # splice SRC DST: file -> pipe -> file with splice(2).
    src, dst = args
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    r, w = os.pipe()
    left = os.fstat(i).st_size
    while left:
        n = os.splice(i, w, min(left, 65536))
        check(n > 0, "splice into the pipe returned 0")
        left -= n
        while n:
            m = os.splice(r, o, n)
            check(m > 0, "splice out of the pipe returned 0")
            n -= m
    for fd in (i, o, r, w):
        os.close(fd)

elif cmd == "copy_range":
    # copy_range SRC DST: copy_file_range of 100000 bytes from offset 12345
    # to offset 777 of a new file.
    src, dst = args
    i = os.open(src, os.O_RDONLY)
    o = os.open(dst, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    done = 0
    while done < 100000:
        n = os.copy_file_range(i, o, 100000 - done, 12345 + done, 777 + done)
        check(n > 0, "copy_file_range returned 0")
        done += n
    want = bytes(777) + os.pread(i, 100000, 12345)
    got = os.pread(o, 200000, 0)
    os.close(i)
    os.close(o)
    check(got == want, f"copy differs (got {len(got)} bytes)")
    print("copied 100000 bytes, identical")

elif cmd == "sync":
    p = args[0]
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    os.write(fd, b"sync me")
    os.fsync(fd)
    os.fdatasync(fd)
    os.sync()
    os.close(fd)
    check(open(p, "rb").read() == b"sync me", "data after fsync")
    print("fsync, fdatasync, sync: ok")

elif cmd == "lseek":
    p = args[0]
    with open(p, "wb") as f:
        f.write(bytes(range(256)) * 40)  # 10240 bytes
    fd = os.open(p, os.O_RDONLY)
    end = os.lseek(fd, 0, os.SEEK_END)
    back = os.lseek(fd, -10, os.SEEK_END)
    last = os.read(fd, 100)
    s = os.lseek(fd, 4096 + 7, os.SEEK_SET)
    at = os.read(fd, 3)
    cur = os.lseek(fd, 5, os.SEEK_CUR)
    at2 = os.read(fd, 1)
    past = os.lseek(fd, 20000, os.SEEK_SET)
    pastread = os.read(fd, 10)
    try:
        os.lseek(fd, -1, os.SEEK_SET)
        neg = "ok"
    except OSError as e:
        neg = ename(e.errno)
    try:
        os.lseek(fd, -20000, os.SEEK_END)
        neg2 = "ok"
    except OSError as e:
        neg2 = ename(e.errno)
    os.close(fd)
    res = (end, back, last, s, at, cur, at2, past, pastread, neg, neg2)
    print(res)
    check(res == (10240, 10230, bytes(range(246, 256)), 4103, bytes([7, 8, 9]), 4111,
                  bytes([15]), 20000, b"", "EINVAL", "EINVAL"), "lseek")

elif cmd == "big_offsets":
    # big_offsets PATH: a 5 GiB sparse file: zeros above 4 GiB, data at its end.
    p = args[0]
    fd = os.open(p, os.O_RDWR)
    z = os.pread(fd, 4096, (4 << 30) + 12345)
    os.pwrite(fd, b"tail", (5 << 30) - 4)
    t = os.pread(fd, 100, (5 << 30) - 4)
    size = os.fstat(fd).st_size
    os.close(fd)
    print(f"size {size}, zeros {z.count(0)}/4096, tail {t!r}")
    check(z == bytes(4096) and t == b"tail" and size == 5 << 30, "big offsets")

elif cmd == "maxbytes":
    # maxbytes PATH: s_maxbytes is MAX_LFS_FILESIZE (LLONG_MAX): the size can
    # be set to it, the last byte below it written and read back; a write
    # whose end would pass it is refused (EINVAL: the range overflows).
    p = args[0]
    top = (1 << 63) - 1
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, top)
    s1 = os.fstat(fd).st_size
    os.ftruncate(fd, 0)
    n = os.pwrite(fd, b"L", top - 1)
    last = os.pread(fd, 1, top - 1)
    s2 = os.fstat(fd).st_size
    try:
        os.pwrite(fd, b"x", top)
        r = "ok"
    except OSError as e:
        r = ename(e.errno)
    os.ftruncate(fd, 0)
    os.close(fd)
    print(f"ftruncate to 2^63-1: size {s1 == top}; pwrite at 2^63-2: {n} byte, reads {last!r}, "
          f"size {s2 == top}; pwrite at 2^63-1: {r}")

elif cmd == "odirect":
    p = args[0]
    try:
        fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
        os.close(fd)
        print("O_DIRECT: ok")
    except OSError as e:
        print(f"O_DIRECT: {ename(e.errno)}")

elif cmd == "fallocate":
    # fallocate(2) itself: glibc's posix_fallocate would fall back to writing.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    p = args[0]
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
    if libc.fallocate(fd, 0, ctypes.c_long(0), ctypes.c_long(1 << 20)) == 0:
        r = "ok"
    else:
        r = ename(ctypes.get_errno())
    os.close(fd)
    print(f"fallocate: {r}")

elif cmd == "model":
    # model PATH SEED: random pwrite / ftruncate / pread against an
    # in-memory copy; every read and the final contents must match.
    p, seed = args
    rnd = random.Random(int(seed))
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    model = bytearray()
    for i in range(600):
        op = rnd.random()
        if op < 0.5:
            off = rnd.randrange(0, 300000)
            data = rnd.randbytes(rnd.randrange(1, 20000))
            check(os.pwrite(fd, data, off) == len(data), f"op {i}: short write")
            if len(model) < off:
                model.extend(bytes(off - len(model)))
            model[off:off + len(data)] = data
        elif op < 0.65:
            size = rnd.randrange(0, 320000)
            os.ftruncate(fd, size)
            del model[size:]
            model.extend(bytes(size - len(model)))
        else:
            off = rnd.randrange(0, 330000)
            n = rnd.randrange(1, 30000)
            check(os.pread(fd, n, off) == bytes(model[off:off + n]), f"op {i}: read at {off}+{n} differs")
        check(os.fstat(fd).st_size == len(model), f"op {i}: size {os.fstat(fd).st_size} != {len(model)}")
    final = os.pread(fd, len(model) + 10, 0)
    os.close(fd)
    check(final == bytes(model), "final contents differ")
    print(f"600 operations, final size {len(model)}: identical")

else:
    sys.exit(f"unknown command {cmd}")
EOF
py() { python3 "$PY" "$@"; }

# content_is FILE PRINTF-STRING: FILE holds exactly those bytes.
content_is() {
	printf "$2" >"$SCRATCH/expected"
	if cmp "$SCRATCH/expected" "$1"; then
		return 0
	fi
	echo "got:      $(od -c "$1" | head -5)"
	echo "expected: $(od -c "$SCRATCH/expected" | head -5)"
	return 1
}

size_is() {
	local s
	s=$(stat -c %s "$1") && echo "size $s, expected $2" && [ "$s" = "$2" ]
}

create_read() { printf 'hello\nworld\n' >"$R/f" && content_is "$R/f" 'hello\nworld\n'; }
overwrite() { printf 'a much longer first line\n' >"$R/f" && printf 'short' >"$R/f" && content_is "$R/f" 'short'; }
append_shell() { printf 'one\n' >"$R/f" && printf 'two\n' >>"$R/f" && printf 'three' >>"$R/f" && content_is "$R/f" 'one\ntwo\nthree'; }
pwrite_middle() {
	printf '0123456789abcdef' >"$R/f" &&
		printf 'XYZ' | dd of="$R/f" bs=1 seek=5 conv=notrunc status=none &&
		content_is "$R/f" '01234XYZ89abcdef'
}
otrunc() { printf 'something' >"$R/f" && : >"$R/f" && size_is "$R/f" 0 && content_is "$R/f" ''; }

trunc_up() {
	printf 'abc' >"$R/f" && truncate -s 10000 "$R/f" && size_is "$R/f" 10000 &&
		{ printf 'abc'; head -c 9997 /dev/zero; } >"$SCRATCH/expected" && cmp "$SCRATCH/expected" "$R/f"
}
trunc_down() {
	printf '0123456789' >"$R/f" && truncate -s 4 "$R/f" && size_is "$R/f" 4 && content_is "$R/f" '0123'
}
# Shrinking then growing must not bring back the old bytes (the partial page
# past the new size is zeroed).
trunc_down_up() {
	head -c 8192 /dev/zero | tr '\0' A >"$R/f" && truncate -s 100 "$R/f" && truncate -s 8192 "$R/f" &&
		{ head -c 100 /dev/zero | tr '\0' A; head -c 8092 /dev/zero; } >"$SCRATCH/expected" &&
		cmp "$SCRATCH/expected" "$R/f"
}

# times_after HOW WANT: on rust_ramfs, HOW (see trunc_times) gives WANT; the
# C ramfs and tmpfs results are recorded as diagnostics.
times_after() {
	local how=$1 want=$2 got
	got=$(py trunc_times "$R/t-$how" "$how") || return
	echo "rust_ramfs: $got"
	echo "C ramfs (diagnostic): $(py trunc_times "$C/t-$how" "$how")"
	echo "tmpfs (diagnostic):   $(py trunc_times "$T/t-$how" "$how")"
	[ "${got#* mtime}" = " $want" ] || {
		echo "expected: $want"
		return 1
	}
}

# --- the big file -----------------------------------------------------------
BIGSUM=
big_write() {
	BIGSUM=$(dd if=/dev/urandom bs=1M count=64 status=none | tee "$R/big" | sha256sum | cut -d' ' -f1) &&
		echo "written: $BIGSUM" && size_is "$R/big" 67108864
}
big_sum_is() {
	local s
	s=$(sha256sum <"$1" | cut -d' ' -f1) && echo "$1: $s" && [ -n "$BIGSUM" ] && [ "$s" = "$BIGSUM" ]
}
big_after_drop_caches() {
	sync && echo 3 >/proc/sys/vm/drop_caches && big_sum_is "$R/big"
}

sparse_blocks_like_ramfs() {
	local ours ref
	ours=$(py blocks "$R/sp2") && ref=$(py blocks "$C/sp2") || return
	echo "rust_ramfs: $ours"
	echo "ramfs:      $ref"
	[ "$ours" = "$ref" ]
}

# --- sendfile and splice: a 3 MiB + 123 byte random file ------------------
head -c $((3 * 1048576 + 123)) /dev/urandom >"$O/src"
same() { cmp "$1" "$2" && size_is "$2" $((3 * 1048576 + 123)); }

chmod_ctime() {
	local before after
	printf x >"$R/m" && chmod 0644 "$R/m" && touch -m -d '2001-01-01 UTC' "$R/m" || return
	before=$(stat -c '%.9Y %.9Z' "$R/m")
	sleep 0.05
	chmod 0640 "$R/m" || return
	after=$(stat -c '%a %.9Y %.9Z' "$R/m")
	echo "before: $before, after (mode mtime ctime): $after"
	set -- $before $after
	# mode 640, mtime kept, ctime moved
	[ "$3" = 640 ] && [ "$4" = "$1" ] && [ "$5" != "$2" ]
}
chown_ids() {
	local s
	chown 1234:5678 "$R/m" && s=$(stat -c %u:%g "$R/m") && echo "owner $s" && [ "$s" = 1234:5678 ]
}
touch_mtime() {
	local s
	TZ=UTC touch -m -d '2001-02-03 04:05:06.123456789' "$R/m" &&
		s=$(TZ=UTC stat -c %y "$R/m") && echo "mtime $s" && [ "$s" = "2001-02-03 04:05:06.123456789 +0000" ]
}
touch_atime() {
	local s
	TZ=UTC touch -a -d '1999-12-31 23:59:59.987654321' "$R/m" &&
		s=$(TZ=UTC stat -c '%x / %y' "$R/m") && echo "atime / mtime: $s" &&
		[ "$s" = "1999-12-31 23:59:59.987654321 +0000 / 2001-02-03 04:05:06.123456789 +0000" ]
}
# touch with no date: both times now (utimensat(NULL)), after the past ones.
touch_now() {
	local now s
	now=$(date +%s) && touch "$R/m" && s=$(stat -c '%X %Y' "$R/m") && echo "now $now, atime mtime $s" &&
		set -- $s && [ "$1" -ge "$now" ] && [ "$2" -ge "$now" ]
}

five_gib() {
	local lsz
	truncate -s 5G "$R/huge" && size_is "$R/huge" 5368709120 &&
		lsz=$(ls -lh "$R/huge" | awk '{ print $5 }') && echo "ls -lh: $lsz" && [ "$lsz" = 5.0G ]
}

maxbytes() {
	local ours ref
	ours=$(py maxbytes "$R/max") && ref=$(py maxbytes "$C/max") || return
	echo "rust_ramfs: $ours"
	echo "ramfs:      $ref"
	[ "$ours" = "ftruncate to 2^63-1: size True; pwrite at 2^63-2: 1 byte, reads b'L', size True; pwrite at 2^63-1: EINVAL" ] &&
		[ "$ours" = "$ref" ]
}
like_ramfs() { # SUBCOMMAND EXPECTED
	local ours ref
	ours=$(py "$1" "$R/x-$1") && ref=$(py "$1" "$C/x-$1") || return
	echo "rust_ramfs: $ours"
	echo "ramfs:      $ref"
	[ "$ours" = "$2" ] && [ "$ours" = "$ref" ]
}

ktap_begin

expect_ok "create and read back exact contents" create_read
expect_ok "> replaces the contents" overwrite
expect_ok ">> appends" append_shell
expect_ok "O_APPEND writes go to the end whatever the offset" py append "$R/app"
expect_ok "a write in the middle changes just those bytes" pwrite_middle
expect_ok "read and pread at or past EOF return nothing" py eof "$R/eof"
expect_ok "O_TRUNC empties the file" otrunc
expect_ok "truncate up: size, old bytes, then zeros" trunc_up
expect_ok "truncate down keeps the head" trunc_down
expect_ok "truncate down then up: zeros, not the old bytes" trunc_down_up
expect_ok "truncate(2) up updates mtime and ctime" times_after up "changed=yes ctime changed=yes"
expect_ok "truncate(2) down updates mtime and ctime" times_after down "changed=yes ctime changed=yes"
expect_ok "truncate(2) to the same size changes no time" times_after same "changed=no ctime changed=no"
expect_ok "ftruncate up updates mtime and ctime" times_after fup "changed=yes ctime changed=yes"
expect_ok "ftruncate down updates mtime and ctime" times_after fdown "changed=yes ctime changed=yes"
expect_ok "ftruncate to the same size updates mtime and ctime" times_after fsame "changed=yes ctime changed=yes"
expect_ok "write(2) updates mtime and ctime" times_after write "changed=yes ctime changed=yes"
expect_ok "64 MiB from /dev/urandom: size 67108864" big_write
expect_ok "64 MiB file: sha256 equal on re-reading" big_sum_is "$R/big"
expect_ok "64 MiB file: sha256 equal after drop_caches" big_after_drop_caches
expect_ok "64 MiB file: cp within the fs" cp "$R/big" "$R/big2"
expect_ok "64 MiB file: the copy has the same sha256" big_sum_is "$R/big2"
rm -f "$R/big" "$R/big2"
expect_ok "sparse file: zeros before data written 10 MiB in" py sparse "$R/sparse"
expect_ok "sparse file: st_blocks, SEEK_DATA, SEEK_HOLE as ramfs" sparse_blocks_like_ramfs
expect_ok "sendfile from another fs into the fs" eval 'py sendfile "$O/src" "$R/sf1" && same "$O/src" "$R/sf1"'
expect_ok "sendfile within the fs" eval 'py sendfile "$R/sf1" "$R/sf2" && same "$O/src" "$R/sf2"'
expect_ok "sendfile from the fs to another fs" eval 'py sendfile "$R/sf2" "$O/sf3" && same "$O/src" "$O/sf3"'
expect_ok "splice from another fs through a pipe into the fs" eval 'py splice "$O/src" "$R/sp1" && same "$O/src" "$R/sp1"'
expect_ok "splice from the fs through a pipe to another fs" eval 'py splice "$R/sp1" "$O/sp2" && same "$O/src" "$O/sp2"'
expect_ok "copy_file_range within the fs, at offsets" py copy_range "$R/sp1" "$R/cr"
expect_ok "fsync, fdatasync and sync succeed" py sync "$R/sync"
expect_ok "syncfs (sync -f) succeeds" sync -f "$R/sync"
expect_ok "lseek SEEK_SET, SEEK_CUR, SEEK_END; negative offsets EINVAL" py lseek "$R/seek"
expect_ok "chmod: new mode, ctime moves, mtime stays" chmod_ctime
expect_ok "chown 1234:5678" chown_ids
expect_ok "touch -m -d: mtime to the nanosecond" touch_mtime
expect_ok "touch -a -d: atime to the nanosecond, mtime kept" touch_atime
expect_ok "touch: atime and mtime now" touch_now
expect_ok "truncate -s 5G: size 5368709120, ls shows 5.0G" five_gib
expect_ok "5 GiB file: zeros above 4 GiB, a write at its end reads back" py big_offsets "$R/huge"
expect_ok "files up to s_maxbytes (2^63-1) and not past it, as ramfs" maxbytes
expect_ok "O_DIRECT is refused with EINVAL, as ramfs" like_ramfs odirect "O_DIRECT: EINVAL"
expect_ok "fallocate is not supported (EOPNOTSUPP), as ramfs" like_ramfs fallocate "fallocate: ENOTSUP"
expect_ok "600 random pwrite/ftruncate/pread match a model" py model "$R/model" 20241121

ktap_finished
