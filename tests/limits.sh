#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Limits and hostile input: names of 255 and 256 bytes, `.` and `..` in
# rename / rmdir / unlink / link, renaming a directory into its own subtree,
# paths and symlink targets around PATH_MAX, 100 000 entries in one
# directory, a tree 1000 directories deep, RLIMIT_FSIZE (EFBIG), and what a
# mount made in a user namespace must not give: device nodes that open, or
# set-user-ID programs that run with their owner's privilege for others.
# Every check runs on rust_ramfs and on the C ramfs in the same VM and must
# give the same, expected, answer: these limits are the VFS's, but only if
# the file system leaves them to it.
# timeout=450
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

# Users 65534 and 65533 must reach the mounts.
chmod 755 "$SCRATCH"
R=$SCRATCH/rust  # rust_ramfs, under test
C=$SCRATCH/ramfs # the C ramfs, reference
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"

# --- one python process per file system does the system calls --------------
# `limits.py probe DIR` prints one line "CHECK: RESULT" per check (RESULT is
# OK, a value, or the errno's name); the test cases compare those lines.
PY=$SCRATCH/limits.py
cat >"$PY" <<'EOF'
import ctypes, errno, os, resource, signal, stat, subprocess, sys
from sysconst import AT_FDCWD, RENAME_EXCHANGE

libc = ctypes.CDLL(None, use_errno=True)
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                           ctypes.c_char_p, ctypes.c_uint]


def ename(e):
    return errno.errorcode.get(e, str(e))


def rename2(src, dst, flags=0):
    if libc.renameat2(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), flags):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def check(name, fn, *a):
    try:
        r = fn(*a)
        r = "OK" if r is None else r
    except OSError as e:
        r = ename(e.errno)
    print(f"{name}: {r}", flush=True)


def creat(p):
    os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))


def names(top):
    # NAME_MAX: 255 bytes work for every way of making a name, 256 do not.
    d = os.path.join(top, "names")
    os.mkdir(d)
    os.chdir(d)
    for n in (255, 256):
        creat(f"src{n}")
        creat(f"lsrc{n}")
        check(f"create a {n}-byte name", creat, "f" * n)
        check(f"mkdir a {n}-byte name", os.mkdir, "d" * n)
        check(f"symlink named with {n} bytes", os.symlink, "target", "s" * n)
        check(f"mknod (fifo) a {n}-byte name", os.mknod, "p" * n, stat.S_IFIFO | 0o644)
        check(f"rename to a {n}-byte name", os.rename, f"src{n}", "r" * n)
        check(f"link as a {n}-byte name", os.link, f"lsrc{n}", "l" * n)
        check(f"stat a {n}-byte name", lambda p: None if os.stat(p) else None, "f" * n)
    lens = sorted(len(x) for x in os.listdir(".") if len(x) > 250)
    check("readdir: the long names", lambda: " ".join(map(str, lens)))
    os.chdir(top)


def dots(top):
    # t/a/b/c directories, t/f a file.
    t = os.path.join(top, "t")
    os.makedirs(f"{t}/a/b/c")
    creat(f"{t}/f")
    check("rename a/. to x", rename2, f"{t}/a/.", f"{t}/x")
    check("rename a/.. to x", rename2, f"{t}/a/..", f"{t}/x")
    check("rename f to a/.", rename2, f"{t}/f", f"{t}/a/.")
    check("rename f to a/..", rename2, f"{t}/f", f"{t}/a/..")
    check("rename a/. to a/..", rename2, f"{t}/a/.", f"{t}/a/..")
    check("rename a to a/b/c/x (into its own subtree)", rename2, f"{t}/a", f"{t}/a/b/c/x")
    check("rename a to a/b (onto its own child)", rename2, f"{t}/a", f"{t}/a/b")
    check("rename a/b/c to a (onto its own ancestor)", rename2, f"{t}/a/b/c", f"{t}/a")
    check("exchange a and a/b/c", rename2, f"{t}/a", f"{t}/a/b/c", RENAME_EXCHANGE)
    check("rename a to a (itself)", rename2, f"{t}/a", f"{t}/a")
    check("rmdir a/.", os.rmdir, f"{t}/a/.")
    check("rmdir a/..", os.rmdir, f"{t}/a/..")
    check("unlink a/.", os.unlink, f"{t}/a/.")
    check("mkdir a/.", os.mkdir, f"{t}/a/.")
    check("link f to a/.", os.link, f"{t}/f", f"{t}/a/.")
    check("the tree after all that", lambda: " ".join(
        sorted(os.path.relpath(os.path.join(r, x), t) for r, ds, fs in os.walk(t) for x in ds + fs)))


