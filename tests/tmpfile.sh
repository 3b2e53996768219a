#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# O_TMPFILE: a nameless file (nlink 0, not listed) that works like any other
# and can be given a name with linkat(), unless it was opened O_EXCL; where
# O_TMPFILE is refused. Results that depend on the kernel are compared with
# the C ramfs.
# timeout=180
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust
C=$SCRATCH/ramfs
chmod 755 "$SCRATCH" # uids 1111 below must reach the mounts
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

PY=$SCRATCH/tmpfile.py
cat >"$PY" <<'EOF'
import errno, os, stat, sys

from sysconst import AT_FDCWD, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH


def ename(e):
    return errno.errorcode.get(e, str(e))


def tmpfile(d, flags=os.O_RDWR, mode=0o600):
    return os.open(d, os.O_TMPFILE | flags, mode)


def try_(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return ename(e.errno)


def linkat(fd, dst, how="proc"):
    """Give the open file a name, as the man page shows: through
    /proc/self/fd/N with AT_SYMLINK_FOLLOW, or (root) AT_EMPTY_PATH."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if how == "proc":
        r = libc.linkat(AT_FDCWD, f"/proc/self/fd/{fd}".encode(), AT_FDCWD, dst.encode(), AT_SYMLINK_FOLLOW)
    else:
        r = libc.linkat(fd, b"", AT_FDCWD, dst.encode(), AT_EMPTY_PATH)
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


cmd, d = sys.argv[1], sys.argv[2]
os.umask(0o022)

if cmd == "open":
    fd = tmpfile(d)
    st = os.fstat(fd)
    print(f"regular {stat.S_ISREG(st.st_mode)}, mode {stat.S_IMODE(st.st_mode):o}, nlink {st.st_nlink}, size {st.st_size}")

elif cmd == "data":
    # Write, seek back, read; pwrite/pread past a page; fstat size.
    fd = tmpfile(d)
    os.write(fd, b"tmp data\n")
    os.lseek(fd, 0, os.SEEK_SET)
    a = os.read(fd, 100)
    os.pwrite(fd, b"far", 10000)
    b = os.pread(fd, 3, 10000)
    z = os.pread(fd, 10, 5000)
    print(f"read {a!r}, far {b!r}, zeros {z == bytes(10)}, size {os.fstat(fd).st_size}")

elif cmd == "unlisted":
    # Not in readdir; the directory's link count does not move.
    os.mkdir(f"{d}/t")
    n0 = os.stat(f"{d}/t").st_nlink
    fds = [tmpfile(f"{d}/t") for _ in range(5)]
    for fd in fds:
        os.write(fd, b"x")
    print(f"entries {os.listdir(d + '/t')}, dir nlink {n0}->{os.stat(d + '/t').st_nlink}")

elif cmd == "link_proc":
    # linkat through /proc/self/fd: the name has the data, nlink 1, same inode.
    fd = tmpfile(d)
    os.write(fd, b"named later")
    linkat(fd, f"{d}/named")
    st, fst = os.stat(f"{d}/named"), os.fstat(fd)
    os.close(fd)
    data = open(f"{d}/named", "rb").read()
    print(f"data {data!r}, nlink {st.st_nlink}, same inode {st.st_ino == fst.st_ino}, listed {os.listdir(d).count('named')}")

elif cmd == "link_empty_path":
    fd = tmpfile(d)
    os.write(fd, b"empty path")
    linkat(fd, f"{d}/named2", how="empty")
    os.close(fd)
    st = os.stat(f"{d}/named2")
    print(f"data {open(d + '/named2', 'rb').read()!r}, nlink {st.st_nlink}")

elif cmd == "link_twice":
    # Once named it is an ordinary file: a second link makes nlink 2.
    fd = tmpfile(d)
    linkat(fd, f"{d}/one")
    linkat(fd, f"{d}/two")
    print(f"nlink {os.fstat(fd).st_nlink}, same {os.stat(d + '/one').st_ino == os.stat(d + '/two').st_ino}")

elif cmd == "excl":
    # O_TMPFILE | O_EXCL: never linkable (ENOENT), both ways.
    fd = tmpfile(d, os.O_RDWR | os.O_EXCL)
    os.write(fd, b"secret")
    a = try_(lambda: linkat(fd, f"{d}/nope"))
    b = try_(lambda: linkat(fd, f"{d}/nope2", how="empty"))
    print(f"proc link {a}, AT_EMPTY_PATH link {b}, listed {sorted(os.listdir(d))}, still readable {os.pread(fd, 6, 0) == b'secret'}")

elif cmd == "not_dir":
    open(f"{d}/plain", "w").close()
    print(f"on a file: {try_(lambda: tmpfile(d + '/plain'))}, in a missing dir: {try_(lambda: tmpfile(d + '/missing'))}")

elif cmd == "rdonly":
    # O_TMPFILE needs O_WRONLY or O_RDWR.
    print(f"O_RDONLY: {try_(lambda: tmpfile(d, os.O_RDONLY))}, O_WRONLY: {try_(lambda: tmpfile(d, os.O_WRONLY))}")

elif cmd == "umask":
    # The mode is masked by the umask, as for open(O_CREAT).
    os.umask(0o027)
    fd = tmpfile(d, mode=0o666)
    print(f"mode {stat.S_IMODE(os.fstat(fd).st_mode):o}")

elif cmd == "setgid_dir":
    # In a setgid directory the file takes the directory's group; a caller
    # outside that group (uid 1111, no CAP_FSETID) loses S_ISGID.
    os.mkdir(f"{d}/sg")
    os.chown(f"{d}/sg", 0, 4321)
    os.chmod(f"{d}/sg", 0o2777)
    pid = os.fork()
    if pid == 0:
        os.setgroups([])
        os.setgid(2222)
        os.setuid(1111)
        fd = tmpfile(f"{d}/sg", mode=0o2755)
        st = os.fstat(fd)
        print(f"owner {st.st_uid}:{st.st_gid}, mode {stat.S_IMODE(st.st_mode):o}", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)

elif cmd == "link_exists":
    # linkat onto an existing name: EEXIST, the old file untouched.
    open(f"{d}/taken", "wb").write(b"old")
    fd = tmpfile(d)
    os.write(fd, b"new")
    r = try_(lambda: linkat(fd, f"{d}/taken"))
    print(f"link {r}, taken holds {open(d + '/taken', 'rb').read()!r}, nlink {os.fstat(fd).st_nlink}")

elif cmd == "owner":
    # The owner is the caller's fsuid/fsgid.
    pid = os.fork()
    if pid == 0:
        os.setgroups([])
        os.setgid(2222)
        os.setuid(1111)
        fd = tmpfile(d)
        st = os.fstat(fd)
        print(f"owner {st.st_uid}:{st.st_gid}", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)

elif cmd == "mmap":
    import mmap
    fd = tmpfile(d)
    os.ftruncate(fd, 8192)
    m = mmap.mmap(fd, 8192)
    m[4000:4010] = b"0123456789"
    print(f"read {os.pread(fd, 10, 4000)!r}")

else:
    sys.exit(f"unknown command {cmd}")
EOF

# check SUBCOMMAND EXPECTED: on a fresh directory of rust_ramfs the output is
# EXPECTED, and on the C ramfs too.
N=0
check() {
	N=$((N + 1))
	mkdir -p "$R/$N" "$C/$N" && chmod 777 "$R/$N" "$C/$N" || return
	same_output "$(python3 "$PY" "$1" "$R/$N" 2>&1)" "$(python3 "$PY" "$1" "$C/$N" 2>&1)" "$2"
}

# With an O_TMPFILE file open the file system is busy; closed, it is not
# (the nameless inode is gone).
busy_while_open() {
	local m=$SCRATCH/busy rc=0
	mkdir -p "$m"
	mount -t "$RAMFS_NAME" none "$m" || return
	# The interpreter itself, not the python3 function: $! must be the
	# process holding the file.
	"$_SYSOP_PYTHON" -S -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(fd, b"x" * 100000)
print("open", flush=True)
time.sleep(30)' "$m" >"$SCRATCH/busy.out" &
	local pid=$!
	for _ in $(seq 300); do
		grep -q open "$SCRATCH/busy.out" && break
		sleep 0.1
	done
	if umount "$m" 2>&1; then
		echo "umount succeeded with an O_TMPFILE open"
		rc=1
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
	umount "$m" || rc=1
	return "$rc"
}

ktap_begin

expect_ok "open(dir, O_TMPFILE|O_RDWR): regular, mode 600, nlink 0, empty" check open \
	"regular True, mode 600, nlink 0, size 0"
expect_ok "write, read, pwrite and pread work" check data \
	"read b'tmp data\\n', far b'far', zeros True, size 10003"
expect_ok "not listed by readdir; directory nlink unchanged" check unlisted "entries [], dir nlink 2->2"
expect_ok "linkat via /proc/self/fd/N, AT_SYMLINK_FOLLOW, names it with its data" check link_proc \
	"data b'named later', nlink 1, same inode True, listed 1"
expect_ok "linkat with AT_EMPTY_PATH names it too" check link_empty_path "data b'empty path', nlink 1"
expect_ok "a second link after naming: nlink 2" check link_twice "nlink 2, same True"
expect_ok "O_TMPFILE|O_EXCL cannot be linked: ENOENT" check excl \
	"proc link ENOENT, AT_EMPTY_PATH link ENOENT, listed [], still readable True"
expect_ok "O_TMPFILE on a non-directory: ENOTDIR; missing dir: ENOENT" check not_dir \
	"on a file: ENOTDIR, in a missing dir: ENOENT"
expect_ok "O_TMPFILE needs write access: O_RDONLY is EINVAL" check rdonly "O_RDONLY: EINVAL, O_WRONLY: ok"
expect_ok "the umask applies to the mode" check umask "mode 640"
expect_ok "in a setgid directory: its group; S_ISGID dropped for a non-member" check setgid_dir \
	"owner 1111:4321, mode 755"
expect_ok "owned by the caller (1111:2222)" check owner "owner 1111:2222"
expect_ok "a tmpfile can be mmapped" check mmap "read b'0123456789'"
expect_ok "an open tmpfile keeps the fs busy; closed, umount works" busy_while_open
expect_ok "linkat onto an existing name: EEXIST" check link_exists "link EEXIST, taken holds b'old', nlink 0"

ktap_finished
