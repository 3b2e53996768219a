#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Whiteouts and overlayfs. renameat2(RENAME_WHITEOUT) leaves a character
# device 0/0 at the old name (a file, a directory, over an existing target;
# with EXCHANGE it is EINVAL; the whiteout is an inode, so nr_inodes can
# refuse it). Then rust_ramfs as the upper layer of an overlay (lower on
# tmpfs): copy-up on write, deleting a lower file (a whiteout in the upper
# layer), removing a lower directory and making it again (an opaque
# directory, trusted.overlay.opaque=y), renaming a file, and the merged view,
# also after mounting the overlay again; overlayfs must find every feature it
# wants in the upper layer (no "upper fs does not support" warnings). tmpfs
# has all of this: every check runs with tmpfs in rust_ramfs's place in the
# same boot, and must give the same answer (the same lower directory for
# both overlays, so that the upper layers can be compared byte for byte).
# timeout=240
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
umask 022

R=$SCRATCH/rust
T=$SCRATCH/tmpfs
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount tmpfs "$T" || skip_all "cannot mount tmpfs"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip_all "no overlayfs in this kernel"

# tree DIR: every entry under DIR as text, sorted: type, permissions, path,
# contents, xattrs (tests/ramfstest/overlay.py).
tree() { tpy overlay "$1"; }

# --- RENAME_WHITEOUT ----------------------------------------------------------

node() { stat -c '%F %A %t:%T %s %h' "$1"; }

whiteout_file() {
	mkdir "$1/w" && echo w >"$1/w/a" || return
	sysop rename "$1/w/a" "$1/w/b" WHITEOUT
	node "$1/w/a"
	cat "$1/w/b"
	LC_ALL=C ls "$1/w" | paste -sd' ' -
}

whiteout_over() {
	mkdir "$1/o" && echo new >"$1/o/a" && echo old >"$1/o/b" || return
	sysop rename "$1/o/a" "$1/o/b" WHITEOUT
	node "$1/o/a"
	cat "$1/o/b"
}

whiteout_dir() {
	mkdir -p "$1/wd/d/sub" && echo k >"$1/wd/d/kid" || return
	echo "before: $(nlinks "$1/wd")"
	sysop rename "$1/wd/d" "$1/wd/d2" WHITEOUT
	node "$1/wd/d"
	echo "after: $(nlinks "$1/wd" "$1/wd/d2")"
	cat "$1/wd/d2/kid"
}

whiteout_exchange() {
	mkdir "$1/x" && echo a >"$1/x/a" && echo b >"$1/x/b" || return
	sysop rename "$1/x/a" "$1/x/b" 'EXCHANGE|WHITEOUT'
	cat "$1/x/a" "$1/x/b"
}

# whiteout_inodes DIR N: on a fresh nr_inodes=N mount at DIR-N (the root and
# one file take 2), rename the file with RENAME_WHITEOUT, then create one.
whiteout_inodes() {
	local fs=$RAMFS_NAME d=$1-n$2
	[ "$1" != "$T" ] || fs=tmpfs
	fs_mount "$fs" "$d" "nr_inodes=$2" && echo a >"$d/a" || return
	sysop rename "$d/a" "$d/b" WHITEOUT \; create "$d/c"
	find "$d" -mindepth 1 -printf '%P %y\n' | LC_ALL=C sort | paste -sd' ' -
	stat -f -c 'files=%c ffree=%d' "$d"
	fs_umount "$d"
}

# --- overlayfs --------------------------------------------------------------------
# One lower directory on its own tmpfs, used by both overlays:
#   a.txt b.txt keep.txt dir1/x.txt dir2/y.txt
LT=$SCRATCH/lower
fs_mount tmpfs "$LT" || skip_all "cannot mount tmpfs"
L=$LT/l
mkdir -p "$L/dir1" "$L/dir2" && echo "lower a" >"$L/a.txt" && echo "lower b" >"$L/b.txt" &&
	echo keep >"$L/keep.txt" && echo x >"$L/dir1/x.txt" && echo y >"$L/dir2/y.txt" ||
	skip_all "cannot make the lower layer"