def paths(top):
    # A relative path of 4095 bytes (PATH_MAX with its NUL) through 40
    # directories of 99-byte names; 4096 bytes is one too many.
    p = os.path.join(top, "p")
    os.mkdir(p)
    os.chdir(p)
    for _ in range(40):
        os.mkdir("d" * 99)
        os.chdir("d" * 99)
    os.chdir(p)
    rel = ("d" * 99 + "/") * 40
    p4095, p4096 = rel + "f" * 95, rel + "f" * 96
    check("path lengths", lambda: f"{len(p4095)} {len(p4096)}")

    def write(path, data):
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(fd, data)
        os.close(fd)
    check("create through a 4095-byte path", write, p4095, b"deep\n")
    check("read through a 4095-byte path", lambda: open(p4095, "rb").read().decode().strip())
    check("create through a 4096-byte path", write, p4096, b"x")
    check("stat through a 4096-byte path", os.stat, p4096)
    check("mkdir through a 4096-byte path", os.mkdir, p4096)
    # Symlink bodies: 4095 bytes (the 4095-byte path) are kept and followed.
    check("symlink to a 4095-byte target", os.symlink, p4095, "l4095")
    check("readlink gives the 4095 bytes back", lambda: os.readlink("l4095") == p4095)
    check("lstat size of that symlink", lambda: os.lstat("l4095").st_size)
    check("read through that symlink", lambda: open("l4095", "rb").read().decode().strip())
    check("symlink to a 4096-byte target", os.symlink, p4095 + "x", "l4096")
    check("symlink to a 5000-byte target", os.symlink, "y" * 5000, "l5000")
    os.chdir(top)


def many(top, n=100000):
    # n entries in one directory: made, counted by ls -f, some statted,
    # all removed; the directory is then empty with 2 links.
    d = os.path.join(top, "many")
    os.mkdir(d)
    os.chdir(d)
    # mknod(2) of a regular file goes to the same create callback as
    # open(O_CREAT | O_EXCL), in one system call instead of two.
    bad = 0
    for i in range(n):
        try:
            os.mknod(f"entry-{i}", stat.S_IFREG | 0o644)
        except OSError:
            bad += 1
    check(f"create {n} files", lambda: f"{n - bad} made")
    ls = subprocess.run(f"ls -f {d} | wc -l", shell=True, capture_output=True, text=True)
    check("ls -f, counted by wc -l (with . and ..)", lambda: ls.stdout.strip())
    # Every 100th: a stat each costs as much as a create on the debug kernel.
    ok = 0
    for i in range(0, n, 100):
        try:
            st = os.stat(f"entry-{i}")
            ok += stat.S_ISREG(st.st_mode) and st.st_nlink == 1
        except OSError:
            pass
    check("every 100th stats as a regular file", lambda: f"{ok} of {n // 100}")
    check("directory link count with them", lambda: os.stat(d).st_nlink)
    gone = 0
    for i in range(n):
        try:
            os.unlink(f"entry-{i}")
            gone += 1
        except OSError:
            pass
    check("unlink them all", lambda: f"{gone} removed")
    check("the directory is then empty", lambda: len(os.listdir(d)))
    check("and has 2 links", lambda: os.stat(d).st_nlink)
    os.chdir(top)
    os.rmdir(d)


def deep(top, n=1000):
    # n directories deep, each name 8 bytes (the whole path is longer than
    # PATH_MAX), a file at the bottom.
    d = os.path.join(top, "deep")
    os.mkdir(d)
    os.chdir(d)
    made = 0
    try:
        for i in range(n):
            name = f"lvl{i:05d}"
            os.mkdir(name)
            os.chdir(name)
            made += 1
        with open("bottom", "w") as f:
            f.write("at the bottom\n")
    except OSError as e:
        print(f"failed at depth {made}: {ename(e.errno)}")
    check(f"mkdir {n} levels", lambda: made)
    check(f"getcwd at depth {n}", lambda: len(os.getcwd()) - len(d))
    check("link count of a middle directory", lambda: os.stat("../../..").st_nlink)
    os.chdir(top)


def fsize(top):
    # RLIMIT_FSIZE of 1 MiB, SIGXFSZ ignored: a write across the limit is
    # cut short, one at the limit and a truncate past it fail with EFBIG.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    p = os.path.join(top, "fsize")
    lim = 1 << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim))
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    check("pwrite 4096 bytes at 1 MiB - 100", lambda: os.pwrite(fd, b"a" * 4096, lim - 100))
    check("pwrite 1 byte at 1 MiB", os.pwrite, fd, b"b", lim)
    check("ftruncate to 1 MiB + 1", os.ftruncate, fd, lim + 1)
    check("truncate(2) to 2 MiB", os.truncate, p, 2 * lim)
    check("ftruncate to 1 MiB", os.ftruncate, fd, lim)
    os.close(fd)
    fd = os.open(p, os.O_WRONLY | os.O_APPEND)
    check("append at 1 MiB", os.write, fd, b"c")
    os.close(fd)
    check("size at the end", lambda: os.stat(p).st_size)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    os.unlink(p)


