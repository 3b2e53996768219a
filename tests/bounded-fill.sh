#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded memory, filled: a mount filled to its size= with write(2)
# (ENOSPC, a partial write, every byte before the limit reads back), dd,
# mmap (SIGBUS on a fault that needs a new page), splice(2), many small
# files (ENOSPC from write once the pages are used) and O_TMPFILE; to its
# nr_inodes= (ENOSPC from create, mkdir, symlink, mknod, O_TMPFILE); space
# and inodes given back exactly by truncate, unlink (at the last close) and
# close of an O_TMPFILE; live remount of a mount in use (grow, shrink to and
# above the usage, a refused shrink that changes nothing, mode=,
# nr_inodes=). Where the answer is the kernel's (partial writes, SIGBUS,
# ENOSPC from the VFS paths), tmpfs, which has the same options and
# semantics, runs the same check in the same boot. How the options parse
# and statfs are bounded.sh's. The Python side:
# tests/ramfstest/bounded_fill.py.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
umask 022
R=$SCRATCH/rust T=$SCRATCH/tmpfs D=$SCRATCH/rm

# both OPTS: fresh rust_ramfs on R and tmpfs on T with the same options.
both() { fs_fresh "$RAMFS_NAME" "$R" "$1" && fs_fresh tmpfs "$T" "$1"; }

# run_on DIR COMMAND: the Python check COMMAND on DIR (for expect_like_ref).
run_on() { tpy bounded_fill "$2" "$1"; }

# --- remount --------------------------------------------------------------------

# state: what /proc/mounts shows (size=, nr_inodes=, mode=; sorted), the
# root's mode, statfs.
state() {
	local o
	o=$(awk -v d="$D" '$2 == d { print $4 }' /proc/mounts | tr , '\n' |
		grep -E '^(size|nr_inodes|mode)=' | LC_ALL=C sort | paste -sd, -)
	echo "${o:--} root=$(stat -c %a "$D") $(stat -f -c 'blocks=%b bfree=%f files=%c ffree=%d' "$D")"
}
remount_py() { tpy bounded remount "$D" "$1"; }

# remount_then DATA WANT-ERRNO WANT-STATE: remount(2) with DATA gives
# WANT-ERRNO (OK or the errno's name), then the state is WANT-STATE.
remount_then() {
	local got st
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

# --- the plan --------------------------------------------------------------------

ktap_begin
dmesg_mark

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
fs_fresh "$RAMFS_NAME" "$R" size=4m,nr_inodes=100
expect_output "a symlink takes a page and an inode; a hard link an inode (as on tmpfs), no page" \
	"symlink: +pages 1 +inodes 1
removed: +pages 0 +inodes 0
hard link: +pages 0 +inodes 1
one name removed: +pages 0 +inodes 0
both removed: pages 0 inodes 0" tpy bounded_fill symlink_charge "$R"
fs_fresh "$RAMFS_NAME" "$R" size=1m
expect_output "setxattr on a full size=1m mount: ENOSPC; after a truncate it fits" \
	$'bfree 0 set user.a: ENOSPC\none page freed, set user.a: OK bfree 0' tpy bounded_fill xattr_space "$R"

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
	tpy bounded unlimited "$D" both keep
expect_ok "the data survived the remounts" data_kept
fs_umount "$D"

fs_umount "$R"
fs_umount "$T"
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"

ktap_finished
