#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mounting: mount and umount, the mode= option and how /proc/mounts shows it,
# malformed options (about 80 strings: empty, negative, overflowing, not
# octal, 4 KiB long, repeated, unknown, bad size= and nr_inodes= values (more
# in bounded.sh); each refused with EINVAL and a message
# naming the option, through mount(8), mount(2) and fsopen/fsconfig), option
# strings the kernel's splitting accepts (stray commas, the last of a
# repeated option wins; size= and nr_inodes= as /proc/mounts shows them),
# remount with another mode= (applied live), source= given twice, as a flag
# or very long, statfs,
# who owns the root (also in a user namespace). The C ramfs is mounted
# alongside as the reference where a result depends on the kernel. (How
# mounts pin the module is module.sh's.)
# Its cases umount right after mounting: stress-ng.sh runs stress-ng in a
# mount namespace of its own, so that its fanotify stressor (which marks every
# mount and holds the files of its events open) cannot make them EBUSY.
# timeout=600
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

# Others (fsuid 1234, uid 65534) must be able to reach mount points in here.
chmod 755 "$SCRATCH"
MNT=$SCRATCH/mnt
mkdir -p "$MNT"

# --- a python helper for the system calls mount(8) does not expose ---------
PY=$SCRATCH/mnt.py
cat >"$PY" <<'EOF'
import ctypes, errno, os, subprocess, sys
from sysconst import (AT_FDCWD, FSCONFIG_CMD_CREATE, FSCONFIG_SET_FLAG, FSCONFIG_SET_STRING,
                      FSMOUNT_CLOEXEC, FSOPEN_CLOEXEC, MOVE_MOUNT_F_EMPTY_PATH, MS_REMOUNT)

libc = ctypes.CDLL(None, use_errno=True)
L = ctypes.c_long


def ename(e):
    return errno.errorcode.get(e, str(e))


def b(s):
    return None if s is None else s.encode()


def err(what):
    return f"{what}: errno={ename(ctypes.get_errno())}"


def mount2(fstype, src, tgt, data):
    """mount(2); None for NULL. Returns (ok, output)."""
    if libc.mount(b(src), b(tgt), b(fstype), L(0), b(data)) != 0:
        return False, err("mount")
    return True, "mounted"


def fsmount(fstype, opts, tgt):
    """fsopen, one fsconfig per comma-separated option (key=value:
    SET_STRING, key: SET_FLAG), CMD_CREATE, fsmount, move_mount. Returns
    (ok, output with the context's log)."""
    fd = libc.fsopen(b(fstype), FSOPEN_CLOEXEC)
    if fd < 0:
        return False, err("fsopen")
    out = []

    def log():
        while True:
            try:
                m = os.read(fd, 4096)
            except OSError:
                return
            out.append("log: " + m.decode(errors="replace").rstrip("\n"))

    def step(what, r):
        if r < 0:
            out.append(err(what))
            log()
            raise OSError()
        return r

    try:
        for opt in opts.split(",") if opts else []:
            k, eq, v = opt.partition("=")
            if eq:
                step(f"fsconfig({opt})", libc.fsconfig(fd, FSCONFIG_SET_STRING, b(k), b(v), 0))
            else:
                step(f"fsconfig({opt})", libc.fsconfig(fd, FSCONFIG_SET_FLAG, b(k), None, 0))
        step("fsconfig(CMD_CREATE)", libc.fsconfig(fd, FSCONFIG_CMD_CREATE, None, None, 0))
        mfd = step("fsmount", libc.fsmount(fd, FSMOUNT_CLOEXEC, 0))
        step("move_mount", libc.move_mount(mfd, b"", AT_FDCWD, b(tgt), MOVE_MOUNT_F_EMPTY_PATH))
        os.close(mfd)
        log()
        out.append("mounted")
        return True, "\n".join(out)
    except OSError:
        return False, "\n".join(out)
    finally:
        os.close(fd)


cmd, args = sys.argv[1], sys.argv[2:]

if cmd == "mount2":
    # mount2 FSTYPE SOURCE TARGET DATA ("-" = NULL). FSUID/FSGID in the
    # environment: call setfsuid/setfsgid first (CAP_SYS_ADMIN stays).
    if "FSGID" in os.environ:
        libc.setfsgid(int(os.environ["FSGID"]))
    if "FSUID" in os.environ:
        libc.setfsuid(int(os.environ["FSUID"]))
    ok, out = mount2(*[None if a == "-" else a for a in args])
    print(out)
    sys.exit(0 if ok else 1)

elif cmd == "remount":
    # remount TARGET DATA: mount(2) with MS_REMOUNT.
    if libc.mount(None, b(args[0]), None, L(MS_REMOUNT), b(args[1])) != 0:
        print(err("mount"))
        sys.exit(1)
    print("remounted")

elif cmd == "fsmount":
    # fsmount FSTYPE OPTS TARGET
    ok, out = fsmount(*args)
    print(out)
    sys.exit(0 if ok else 1)