cmd, top = sys.argv[1], sys.argv[2]
if cmd == "probe":
    names(top)
    dots(top)
    paths(top)
    fsize(top)
elif cmd == "many":
    many(top)
elif cmd == "deep":
    deep(top)
else:
    sys.exit(f"unknown command {cmd}")
EOF
py() { "$_SYSOP_PYTHON" -S "$PY" "$@"; }

# Results of each file system, one file each: $SCRATCH/out.FS.
OUTS=$SCRATCH/out
# run_both PYTHON-COMMAND [FS...]: on rust_ramfs and the C ramfs (or on the
# FS given: rust, ramfs).
run_both() {
	local fs dir cmd=$1 start
	shift
	[ $# -gt 0 ] || set -- rust ramfs
	for fs; do
		dir=$R
		[ "$fs" = rust ] || dir=$C
		start=$SECONDS
		py "$cmd" "$dir" >>"$OUTS.$fs" 2>&1
		echo "# $cmd on $fs: $((SECONDS - start)) s"
	done
}

# line FS CHECK: the first line "CHECK: ..." of FS (rust, ramfs) in LINE,
# read by bash itself: a process per look-up (two per case) adds up under
# TCG on the debug kernel.
LINE=
line() {
	local l
	LINE=
	while IFS= read -r l || [ -n "$l" ]; do
		if [[ $l == "$2: "* ]]; then
			LINE=$l
			return 0
		fi
	done <"$OUTS.$1"
}

# ours CHECK EXPECTED: the line "CHECK: ..." is "CHECK: EXPECTED" on rust_ramfs.
ours() {
	local got
	line rust "$1"
	got=$LINE
	echo "rust_ramfs: ${got:-(no such line)}"
	[ "$got" = "$1: $2" ]
}

# same CHECK EXPECTED: the same on both.
same() {
	local ref rc=0
	ours "$1" "$2" || rc=1
	line ramfs "$1"
	ref=$LINE
	echo "ramfs:      ${ref:-(no such line)}"
	[ "$ref" = "$1: $2" ] && return "$rc"
}

# CHECK|EXPECTED, for `same`.
PROBES=(
	"create a 255-byte name|OK"
	"mkdir a 255-byte name|OK"
	"symlink named with 255 bytes|OK"
	"mknod (fifo) a 255-byte name|OK"
	"rename to a 255-byte name|OK"
	"link as a 255-byte name|OK"
	"stat a 255-byte name|OK"
	"create a 256-byte name|ENAMETOOLONG"
	"mkdir a 256-byte name|ENAMETOOLONG"
	"symlink named with 256 bytes|ENAMETOOLONG"
	"mknod (fifo) a 256-byte name|ENAMETOOLONG"
	"rename to a 256-byte name|ENAMETOOLONG"
	"link as a 256-byte name|ENAMETOOLONG"
	"stat a 256-byte name|ENAMETOOLONG"
	"readdir: the long names|255 255 255 255 255 255"
	"rename a/. to x|EBUSY"
	"rename a/.. to x|EBUSY"
	"rename f to a/.|EBUSY"
	"rename f to a/..|EBUSY"
	"rename a/. to a/..|EBUSY"
	"rename a to a/b/c/x (into its own subtree)|EINVAL"
	"rename a to a/b (onto its own child)|EINVAL"
	"rename a/b/c to a (onto its own ancestor)|ENOTEMPTY"
	"exchange a and a/b/c|EINVAL"
	"rename a to a (itself)|OK"
	"rmdir a/.|EINVAL"
	"rmdir a/..|ENOTEMPTY"
	"unlink a/.|EISDIR"
	"mkdir a/.|EEXIST"
	"link f to a/.|EEXIST"
	"the tree after all that|a a/b a/b/c f"
	"path lengths|4095 4096"
	"create through a 4095-byte path|OK"
	"read through a 4095-byte path|deep"
	"create through a 4096-byte path|ENAMETOOLONG"
	"stat through a 4096-byte path|ENAMETOOLONG"
	"mkdir through a 4096-byte path|ENAMETOOLONG"
	"symlink to a 4095-byte target|OK"
	"readlink gives the 4095 bytes back|True"
	"lstat size of that symlink|4095"
	"read through that symlink|deep"
	"symlink to a 4096-byte target|ENAMETOOLONG"
	"symlink to a 5000-byte target|ENAMETOOLONG"
	"pwrite 4096 bytes at 1 MiB - 100|100"
	"pwrite 1 byte at 1 MiB|EFBIG"
	"ftruncate to 1 MiB + 1|EFBIG"
	"truncate(2) to 2 MiB|EFBIG"
	"ftruncate to 1 MiB|OK"
	"append at 1 MiB|EFBIG"
	"size at the end|1048576"
)
MANY=(
	"create 100000 files|100000 made"
	"ls -f, counted by wc -l (with . and ..)|100002"
	"every 100th stats as a regular file|1000 of 1000"
	"directory link count with them|2"
	"unlink them all|100000 removed"
	"the directory is then empty|0"
	"and has 2 links|2"
)

# --- a deep tree -------------------------------------------------------------
DEEP_N=1000

# find sees every level and the file at the bottom (read with -execdir:
# its whole path is longer than PATH_MAX).
deep_find() {
	local dirs bottom dir rc=0
	for dir in "$R" "$C"; do
		dirs=$(find "$dir/deep" -mindepth 1 -type d | wc -l)
		bottom=$(find "$dir/deep" -name bottom -execdir cat {} \;)
		echo "$dir: $dirs directories, bottom file: '$bottom'"
		[ "$dirs" = "$DEEP_N" ] && [ "$bottom" = "at the bottom" ] || rc=1
	done
	return "$rc"
}

deep_rm() {
	local dir rc=0
	for dir in "$R" "$C"; do
		rm -rf "$dir/deep" || rc=1
		[ ! -e "$dir/deep" ] || rc=1
		echo "$dir after rm -rf: $(ls -A "$dir" | tr '\n' ' ')"
	done
	return "$rc"
}

# --- user namespaces -----------------------------------------------------------
# ns_start FSTYPE WHO DIR: a process that mounts FSTYPE on DIR in a new user
# and mount namespace, tries mknod of /dev/null's device and of a FIFO there,
# puts a set-user-ID copy of id(1) in it, and waits. WHO is root (unshare
# -Urm as root: the namespace's root is the real root) or nobody (uid 65534
# makes its own namespace, where it is root). Sets NS_PID; the inside's
# output is in DIR.out.
NS_PID=
ns_start() {
	local fs=$1 who=$2 dir=$3
	local pre=()
	[ "$who" = root ] || pre=(setpriv --reuid 65534 --regid 65534 --clear-groups --)
	mkdir -p "$dir"
	: >"$dir.out"
	"${pre[@]}" unshare -Urm bash -c '
		mount -t "$1" -o mode=0755 ns "$2" || exit
		"$3" -S -m ramfstest.sysop mknod "$2/null" 020666 1 3 \; mknod "$2/fifo" 010644
		cp /usr/bin/id "$2/id" && chmod 4755 "$2/id" && stat -c "id: %A %u" "$2/id"
		echo READY
		exec sleep 300' sh "$fs" "$dir" "$_SYSOP_PYTHON" >"$dir.out" 2>&1 &
	NS_PID=$!
	wait_ready "$dir.out" "$NS_PID" && return 0
	cat "$dir.out"
	return 1
}

# Also on exit: the namespace's process holds its mount.
trap 'ns_stop; _lib_cleanup' EXIT
ns_stop() {
	[ -z "$NS_PID" ] || kill "$NS_PID" 2>/dev/null
	wait "$NS_PID" 2>/dev/null
	NS_PID=
}

# run_suid PATH USER: run PATH (a set-user-ID id(1)) as USER through a file
# descriptor root opened (USER may not look into another user's
# /proc/PID/root); prints the effective uid.
run_suid() {
	local out
	exec 8<"$1" || return
	out=$(setpriv --reuid "$2" --regid "$2" --clear-groups -- /proc/self/fd/8 -u 2>&1)
	exec 8<&-
	echo "$out"
}

# For both file systems, the namespace as WHO; NS_OUT.FS lines:
#   inside: what the namespace printed (mknod results, the id copy)
#   devnode: real root's mknod of /dev/null's device and an open(2) of it
#   suid: the effective uid of id as uid 65533
NS_OUT=$SCRATCH/ns
ns_run() { # WHO
	local fs tag root
	for fs in "$RAMFS_NAME" ramfs; do
		tag=rust
		[ "$fs" = "$RAMFS_NAME" ] || tag=ramfs
		: >"$NS_OUT.$1.$tag"
		ns_start "$fs" "$1" "$SCRATCH/ns-$1-$tag" || {
			echo "namespace did not start" >>"$NS_OUT.$1.$tag"
			ns_stop
			continue
		}
		root=/proc/$NS_PID/root$SCRATCH/ns-$1-$tag
		{
			echo "inside: $(grep -v READY "$SCRATCH/ns-$1-$tag.out" | tr '\n' ' ')"
			if [ "$1" = root ]; then
				echo "devnode: $(sysop mknod "$root/null2" 020666 1 3 \; read "$root/null2" | tr '\n' ' ')"
			fi
			echo "owner: $(stat -c %u "$root/id")"
			echo "suid: $(run_suid "$root/id" 65533)"
		} >>"$NS_OUT.$1.$tag"
		ns_stop
	done
}

ns_same() { # WHO KEY EXPECTED
	local got ref
	got=$(grep -m1 "^$2: " "$NS_OUT.$1.rust")
	ref=$(grep -m1 "^$2: " "$NS_OUT.$1.ramfs")
	echo "rust_ramfs: ${got:-(no such line)}"
	echo "ramfs:      ${ref:-(no such line)}"
	[ "$got" = "$2: $3" ] && [ "$ref" = "$2: $3" ]
}

# The controls, on the mounts of the initial namespace: real root's device
# node opens, and the set-user-ID copy of id does run as its owner.
controls() {
	local rc=0 dir out
	for dir in "$R" "$C"; do
		out=$(sysop mknod "$dir/null" 020666 1 3 \; read "$dir/null" | tr '\n' ' ')
		cp /usr/bin/id "$dir/id" && chmod 4755 "$dir/id" || rc=1
		out+="suid id as 65533: $(run_suid "$dir/id" 65533)"
		echo "$dir: $out"
		[ "$out" = "OK OK suid id as 65533: 0" ] || rc=1
		rm -f "$dir/null" "$dir/id"
	done
	return "$rc"
}

# --- the plan ----------------------------------------------------------------

ktap_begin

dmesg_mark
run_both probe
for entry in "${PROBES[@]}"; do
	expect_ok "${entry%%|*}: ${entry#*|}, as ramfs" same "${entry%%|*}" "${entry#*|}"
done

# On the debug kernel the C ramfs is left out here (its half takes minutes
# there, and every expected figure is absolute).
many_fs=(rust ramfs) many_check=same as_ramfs=", as ramfs"
[ "${RAMFS_FLAVOUR:-test}" != debug ] || many_fs=(rust) many_check=ours as_ramfs=
run_both many "${many_fs[@]}"
for entry in "${MANY[@]}"; do
	expect_ok "100 000 entries: ${entry%%|*}: ${entry#*|}$as_ramfs" "$many_check" "${entry%%|*}" "${entry#*|}"
done

# 5
run_both deep
expect_ok "mkdir $DEEP_N levels deep, as ramfs" same "mkdir $DEEP_N levels" "$DEEP_N"
expect_ok "getcwd at depth $DEEP_N (path over PATH_MAX), as ramfs" \
	same "getcwd at depth $DEEP_N" "$((DEEP_N * 9))"
expect_ok "a directory in the deep tree has 3 links, as ramfs" same "link count of a middle directory" 3
expect_ok "find walks all $DEEP_N levels and reads the bottom file" deep_find
expect_ok "rm -rf removes the deep tree" deep_rm

# 1
expect_ok "controls: a device node opens and a set-user-ID id runs as root on a normal mount" controls

# 6
ns_run root
expect_ok "userns (root-mapped) mount: mknod of a char device EPERM, a FIFO works, as ramfs" \
	ns_same root inside "EPERM OK id: -rwsr-xr-x 0 "
expect_ok "userns (root-mapped) mount: real root's device node there cannot be opened (EACCES), as ramfs" \
	ns_same root devnode "OK EACCES "
expect_ok "userns (root-mapped) mount: a set-user-ID-root id run from outside keeps the caller's uid, as ramfs" \
	ns_same root suid 65533
ns_run nobody
expect_ok "userns of uid 65534: mknod of a char device EPERM, a FIFO works, as ramfs" \
	ns_same nobody inside "EPERM OK id: -rwsr-xr-x 0 "
expect_ok "userns of uid 65534: its set-user-ID id run by uid 65533 from outside gives no privilege, as ramfs" \
	ns_same nobody suid 65533
expect_ok "userns of uid 65534: its namespace's root is 65534 outside (the id copy's owner), as ramfs" \
	ns_same nobody owner 65534

# 1
expect_no_splat "no kernel warnings, oopses or panics"

ktap_finished