# merged_of BASE: the overlay's mount point for the upper layer on BASE.
merged_of() { echo "$SCRATCH/merged-${1##*/}"; }

# ovl_mount BASE: the overlay with its upper and work directories on BASE;
# its kernel log in BASE.log.
ovl_mount() {
	local m
	m=$(merged_of "$1")
	mkdir -p "$1/upper" "$1/work" "$m" || return
	dmesg_mark
	mount -t overlay overlay -o "lowerdir=$L,upperdir=$1/upper,workdir=$1/work" "$m" || return
	_MOUNTS+=("$m")
	dmesg_since_mark >"$SCRATCH/${1##*/}.log"
	grep -h "overlay" "$SCRATCH/${1##*/}.log"
	return 0
}

# no_upper_warnings: overlayfs said nothing about features missing from
# rust_ramfs as the upper layer (the tmpfs one's log, for comparison).
no_upper_warnings() {
	echo "rust_ramfs upper:"
	sed 's/^/  /' "$SCRATCH/${R##*/}.log"
	echo "tmpfs upper:"
	sed 's/^/  /' "$SCRATCH/${T##*/}.log"
	! grep -Ei 'overlayfs:.*(upper fs|not support|missing|fall(ing)? back)' "$SCRATCH/${R##*/}.log"
}

# scenario BASE: the changes, made in the merged view.
scenario() {
	local m
	m=$(merged_of "$1")
	echo more >>"$m/a.txt" && echo "copy-up on append: ok" &&
		rm "$m/b.txt" && echo "rm of a lower file: ok" &&
		rm -r "$m/dir1" && mkdir "$m/dir1" && echo n >"$m/dir1/n.txt" &&
		echo "rm -r and mkdir of a lower directory: ok" &&
		mv "$m/keep.txt" "$m/renamed.txt" && echo "rename of a lower file: ok" &&
		echo new >"$m/new.txt" && echo z >"$m/dir2/z.txt" && echo "new files: ok"
}

merged_tree() { tree "$(merged_of "$1")"; }
merged_readdir() {
	local m
	m=$(merged_of "$1")
	echo "/: $(LC_ALL=C ls -a "$m" | paste -sd' ' -)"
	echo "dir1: $(LC_ALL=C ls -a "$m/dir1" | paste -sd' ' -)"
	echo "dir2: $(LC_ALL=C ls -a "$m/dir2" | paste -sd' ' -)"
}

# upper_facts BASE: the whiteouts (device numbers, permissions) and the
# directories' trusted.overlay.opaque in the upper layer.
upper_facts() {
	local u=$1/upper p
	(cd "$u" && find . -mindepth 1 -type c -printf '%P\n' | LC_ALL=C sort |
		xargs -r stat -c 'whiteout %n %t:%T mode %a') || return
	for p in $(cd "$u" && find . -mindepth 1 -type d -printf '%P\n' | LC_ALL=C sort); do
		echo "$p opaque=$(getfattr --absolute-names --only-values -h -n trusted.overlay.opaque "$u/$p" 2>/dev/null)"
	done
}

# again BASE: unmount the overlay and mount it again; its merged view.
again() {
	local m
	m=$(merged_of "$1")
	fs_umount "$m" && ! mountpoint -q "$m" && mount -t overlay overlay -o "lowerdir=$L,upperdir=$1/upper,workdir=$1/work" "$m" &&
		_MOUNTS+=("$m") && tree "$m"
}

# same_upper: the upper layers of both overlays, as tree shows them, are the
# same (and not empty).
same_upper() {
	local ours ref
	ours=$(tree "$R/upper") && ref=$(tree "$T/upper") || return
	echo "$RAMFS_NAME upper:"
	printf '%s\n' "$ours" | sed 's/^/  /'
	[ "$ours" = "$ref" ] && [ -n "$ours" ] && return 0
	echo "tmpfs upper:"
	printf '%s\n' "$ref" | sed 's/^/  /'
	return 1
}