elif cmd == "batch":
    # batch FSTYPE DIR TARGET OPTS...: for option string number i, into
    # DIR/i.*: mount(2) of FSTYPE (after a mark in the kernel log), the same
    # through fsopen/fsconfig with its log, and mount(2) of the C ramfs.
    fstype, out, tgt, optlist = args[0], args[1], args[2], args[3:]

    def umount():
        subprocess.run(["umount", tgt], capture_output=True)

    for i, opts in enumerate(optlist):
        with open("/dev/kmsg", "w") as k:
            k.write(f"rust_ramfs-test: mount.sh mark {i}\n")
        for name, fn, a in (("mount2", mount2, (fstype, "none", tgt, opts)),
                            ("fsconfig", fsmount, (fstype, opts, tgt)),
                            ("ramfs", mount2, ("ramfs", "none", tgt, opts))):
            if name == "ramfs":
                with open("/dev/kmsg", "w") as k:
                    k.write(f"rust_ramfs-test: mount.sh mark {i} ramfs\n")
            ok, o = fn(*a)
            if ok:
                umount()
            with open(f"{out}/{i}.{name}", "w") as f:
                f.write(o + "\n")
    with open("/dev/kmsg", "w") as k:
        k.write(f"rust_ramfs-test: mount.sh mark {len(optlist)}\n")

elif cmd == "accepted":
    # accepted FSTYPE TARGET OPTS...: for each option string, mount(2) of
    # FSTYPE with it, print "OPTS-NUMBER ROOT-MODE /proc/mounts-OPTIONS" (or
    # the errno), unmount.
    import stat
    fstype, tgt, optlist = args[0], args[1], args[2:]
    for i, opts in enumerate(optlist):
        ok, o = mount2(fstype, "none", tgt, opts)
        if ok:
            mode = stat.filemode(os.stat(tgt).st_mode)
            shown = [l.split()[3] for l in open("/proc/mounts") if l.split()[1] == tgt]
            o = f"{mode} {shown[-1] if shown else '?'}"
            subprocess.run(["umount", tgt], capture_output=True)
        print(f"{i} {o}")

elif cmd == "source_games":
    # source_games FSTYPE TARGET: the source given twice, as a flag, and
    # very long, through fsconfig and mount(2); one line each.
    fstype, tgt = args

    def umount():
        subprocess.run(["umount", tgt], capture_output=True)

    def shown_source():
        s = [l.split()[0] for l in open("/proc/mounts") if l.split()[1] == tgt]
        return f"source of {len(s[-1])} bytes" if s else "not in /proc/mounts"

    import re

    def short(o):
        return re.sub(r"s{20,}", lambda m: f"<{len(m.group())} x s>", o)

    def fsc(label, opts):
        ok, o = fsmount(fstype, opts, tgt)
        if ok:
            o = o.replace("\n", "; ") + ", " + shown_source()
            umount()
        print(f"{label}: " + short(o.replace("\n", "; ")))

    fsc("fsconfig source twice", "source=one,source=two")
    fsc("fsconfig source as a flag", "source")
    fsc("fsconfig source of 255 bytes", "source=" + "s" * 255)
    fsc("fsconfig source of 256 bytes", "source=" + "s" * 256)
    for n in (4095, 4096):
        ok, o = mount2(fstype, "s" * n, tgt, None)
        if ok:
            o += ", " + shown_source()
            umount()
        print(f"mount(2) source argument of {n} bytes: {o}")
    ok, o = mount2(fstype, None, tgt, "source=" + "s" * 4000)
    if ok:
        o += ", " + shown_source()
        umount()
    print(f"mount(2) source= option of 4000 bytes: {o}")

else:
    sys.exit(f"unknown command {cmd}")
EOF

# The interpreter every script uses in the guest (lib.sh), without site
# start-up: python starts slowly under TCG.
mnt_py() { "$_SYSOP_PYTHON" -S "$PY" "$@"; }

# --- helpers ---------------------------------------------------------------

is_mounted() { mountpoint -q "$1"; }

# The /proc/mounts fields of the mount on DIR: "SOURCE FSTYPE OPTIONS".
mount_fields() { awk -v d="$1" '$2 == d { f = $1 " " $3 " " $4 } END { print f }' /proc/mounts; }
mount_opts() { mount_fields "$1" | awk '{ print $3 }'; }
# The mode=... option shown for DIR, or "none".
shown_mode() {
	local m
	m=$(mount_opts "$1" | tr , '\n' | grep '^mode=')
	echo "${m:-none}"
}

# Unmount DIR if it is mounted (no test case).
cleanup_mnt() { ! is_mounted "$1" || umount "$1"; }

# --- mounting and unmounting -------------------------------------------

mount_plain() {
	mount -t "$RAMFS_NAME" none "$MNT" && is_mounted "$MNT" &&
		[ "$(mount_fields "$MNT" | awk '{ print $2 }')" = "$RAMFS_NAME" ]
}

root_is_empty() {
	local l
	l=$(ls -A "$MNT") && echo "ls -A: '$l'" && [ -z "$l" ]
}

stat_f_magic() {
	local t
	t=$(stat -f -c %t "$1") && echo "magic of $1: $t" && [ "$t" = "$2" ]
}

# statfs: page-sized blocks and names up to 255 bytes, as the C ramfs; but
# where ramfs reports no counts (simple_statfs), a rust_ramfs mount without
# size= or nr_inodes= counts what is free from MemAvailable and what is used
# exactly: nothing but the root inode here (bounded.sh checks the numbers).
statfs_fields() {
	local ours ref b f a c d
	ours=$(stat -f -c 'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a files=%c ffree=%d namelen=%l' "$MNT") &&
		ref=$(stat -f -c 'bsize=%s frsize=%S blocks=%b bfree=%f bavail=%a files=%c ffree=%d namelen=%l' "$SCRATCH/ref") &&
		echo "rust_ramfs: $ours" && echo "ramfs:      $ref" &&
		[ "$ref" = "bsize=4096 frsize=4096 blocks=0 bfree=0 bavail=0 files=0 ffree=0 namelen=255" ] &&
		read -r b f a c d < <(stat -f -c '%b %f %a %c %d' "$MNT") &&
		[ "$(stat -f -c '%s %S %l' "$MNT")" = "4096 4096 255" ] &&
		[ "$f" -gt 0 ] && [ "$b" = "$f" ] && [ "$a" = "$f" ] && [ $((c - d)) = 1 ]
}

write_umount_remount_empty() {
	mount -t "$RAMFS_NAME" none "$MNT" && echo data >"$MNT/file" && umount "$MNT" && ! is_mounted "$MNT" &&
		[ ! -e "$MNT/file" ] && mount -t "$RAMFS_NAME" none "$MNT" &&
		[ -z "$(ls -A "$MNT")" ] && umount "$MNT"
}

two_mounts_independent() {
	local a=$SCRATCH/a b=$SCRATCH/b rc=0
	mkdir -p "$a" "$b"
	mount -t "$RAMFS_NAME" none "$a" && mount -t "$RAMFS_NAME" none "$b" || return
	echo one >"$a/f" && [ ! -e "$b/f" ] &&
		[ "$(stat -c %d "$a")" != "$(stat -c %d "$b")" ] || rc=1
	umount "$a"
	umount "$b"
	return "$rc"
}

umount_busy() {
	local rc=0 pid
	mount -t "$RAMFS_NAME" none "$MNT" || return
	(cd "$MNT" && exec sleep 30) &
	pid=$!
	sleep 0.5
	# Expect: "target is busy", the mount still there.
	if umount "$MNT"; then rc=1; fi
	is_mounted "$MNT" || rc=1
	kill "$pid"
	wait "$pid" 2>/dev/null
	umount "$MNT" || rc=1
	return "$rc"
}