# The merged view after the scenario, as tree shows it.
MERGED="f 644 a.txt b'lower a\\nmore\\n'
d 755 dir1
f 644 dir1/n.txt b'n\\n'
d 755 dir2
f 644 dir2/y.txt b'y\\n'
f 644 dir2/z.txt b'z\\n'
f 644 new.txt b'new\\n'
f 644 renamed.txt b'keep\\n'"

ktap_begin
dmesg_mark
START_MARK=$_DMESG_MARK

expect_like_ref "RENAME_WHITEOUT of a file: a char device 0/0 at the old name (as tmpfs)" \
	$'OK\ncharacter special file c--------- 0:0 0 1\nw\na b' "$R" "$T" whiteout_file
expect_like_ref "RENAME_WHITEOUT over an existing file replaces it (as tmpfs)" \
	$'OK\ncharacter special file c--------- 0:0 0 1\nnew' "$R" "$T" whiteout_over
expect_like_ref "RENAME_WHITEOUT of a directory: whiteout at the old name, link counts kept (as tmpfs)" \
	$'before: 3\nOK\ncharacter special file c--------- 0:0 0 1\nafter: 3 3\nk' "$R" "$T" whiteout_dir
expect_like_ref "RENAME_WHITEOUT with RENAME_EXCHANGE fails EINVAL, nothing changes (as tmpfs)" \
	$'EINVAL\na\nb' "$R" "$T" whiteout_exchange
expect_like_ref "nr_inodes=2: no inode for the whiteout: ENOSPC, nothing changes (as tmpfs)" \
	$'ENOSPC\nENOSPC\na f\nfiles=2 ffree=0' "$R" "$T" whiteout_inodes 2
expect_like_ref "nr_inodes=3: the whiteout takes the last inode (as tmpfs)" \
	$'OK\nENOSPC\na c b f\nfiles=3 ffree=0' "$R" "$T" whiteout_inodes 3

expect_ok "overlay with its upper layer on tmpfs (the reference) mounts" ovl_mount "$T"
expect_ok "overlay with its upper layer on $RAMFS_NAME mounts" ovl_mount "$R"
expect_ok "overlayfs logs no missing feature of $RAMFS_NAME's upper layer (xattr, tmpfile, RENAME_WHITEOUT...)" \
	no_upper_warnings
expect_like_ref "copy-up, rm, rm -r + mkdir, rename and new files in the merged view" \
	$'copy-up on append: ok\nrm of a lower file: ok\nrm -r and mkdir of a lower directory: ok\nrename of a lower file: ok\nnew files: ok' \
	"$R" "$T" scenario
expect_like_ref "the merged view: types, modes, contents (as with tmpfs)" "$MERGED" "$R" "$T" merged_tree
expect_like_ref "readdir of the merged view hides whiteouts and the opaque dir's lower entries" \
	$'/: . .. a.txt dir1 dir2 new.txt renamed.txt\ndir1: . .. n.txt\ndir2: . .. y.txt z.txt' \
	"$R" "$T" merged_readdir
expect_like_ref "upper layer: whiteouts 0/0 for b.txt and keep.txt, dir1 opaque (trusted.overlay.opaque=y)" \
	$'whiteout b.txt 0:0 mode 0\nwhiteout keep.txt 0:0 mode 0\ndir1 opaque=y\ndir2 opaque=' \
	"$R" "$T" upper_facts
expect_ok "the upper layer (entries, modes, contents, xattrs) is the same as with tmpfs" same_upper
expect_like_ref "unmounted and mounted again: the same merged view" "$MERGED" "$R" "$T" again
_DMESG_MARK=$START_MARK
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"

ktap_finished