ro_mount() {
	local rc=0
	mount -t "$RAMFS_NAME" -o ro none "$MNT" || return
	mount_opts "$MNT"
	if touch "$MNT/f" 2>"$SCRATCH/err"; then rc=1; fi
	cat "$SCRATCH/err"
	grep -q "$(errno_msg EROFS)" "$SCRATCH/err" || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

remount_ro_rw() {
	local rc=0
	mount -t "$RAMFS_NAME" none "$MNT" || return
	echo keep >"$MNT/f"
	mount -o remount,ro "$MNT" || rc=1
	if echo x 2>/dev/null >"$MNT/g"; then
		echo "write on a read-only remount succeeded"
		rc=1
	fi
	[ "$(cat "$MNT/f")" = keep ] || rc=1
	mount -o remount,rw "$MNT" || rc=1
	echo x >"$MNT/g" || rc=1
	[ "$(cat "$MNT/f")" = keep ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# Remount. The C ramfs has no reconfigure: `remount,mode=...` succeeds there
# and changes nothing. rust_ramfs applies a different mode live: the root
# directory's permissions and what /proc/mounts shows; the same mode again
# (mount(8) passes the current options on remount) is accepted too.
remount_other_mode() {
	local rc=0 out
	mount -t "$RAMFS_NAME" -o mode=0750 none "$MNT" || return
	out=$(mnt_py remount "$MNT" mode=0700)
	echo "remount mode=0700: $out"
	echo "root $(stat -c %a "$MNT"), shown $(shown_mode "$MNT")"
	[ "$out" = "remounted" ] || rc=1
	[ "$(stat -c %a "$MNT")" = 700 ] && [ "$(shown_mode "$MNT")" = mode=700 ] || rc=1
	mkdir -p "$SCRATCH/rm-ramfs"
	mount -t ramfs -o mode=0750 none "$SCRATCH/rm-ramfs" &&
		echo "C ramfs (diagnostic): remount mode=0700: $(mnt_py remount "$SCRATCH/rm-ramfs" mode=0700)," \
			"root $(stat -c %a "$SCRATCH/rm-ramfs")" && umount "$SCRATCH/rm-ramfs"
	umount "$MNT" || rc=1
	return "$rc"
}

remount_same_mode() {
	local rc=0
	mount -t "$RAMFS_NAME" -o mode=0750 none "$MNT" || return
	echo x >"$MNT/f"
	mount -o remount,ro "$MNT" || rc=1
	mount_opts "$MNT"
	[ "$(mount_opts "$MNT")" = ro,relatime,mode=750 ] || rc=1
	mount -o remount,rw,mode=0750 "$MNT" || rc=1
	mount_opts "$MNT"
	[ "$(mount_opts "$MNT")" = rw,relatime,mode=750 ] && [ "$(cat "$MNT/f")" = x ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# /proc/mounts shows the mode= given at mount time, not the root's current
# mode, as ramfs.
chmod_root_shown() {
	local fs dir rc=0 got
	for fs in "$RAMFS_NAME" ramfs; do
		dir=$SCRATCH/cr-$fs
		mkdir -p "$dir"
		mount -t "$fs" -o mode=0750 none "$dir" || return
		chmod 0700 "$dir"
		got="root $(stat -c %a "$dir"), shown $(shown_mode "$dir")"
		echo "$fs: $got"
		[ "$got" = "root 700, shown mode=750" ] || rc=1
		umount "$dir" || rc=1
	done
	return "$rc"
}

# --- mode= ---------------------------------------------------------------
# OPTIONS|ROOT MODE (stat %A)|SHOWN IN /proc/mounts
GOOD_MODES=(
	"|drwxr-xr-x|none"
	"mode=0700|drwx------|mode=700"
	"mode=700|drwx------|mode=700"
	"mode=1777|drwxrwxrwt|mode=1777"
	"mode=0755|drwxr-xr-x|none"
	"mode=00000755|drwxr-xr-x|none"
	"mode=7777|drwsrwsrwt|mode=7777"
	"mode=0|d---------|mode=0"
	"mode=2750|drwxr-s---|mode=2750"
	"mode=0700,mode=0711|drwx--x--x|mode=711"
)

# Mount rust_ramfs and ramfs with OPTS once; the three test cases per option
# look at what was seen: GOT_ROOT, GOT_SHOWN, GOT_OPTS, REF_OPTS.
GOT_ROOT='' GOT_SHOWN='' GOT_OPTS='' REF_OPTS=''
mount_with() {
	local opts=$1
	GOT_ROOT=unmounted GOT_SHOWN=unmounted GOT_OPTS=unmounted REF_OPTS=unmounted
	mkdir -p "$SCRATCH/ref2"
	if mount -t "$RAMFS_NAME" ${opts:+-o "$opts"} none "$MNT" 2>&1 | sed 's/^/# /'; is_mounted "$MNT"; then
		GOT_ROOT=$(stat -c %A "$MNT")
		GOT_SHOWN=$(shown_mode "$MNT")
		GOT_OPTS=$(mount_opts "$MNT")
		echo "# /proc/mounts: $(mount_fields "$MNT")"
		umount "$MNT"
	fi
	if mount -t ramfs ${opts:+-o "$opts"} none "$SCRATCH/ref2" 2>&1 | sed 's/^/# /'; is_mounted "$SCRATCH/ref2"; then
		REF_OPTS=$(mount_opts "$SCRATCH/ref2")
		umount "$SCRATCH/ref2"
	fi
}

is() { # NAME GOT WANT
	echo "$1: $2, expected $3"
	[ "$2" = "$3" ] && [ "$2" != unmounted ]
}

# --- malformed options -------------------------------------------------------
# Long strings: values and keys of 4 KiB (more than mount(2)'s one page of
# options, so the kernel sees its first 4095 bytes), and around fsconfig's
# limit of 255 bytes per key or value.
printf -v K4096 '%4096s' '' && K4096=${K4096// /k}
printf -v S7_255 '%255s' '' && S7_255=${S7_255// /7}
S7_256=${S7_255}7
S7_4096=${K4096//k/7}
S_4096=${K4096//k/s}
X_4096=${K4096//k/x}
P="$RAMFS_NAME: "
# OPTIONS|WHAT THE KERNEL LOGS|WHAT fsconfig LOGS (if not the same)
# The log lines are matched as substrings: the file system's messages start
# with "rust_ramfs: " (the context's prefix); the VFS's own about source=
# have no prefix. fsconfig(2) copies at most 255 bytes of a key or a value:
# longer ones it refuses (EINVAL) itself, before any parser, with nothing in
# the log ("-"). Each string goes through mount(8), mount(2) (source "none",
# so any source= is a second source) and fsopen/fsconfig (one call per
# comma-separated option: key=value as a string, key alone as a flag).
BAD_OPTS=(
	# empty values, flags with values, values missing
	"mode=|${P}Bad value for 'mode'"
	"mode|${P}Bad value for 'mode'"
	"mode=0700,mode=|${P}Bad value for 'mode'"
	"trace=|${P}Unexpected value for 'trace'"
	"trace=1|${P}Unexpected value for 'trace'"
	"trace=yes|${P}Unexpected value for 'trace'"
	"notrace=|${P}Unknown parameter 'notrace'"
	"notrace=0|${P}Unknown parameter 'notrace'"
	# negatives
	"mode=-1|${P}Bad value for 'mode'"
	"mode=-0|${P}Bad value for 'mode'"
	"mode=-755|${P}Bad value for 'mode'"
	"mode=-37777777777|${P}Bad value for 'mode'"
	# beyond 07777: parsed, refused by our own check (the C ramfs masks)
	"mode=10000|${P}mode="
	"mode=40755|${P}mode="
	"mode=170755|${P}mode="
	"mode=177777|${P}mode="
	"mode=200000|${P}mode="
	"mode=200755|${P}mode="
	"mode=20000000000|${P}mode="
	"mode=37777777777|${P}mode="
	# overflow: u32, u64
	"mode=40000000000|${P}Bad value for 'mode'"
	"mode=77777777777777|${P}Bad value for 'mode'"
	"mode=99999999999999|${P}Bad value for 'mode'"
	"mode=1777777777777777777777|${P}Bad value for 'mode'"
	"mode=2000000000000000000000|${P}Bad value for 'mode'"
	"mode=7777777777777777777777777777777|${P}Bad value for 'mode'"
	# not octal, hex, not a number
	"mode=8|${P}Bad value for 'mode'"
	"mode=9|${P}Bad value for 'mode'"
	"mode=0789|${P}Bad value for 'mode'"
	"mode=7a5|${P}Bad value for 'mode'"
	"mode=07OO|${P}Bad value for 'mode'"
	"mode=abc|${P}Bad value for 'mode'"
	"mode=0o755|${P}Bad value for 'mode'"
	"mode=0b111|${P}Bad value for 'mode'"
	"mode=1e3|${P}Bad value for 'mode'"
	"mode=7.5|${P}Bad value for 'mode'"
	"mode=700x|${P}Bad value for 'mode'"
	"mode=++700|${P}Bad value for 'mode'"
	"mode= 700|${P}Bad value for 'mode'"
	"mode=700 |${P}Bad value for 'mode'"
	"mode=700;trace|${P}Bad value for 'mode'"
	"mode=0x1ff|${P}Bad value for 'mode'"
	"mode=0X1FF|${P}Bad value for 'mode'"
	"mode=1ff|${P}Bad value for 'mode'"
	# long values and keys
	"mode=$S7_255|${P}Bad value for 'mode'"
	"mode=$S7_256|${P}Bad value for 'mode'|-"
	"mode=$S7_4096|${P}Bad value for 'mode'|-"
	"bogus=$X_4096|${P}Unknown parameter 'bogus'|-"
	"trace=$S7_4096|${P}Unexpected value for 'trace'|-"
	"$K4096|${P}Unknown parameter 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk|-"
	"$K4096=1|${P}Unknown parameter 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk|-"
	# repeated keys, the last one bad
	"mode=0700,mode=zz|${P}Bad value for 'mode'"
	"mode=0700,mode=800|${P}Bad value for 'mode'"
	"mode=0700,mode=0711,mode=-1|${P}Bad value for 'mode'"
	"mode=0700,mode=10000|${P}mode="
	"trace,trace=1|${P}Unexpected value for 'trace'"
	# size= and nr_inodes= (bounded.sh has many more)
	"size=|${P}Bad value for 'size'"
	"size|${P}Bad value for 'size'"
	"size=abc|${P}size="
	"size=1x|${P}size="
	"size=-1|${P}size="
	"size=16777216e|${P}size="
	"size=99999999999999999999999|${P}size="
	"nr_inodes=|${P}Bad value for 'nr_inodes'"
	"nr_inodes=10%|${P}nr_inodes="
	"nr_inodes=-1|${P}nr_inodes="
	"nr_inodes=99999999999999999999999|${P}nr_inodes="
	"size=1m,size=zz|${P}size="
	# unknown keys
	"bogus=1|${P}Unknown parameter 'bogus'"
	"mode=0700,nosuchopt|${P}Unknown parameter 'nosuchopt'"
	"MODE=700|${P}Unknown parameter 'MODE'"
	"mode =700|${P}Unknown parameter 'mode '"
	"modes=700|${P}Unknown parameter 'modes'"
	"mode:700|${P}Unknown parameter 'mode:700'"
	"nomode|${P}Unknown parameter 'nomode'"
	"nonotrace|${P}Unknown parameter 'nonotrace'"
	"uid=0|${P}Unknown parameter 'uid'"
	"gid=0|${P}Unknown parameter 'gid'"
	# source= games (the VFS's messages)
	"source|Non-string source"
	"source=one,source=two|Multiple sources"
	"mode=0700,source=a,source=a|Multiple sources"
	"source=$S_4096|Multiple sources|-"
)

# A long option string in a test case's name: its start and its length.
abbrev() {
	if [ "${#1}" -gt 48 ]; then
		echo "${1:0:32}...(${#1} bytes)"
	else
		echo "$1"
	fi
}

# All the mount(2) and fsconfig attempts run in one python process (python
# starts slowly under TCG), before the test cases that read their results.
BAD=$SCRATCH/bad
run_bad_batch() {
	local entry list=()
	mkdir -p "$BAD"
	for entry in "${BAD_OPTS[@]}"; do
		list+=("${entry%%|*}")
	done
	mnt_py batch "$RAMFS_NAME" "$BAD" "$MNT" "${list[@]}"
	dmesg >"$BAD/dmesg"
	split_dmesg
}

# After the batch: the kernel log of option string I on rust_ramfs (between
# its mark and the mark before the C ramfs gets it) in BAD/I.dmesg, split by
# one awk.
split_dmesg() {
	awk -v dir="$BAD" '
		/rust_ramfs-test: mount.sh mark [0-9]+$/ { f = dir "/" $NF ".dmesg"; printf "" >f; next }
		/rust_ramfs-test: mount.sh mark [0-9]+ ramfs$/ { f = ""; next }
		f != "" { print >f }' "$BAD/dmesg"
}

# show TEXT: TEXT as it is, each line cut at 200 characters.
show() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "${line:0:200}"
	done <<<"$1"
}

# mount(8) and mount(2) refuse option string number I (OPTS): non-zero
# exit, errno EINVAL, nothing mounted, and dmesg has the message MSG naming
# the option. (Few processes per case: each costs under TCG.)
bad_mount2() {
	local i=$1 opts=$2 msg=$3 rc=0 out log
	if mount -t "$RAMFS_NAME" -o "$opts" none "$MNT" 2>&1; then
		echo "mount(8) -o '$(abbrev "$opts")' succeeded"
		umount "$MNT"
		rc=1
	fi
	out=$(<"$BAD/$i.mount2")
	echo "mount(2): $out"
	[ "$out" = "mount: errno=EINVAL" ] || rc=1
	log=$(<"$BAD/$i.dmesg")
	echo "dmesg:"
	show "$log"
	[[ $log == *"$msg"* ]] || {
		echo "dmesg lacks '$(abbrev "$msg")'"
		rc=1
	}
	# The reference, for the record: the C ramfs ignores unknown options and
	# masks mode= to 07777.
	echo "C ramfs: $(<"$BAD/$i.ramfs")"
	return "$rc"
}

# The new mount API refuses OPTS with EINVAL and its log has MSG (which names
# the option); MSG "-": fsconfig refused it itself and logged nothing.
bad_fsconfig() {
	local i=$1 msg=$3 out rc=0 nl=$'\n'
	out=$(<"$BAD/$i.fsconfig")
	show "$out"
	[[ $out =~ (^|$nl)fsconfig\(.*\):\ errno=EINVAL($|$nl) ]] || rc=1
	if [ "$msg" = - ]; then
		[[ $out != *"log:"* ]] || rc=1
	else
		[[ $out == *"log: e $msg"* ]] || {
			echo "log lacks 'e $(abbrev "$msg")'"
			rc=1
		}
	fi
	return "$rc"
}

# --- option strings the kernel accepts -------------------------------------
# mount(2) hands the file system one option at a time: the kernel splits the
# string at commas, drops empty options and options with an empty key
# ("=0700"), and kstrtouint() takes a leading "+" and leading zeros. A
# repeated option is applied again: the last one wins. Each string goes
# through mount(8) and mount(2); not through fsconfig, which has no commas.
# mount(8) (libmount) refuses a string that starts with "=" itself ("unsupported
# option format"), before any system call: "|-" at the end of the entry.
# OPTIONS|ROOT MODE|/proc/mounts OPTIONS[|-]
printf -v Z4000 '%4000s' '' && Z4000=${Z4000// /0}
ACCEPTED_OPTS=(
	"mode=0700,,|drwx------|rw,relatime,mode=700"
	",mode=0700|drwx------|rw,relatime,mode=700"
	",,mode=0700,,,|drwx------|rw,relatime,mode=700"
	",|drwxr-xr-x|rw,relatime"
	"=0700|drwxr-xr-x|rw,relatime|-"
	"mode=0700,=0711|drwx------|rw,relatime,mode=700"
	"mode=0700,mode=0711|drwx--x--x|rw,relatime,mode=711"
	"mode=0700,mode=0755|drwxr-xr-x|rw,relatime"
	"notrace,trace|drwxr-xr-x|rw,relatime,trace"
	"trace,notrace|drwxr-xr-x|rw,relatime"
	"trace,trace|drwxr-xr-x|rw,relatime,trace"
	"mode=0700,trace|drwx------|rw,relatime,mode=700,trace"
	"mode=+700|drwx------|rw,relatime,mode=700"
	"mode=0000000000000000000000700|drwx------|rw,relatime,mode=700"
	"mode=${Z4000}700|drwx------|rw,relatime,mode=700"
	"ro,mode=0700|drwx------|ro,relatime,mode=700"
	"size=1m|drwxr-xr-x|rw,relatime,size=1024k"
	"nr_inodes=10|drwxr-xr-x|rw,relatime,nr_inodes=10"
	"mode=0700,size=4097,nr_inodes=1k|drwx------|rw,relatime,mode=700,size=8k,nr_inodes=1024"
	"size=1m,size=0,nr_inodes=0|drwxr-xr-x|rw,relatime"
)

# mount(2) of every accepted string on rust_ramfs, then on the C ramfs, in
# one python process: lines "I ROOT OPTIONS" in ACC/rust and ACC/ramfs.
ACC=$SCRATCH/acc
run_accepted_batch() {
	local entry list=()
	mkdir -p "$ACC"
	for entry in "${ACCEPTED_OPTS[@]}"; do
		list+=("${entry%%|*}")
	done
	mnt_py accepted "$RAMFS_NAME" "$MNT" "${list[@]}" >"$ACC/rust"
	mnt_py accepted ramfs "$MNT" "${list[@]}" >"$ACC/ramfs"
}

# accepted_mount8 OPTS ROOT SHOWN: mount(8) -o OPTS gives root mode ROOT and
# the options SHOWN.
accepted_mount8() {
	local rc=0 out
	if [ "${4:-}" = - ]; then
		out=$(mount -t "$RAMFS_NAME" -o "$1" none "$MNT" 2>&1) && rc=1
		echo "$out"
		cleanup_mnt "$MNT"
		[[ $out == *"unsupported option format"* ]] || rc=1
		return "$rc"
	fi
	mount_with "$1"
	is root "$GOT_ROOT" "$2" || rc=1
	is options "$GOT_OPTS" "$3" || rc=1
	echo "(C ramfs: $REF_OPTS)"
	return "$rc"
}

# accepted_mount2 I ROOT SHOWN: the same through mount(2) (the batch).
accepted_mount2() {
	local got
	got=$(sed -n "s/^$1 //p" "$ACC/rust")
	echo "(C ramfs: $(sed -n "s/^$1 //p" "$ACC/ramfs"))"
	is "root and options" "$got" "$2 $3"
}

# --- source= games -----------------------------------------------------------
# LINE OF source_games: the same on rust_ramfs and on the C ramfs.
SOURCE_GAMES=(
	"fsconfig source twice: fsconfig(source=two): errno=EINVAL; log: e Multiple sources"
	"fsconfig source as a flag: fsconfig(source): errno=EINVAL; log: e Non-string source"
	"fsconfig source of 255 bytes: mounted, source of 255 bytes"
	"fsconfig source of 256 bytes: fsconfig(source=<256 x s>): errno=EINVAL"
	"mount(2) source argument of 4095 bytes: mounted, source of 4095 bytes"
	"mount(2) source argument of 4096 bytes: mount: errno=EINVAL"
	"mount(2) source= option of 4000 bytes: mounted, source of 4000 bytes"
)
run_source_games() {
	mnt_py source_games "$RAMFS_NAME" "$MNT" >"$ACC/src-rust"
	mnt_py source_games ramfs "$MNT" >"$ACC/src-ramfs"
	cleanup_mnt "$MNT"
}
source_game() { # I EXPECTED
	local got ref
	got=$(sed -n "$(($1 + 1))p" "$ACC/src-rust")
	ref=$(sed -n "$(($1 + 1))p" "$ACC/src-ramfs")
	echo "rust_ramfs: $got"
	echo "ramfs:      $ref"
	[ "$got" = "$2" ] && [ "$ref" = "$2" ]
}

# --- source name -------------------------------------------------------------

source_arg() {
	local rc=0
	mount -t "$RAMFS_NAME" my-ram-dev "$MNT" || return
	echo "/proc/mounts: $(mount_fields "$MNT")"
	[ "$(mount_fields "$MNT" | awk '{ print $1 }')" = my-ram-dev ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

source_option() {
	local rc=0
	mnt_py mount2 "$RAMFS_NAME" - "$MNT" source=from-option || return
	echo "/proc/mounts: $(mount_fields "$MNT")"
	[ "$(mount_fields "$MNT" | awk '{ print $1 }')" = from-option ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

source_fsconfig() {
	local rc=0
	mnt_py fsmount "$RAMFS_NAME" source=via-fsconfig,mode=0711 "$MNT" || return
	echo "/proc/mounts: $(mount_fields "$MNT")"
	[ "$(mount_fields "$MNT")" = "via-fsconfig $RAMFS_NAME rw,relatime,mode=711" ] &&
		[ "$(stat -c %a "$MNT")" = 711 ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# A source argument and a source= option: "VFS: Multiple sources", as ramfs.
two_sources() {
	local out ref
	out=$(mnt_py mount2 "$RAMFS_NAME" dev1 "$MNT" source=dev2)
	cleanup_mnt "$MNT"
	ref=$(mnt_py mount2 ramfs dev1 "$MNT" source=dev2)
	cleanup_mnt "$MNT"
	echo "rust_ramfs: $out; ramfs: $ref"
	[ "$out" = "mount: errno=EINVAL" ] && [ "$out" = "$ref" ]
}

# --- owner -------------------------------------------------------------------

root_owner() {
	local rc=0 got
	mount -t "$RAMFS_NAME" none "$MNT" || return
	got=$(stat -c %u:%g "$MNT")
	echo "root owned by $got"
	[ "$got" = 0:0 ] || rc=1
	umount "$MNT" || rc=1
	return "$rc"
}

# Root with fsuid 1234 and fsgid 4321 (setfsuid keeps CAP_SYS_ADMIN): the root
# directory belongs to the mounter's fsuid:fsgid, as in ramfs.
root_owner_fsuid() {
	local fs got want="1234:4321" rc=0
	for fs in "$RAMFS_NAME" ramfs; do
		FSUID=1234 FSGID=4321 mnt_py mount2 "$fs" none "$MNT" mode=0750 || return
		got=$(stat -c %u:%g "$MNT")
		echo "$fs: root owned by $got, expected $want"
		[ "$got" = "$want" ] || rc=1
		umount "$MNT" || rc=1
	done
	return "$rc"
}

# In a new user and mount namespace (unshare -Urm) as root: the mount works
# and the root is uid 0.
userns_root() {
	local out
	out=$(unshare -Urm sh -c 'mount -t "$1" -o mode=0750 ns-dev "$2" && stat -c "%u:%g %a" "$2" &&
		echo hi >"$2/f" && cat "$2/f" && grep " $2 " /proc/mounts' sh "$RAMFS_NAME" "$MNT")
	echo "$out"
	is_mounted "$MNT" && return 1 # must stay inside the namespace
	[ "$out" = "0:0 750
hi
ns-dev $MNT $RAMFS_NAME rw,relatime,mode=750 0 0" ]
}

# An unprivileged user (uid/gid 65534) mounts in its own user namespace:
# inside, the root is 0:0; seen from outside (through /proc/PID/root), it
# and the files made in it belong to 65534:65534.
USERNS_PID=
userns_unprivileged() {
	local dir=$SCRATCH/uns out=$SCRATCH/uns.out inside outside rc=0
	mkdir -p "$dir"
	: >"$out"
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		unshare -Urm sh -c 'mount -t "$1" -o mode=0750 uns "$2" && stat -c "%u:%g %a" "$2" &&
			echo data >"$2/f" && stat -c "%u:%g" "$2/f" && echo READY && exec sleep 60' \
		sh "$RAMFS_NAME" "$dir" >"$out" 2>&1 &
	USERNS_PID=$!
	wait_ready "$out" "$USERNS_PID" 100
	inside=$(grep -v READY "$out" | tr '\n' ' ')
	outside="$(stat -c '%u:%g %a' "/proc/$USERNS_PID/root$dir" 2>&1) $(stat -c %u:%g "/proc/$USERNS_PID/root$dir/f" 2>&1)"
	echo "inside:  $inside"
	echo "outside: $outside"
	[ "$inside" = "0:0 750 0:0 " ] || rc=1
	[ "$outside" = "65534:65534 750 65534:65534" ] || rc=1
	return "$rc"
}

# The namespace's process ends, and its mount with it.
userns_done() {
	[ -z "$USERNS_PID" ] || kill "$USERNS_PID" 2>/dev/null
	wait "$USERNS_PID" 2>/dev/null
	USERNS_PID=
}

# --- the plan ----------------------------------------------------------------

ktap_begin

# 18
expect_ok "mount -t $RAMFS_NAME with no options" mount_plain
expect_ok "the new root directory is empty" root_is_empty
expect_ok "stat -f shows the magic 72757374 (rust)" stat_f_magic "$MNT" 72757374
fs_mount ramfs "$SCRATCH/ref"
expect_ok "stat -f on the C ramfs shows 858458f6" stat_f_magic "$SCRATCH/ref" 858458f6
expect_ok "statfs: 4096-byte blocks, namelen 255 (as ramfs); free from MemAvailable, only the root used" statfs_fields
expect_ok "umount" umount "$MNT"
expect_ok "umount: the mount point is no longer a mount" eval '! is_mounted "$MNT"'
expect_ok "umount drops the files; a new mount is empty" write_umount_remount_empty
expect_ok "two mounts are two separate file systems" two_mounts_independent
expect_ok "umount of a busy mount fails and keeps it" umount_busy
expect_ok "mount -o ro refuses writes with EROFS" ro_mount
expect_ok "remount,ro then remount,rw" remount_ro_rw
expect_ok "remount with another mode= applies it live: root and /proc/mounts" remount_other_mode
expect_ok "remount ro / rw with the same mode= is accepted" remount_same_mode
expect_ok "chmod of the root: /proc/mounts keeps the mount's mode=, as ramfs" chmod_root_shown
expect_ok "a device-name argument is the source in /proc/mounts" source_arg
expect_ok "mount(2) with only source= in the options" source_option
expect_ok "fsconfig source= and mode= through the new mount API" source_fsconfig

for entry in "${GOOD_MODES[@]}"; do
	IFS='|' read -r opts root shown <<<"$entry"
	mount_with "$opts"
	expect_ok "-o '${opts}': root is $root" is root "$GOT_ROOT" "$root"
	expect_ok "-o '${opts}': /proc/mounts shows $shown" is shown "$GOT_SHOWN" "$shown"
	expect_ok "-o '${opts}': /proc/mounts options are those of ramfs" is "options (ramfs's)" "$GOT_OPTS" "$REF_OPTS"
done

run_bad_batch
i=0
for entry in "${BAD_OPTS[@]}"; do
	IFS='|' read -r opts msg fmsg <<<"$entry"
	expect_ok "mount -o '$(abbrev "$opts")' is refused: EINVAL, dmesg names it" bad_mount2 "$i" "$opts" "$msg"
	if [ "${fmsg:-$msg}" = - ]; then
		expect_ok "fsconfig '$(abbrev "$opts")' is refused by fsconfig(2): EINVAL, nothing logged" \
			bad_fsconfig "$i" "$opts" -
	else
		expect_ok "fsconfig '$(abbrev "$opts")' is refused: EINVAL, the log names it" \
			bad_fsconfig "$i" "$opts" "${fmsg:-$msg}"
	fi
	i=$((i + 1))
done

run_accepted_batch
i=0
for entry in "${ACCEPTED_OPTS[@]}"; do
	IFS='|' read -r opts root shown mount8 <<<"$entry"
	if [ "$mount8" = - ]; then
		expect_ok "mount -o '$opts' is refused by mount(8) itself (unsupported option format)" \
			accepted_mount8 "$opts" "$root" "$shown" -
	else
		expect_ok "mount -o '$(abbrev "$opts")' is accepted: root $root, options $shown" \
			accepted_mount8 "$opts" "$root" "$shown"
	fi
	expect_ok "mount(2) '$(abbrev "$opts")' is accepted: root $root, options $shown" \
		accepted_mount2 "$i" "$root" "$shown"
	i=$((i + 1))
done

run_source_games
i=0
for entry in "${SOURCE_GAMES[@]}"; do
	expect_ok "${entry%%: *}: as ramfs" source_game "$i" "$entry"
	i=$((i + 1))
done

# 5
expect_ok "a source argument and source= together: EINVAL, as ramfs" two_sources
expect_ok "the root belongs to the mounter (0:0)" root_owner
expect_ok "the root belongs to the mounter's fsuid:fsgid, as ramfs" root_owner_fsuid
expect_ok "unshare -Urm: mount works, root is 0:0 in the namespace" userns_root
expect_ok "unprivileged user namespace mount: 0:0 inside, 65534 outside" userns_unprivileged
userns_done

ktap_finished
