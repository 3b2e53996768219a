#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Directories: mkdir/rmdir, readdir, link counts, rename (plain, NOREPLACE,
# EXCHANGE, WHITEOUT), directory times, name length limits and a directory
# of 10 000 files. Where the answer is the kernel's rather than POSIX's
# (ENAMETOOLONG, the root's link count), the same check runs on the C ramfs
# in the same VM and must give the same answer; RENAME_WHITEOUT, which the C
# ramfs refuses (EINVAL), is compared with tmpfs instead.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

m=$SCRATCH/rust
ref=$SCRATCH/ramfs

# inum PATH: inode number.
inum() { stat -c %i "$1"; }

# listing DIR: every entry, . and .. included, sorted, one a line.
listing() { LC_ALL=C ls -a "$1"; }

# --- set-ups (each prints nothing, fails loudly) ----------------------------

setup_listing() {
	local d=$m/list
	mkdir "$d" && touch "$d/f1" && echo x >"$d/f2" && mkdir "$d/sub" &&
		ln -s f1 "$d/ln" && mkfifo "$d/pipe" && ln "$d/f2" "$d/hard"
}

root_nlink() { stat -c %h "$1"; }

# The link counts of a/ a/b/ a/b/c/ a/b/c/d/ after mkdir -p a/b/c/d.
chain_nlinks() { nlinks "$m/a" "$m/a/b" "$m/a/b/c" "$m/a/b/c/d"; }

# Five subdirectories, then removing them one by one: the parent's count at
# each step.
subdir_counting() {
	local d=$m/count i seq=()
	mkdir "$d" || return
	for i in 1 2 3 4 5; do
		mkdir "$d/s$i" || return
		seq+=("$(stat -c %h "$d")")
	done
	for i in 1 2 3 4 5; do
		rmdir "$d/s$i" || return
		seq+=("$(stat -c %h "$d")")
	done
	echo "${seq[*]}"
}

# A file moved to another directory under a new name: its content, its
# inode number kept, the old name gone.
rename_file_across() {
	local ino
	mkdir "$m/r1" "$m/r2" && printf 'data one\n' >"$m/r1/f" || return
	ino=$(inum "$m/r1/f")
	sysop rename "$m/r1/f" "$m/r2/g"
	cat "$m/r2/g"
	[ "$(inum "$m/r2/g")" = "$ino" ] && echo "same inode"
	sysop lstat "$m/r1/f"
	listing "$m/r1" | tr '\n' ' '
	echo
}

# A directory with a file in it moved to another directory.
rename_dir_across() {
	mkdir -p "$m/m1/sub" "$m/m2" && printf 'inner\n' >"$m/m1/sub/file" || return
	echo "before: $(nlinks "$m/m1" "$m/m2" "$m/m1/sub")"
	sysop rename "$m/m1/sub" "$m/m2/sub"
	echo "after: $(nlinks "$m/m1" "$m/m2" "$m/m2/sub")"
	cat "$m/m2/sub/file"
	sysop lstat "$m/m1/sub"
	# ".." of the moved directory is its new parent.
	[ "$(inum "$m/m2/sub/..")" = "$(inum "$m/m2")" ] && echo "dotdot is new parent"
}

rename_over_file() {
	local ino
	mkdir "$m/o" && printf 'new\n' >"$m/o/a" && printf 'old content\n' >"$m/o/b" || return
	ino=$(inum "$m/o/a")
	sysop rename "$m/o/a" "$m/o/b"
	cat "$m/o/b"
	[ "$(inum "$m/o/b")" = "$ino" ] && echo "same inode"
	listing "$m/o" | tr '\n' ' '
	echo
}

rename_over_dirs() {
	mkdir -p "$m/od/src/kid" "$m/od/empty" "$m/od/full/x" || return
	sysop rename "$m/od/src" "$m/od/full"
	sysop rename "$m/od/src" "$m/od/empty"
	ls "$m/od/empty"
	nlinks "$m/od"
}

noreplace_existing() {
	mkdir "$m/nr" && echo A >"$m/nr/a" && echo B >"$m/nr/b" || return
	sysop rename "$m/nr/a" "$m/nr/b" NOREPLACE
	cat "$m/nr/a" "$m/nr/b"
}

noreplace_new() {
	sysop rename "$m/nr/a" "$m/nr/c" NOREPLACE
	cat "$m/nr/c"
	listing "$m/nr" | tr '\n' ' '
	echo
}

exchange_files() {
	local ix iy
	mkdir "$m/x" && echo "content X" >"$m/x/x" && echo "content Y" >"$m/x/y" || return
	ix=$(inum "$m/x/x") iy=$(inum "$m/x/y")
	sysop rename "$m/x/x" "$m/x/y" EXCHANGE
	cat "$m/x/x" "$m/x/y"
	[ "$(inum "$m/x/x")" = "$iy" ] && [ "$(inum "$m/x/y")" = "$ix" ] && echo "inodes swapped"
}

# A file in e1/ exchanged with a directory (holding a file) in e2/: the
# directory link moves from e2 to e1.
exchange_file_dir() {
	mkdir -p "$m/e1" "$m/e2/dir" && echo "plain file" >"$m/e1/file" &&
		echo "kid" >"$m/e2/dir/kid" || return
	echo "before: $(nlinks "$m/e1" "$m/e2")"
	sysop rename "$m/e1/file" "$m/e2/dir" EXCHANGE
	echo "after: $(nlinks "$m/e1" "$m/e2")"
	stat -c %F "$m/e1/file" "$m/e2/dir"
	cat "$m/e1/file/kid" "$m/e2/dir"
	[ "$(inum "$m/e1/file/..")" = "$(inum "$m/e1")" ] && echo "dotdot is new parent"
}

whiteout() {
	mkdir -p "$1/w" && echo w >"$1/w/a" || return
	sysop rename "$1/w/a" "$1/w/b" WHITEOUT
	listing "$1/w" | tr '\n' ' '
	echo
	stat -c '%n %F %a %t:%T' "$1/w/a" | sed "s|^$1/||"
	cat "$1/w/b"
}

# mtime_ctime DIR: nanosecond mtime and ctime.
mtime_ctime() { stat -c '%.9Y %.9Z' "$1"; }

# newer M0 C0 M1 C1: M1 > M0, C1 > C0 and M1 = C1 (seconds.nanoseconds, as
# integers of nanoseconds: 19 digits fit bash's 64-bit arithmetic).
newer() {
	local b=("${1/./}" "${2/./}") a=("${3/./}" "${4/./}")
	((10#${a[0]} > 10#${b[0]} && 10#${a[1]} > 10#${b[1]} && 10#${a[0]} == 10#${a[1]}))
}

# times_advance DIR... -- CMD...: run CMD after a pause; each DIR's mtime and
# ctime must have moved forward (and stay equal to each other).
times_advance() {
	local dirs=() d before=() i=0 ok=0 now
	while [ "$1" != -- ]; do dirs+=("$1"); shift; done
	shift
	for d in "${dirs[@]}"; do before+=("$(mtime_ctime "$d")") || return; done
	# The clock the VFS stamps with advances once a tick (4 ms at HZ=250).
	sleep 0.05
	"$@" || return
	for d in "${dirs[@]}"; do
		now=$(mtime_ctime "$d")
		echo "$d: ${before[i]} -> $now"
		# shellcheck disable=SC2086 # two numbers each
		newer ${before[i]} $now || ok=1
		i=$((i + 1))
	done
	return "$ok"
}

# A name of N bytes: "n" then "x"s.
name_of() { printf 'n%*s' "$(($1 - 1))" '' | tr ' ' x; }
N255=$(name_of 255)
N256=$(name_of 256)

create_256() { sysop create "$1/$N256"; }
mkdir_256() { sysop mkdir "$1/$N256"; }
stat_256() { sysop stat "$1/$N256"; }

# A directory of 10 000 files (tests/ramfstest/namespace.py): made; listed
# exactly once each, by ls (getdents in several calls) and by os.scandir,
# with distinct inode numbers; removed.
many() { tpy namespace "many-$1" "$m/many"; }

ktap_begin

expect_ok "mount $RAMFS_NAME and ramfs" fs_mount_pair "$m" "$ref"
expect_like_ref "root directory has nlink 2 (as ramfs)" 2 "$m" "$ref" root_nlink
expect_output "root directory lists only . and .." $'.\n..' listing "$m"

# mkdir, link counts, rmdir
expect_ok "mkdir -p a/b/c/d" mkdir -p "$m/a/b/c/d"
expect_output "nlink of a/ a/b/ a/b/c/ a/b/c/d/: 3 3 3 2" "3 3 3 2" chain_nlinks
expect_output "root nlink is 3 after one subdirectory" 3 stat -c %h "$m"
expect_output "new directory lists only . and .." $'.\n..' listing "$m/a/b/c/d"
expect_output "a/b/c lists . .. d" $'.\n..\nd' listing "$m/a/b/c"
expect_ok "set up a directory with files, a subdir, links and a fifo" setup_listing
expect_output "readdir lists exactly the entries (ls -a)" \
	$'.\n..\nf1\nf2\nhard\nln\npipe\nsub' listing "$m/list"
expect_output "readdir gives the right types (find -printf %y)" \
	$'f1 f\nf2 f\nhard f\nln l\npipe p\nsub d' \
	bash -c 'cd "$1" && find . -mindepth 1 -printf "%P %y\n" | LC_ALL=C sort' - "$m/list"
expect_output "link counts in it: dir 3, sub 2, f2 2, f1 1" "3 2 2 1" \
	nlinks "$m/list" "$m/list/sub" "$m/list/f2" "$m/list/f1"
expect_errno EEXIST "mkdir of an existing name fails EEXIST" mkdir "$m/a"
expect_errno ENOTEMPTY "rmdir of a non-empty directory fails ENOTEMPTY" rmdir "$m/a/b/c"
expect_output "... and leaves it in place" "3 2" nlinks "$m/a/b/c" "$m/a/b/c/d"
expect_errno ENOTDIR "rmdir of a file fails ENOTDIR" rmdir "$m/list/f1"
expect_output "unlink of a directory fails EISDIR" EISDIR sysop unlink "$m/a"
expect_ok "rmdir of an empty directory works" rmdir "$m/a/b/c/d"
expect_output "the removed directory is gone (ENOENT)" ENOENT sysop lstat "$m/a/b/c/d"
expect_output "parent's nlink drops back to 2 after rmdir" "2 3 3" \
	nlinks "$m/a/b/c" "$m/a/b" "$m/a"
expect_output "nlink goes 3..7 with 5 subdirs and back to 2 as they go" \
	"3 4 5 6 7 6 5 4 3 2" subdir_counting

# rename
expect_output "rename a file to another directory keeps content and inode" \
	$'OK\ndata one\nsame inode\nENOENT\n. .. ' rename_file_across
expect_output "rename a directory to another directory: content, both parents' nlink, .." \
	$'before: 3 2 2\nOK\nafter: 2 3 2\ninner\nENOENT\ndotdot is new parent' rename_dir_across
expect_output "rename over an existing file replaces it" \
	$'OK\nnew\nsame inode\n. .. b ' rename_over_file
expect_output "rename a dir over a non-empty dir fails ENOTEMPTY, over an empty one works" \
	$'ENOTEMPTY\nOK\nkid\n4' rename_over_dirs
expect_output "RENAME_NOREPLACE onto an existing name fails EEXIST, both kept" \
	$'EEXIST\nA\nB' noreplace_existing
expect_output "RENAME_NOREPLACE onto a new name works" $'OK\nA\n. .. b c ' noreplace_new
expect_output "RENAME_EXCHANGE swaps two files" \
	$'OK\ncontent Y\ncontent X\ninodes swapped' exchange_files
expect_output "RENAME_EXCHANGE swaps a file and a directory across dirs (nlinks follow)" \
	$'before: 2 3\nOK\nafter: 3 2\ndirectory\nregular file\nkid\nplain file\ndotdot is new parent' \
	exchange_file_dir
expect_output "RENAME_EXCHANGE with a missing target fails ENOENT" ENOENT \
	sysop rename "$m/x/x" "$m/x/nothing" EXCHANGE
fs_mount tmpfs "$SCRATCH/tmpfs"
expect_like_ref "RENAME_WHITEOUT leaves a whiteout (char device 0/0) at the old name (as tmpfs)" \
	$'OK\n. .. a b \nw/a character special file 0 0:0\nw' "$m" "$SCRATCH/tmpfs" whiteout
expect_output "renaming a directory into its own subtree fails EINVAL" EINVAL \
	sysop rename "$m/a" "$m/a/b/c/a"
expect_output "renaming a directory onto a file fails ENOTDIR" ENOTDIR \
	sysop rename "$m/a/b" "$m/list/f1"
expect_output "renaming a file onto a directory fails EISDIR" EISDIR \
	sysop rename "$m/list/f1" "$m/a"

# directory times
mkdir "$m/t" "$m/t2"
expect_ok "create advances the parent's mtime and ctime" \
	times_advance "$m/t" -- sysop create "$m/t/f"
expect_ok "unlink advances the parent's mtime and ctime" \
	times_advance "$m/t" -- sysop unlink "$m/t/f"
expect_ok "mkdir advances the parent's mtime and ctime" \
	times_advance "$m/t" -- sysop mkdir "$m/t/d"
expect_ok "rmdir advances the parent's mtime and ctime" \
	times_advance "$m/t" -- sysop rmdir "$m/t/d"
touch "$m/t/g"
expect_ok "rename within a directory advances its mtime and ctime" \
	times_advance "$m/t" -- sysop rename "$m/t/g" "$m/t/h"
expect_ok "rename across directories advances both parents' times" \
	times_advance "$m/t" "$m/t2" -- sysop rename "$m/t/h" "$m/t2/h"
expect_ok "symlink advances the parent's mtime and ctime" \
	times_advance "$m/t" -- ln -s x "$m/t/s"
expect_ok "mknod (mkfifo) advances the parent's mtime and ctime" \
	times_advance "$m/t" -- mkfifo "$m/t/p"

# names
expect_output "create a 255-byte name" OK sysop create "$m/t/$N255"
expect_output "stat the 255-byte name" OK sysop stat "$m/t/$N255"
expect_output "readdir lists the 255-byte name" "$N255" \
	bash -c 'ls "$1" | grep "^n"' - "$m/t"
expect_output "unlink the 255-byte name" OK sysop unlink "$m/t/$N255"
expect_like_ref "creating a 256-byte name fails ENAMETOOLONG (as ramfs)" \
	ENAMETOOLONG "$m" "$ref" create_256
expect_like_ref "mkdir of a 256-byte name fails ENAMETOOLONG (as ramfs)" \
	ENAMETOOLONG "$m" "$ref" mkdir_256
expect_like_ref "stat of a 256-byte name fails ENAMETOOLONG (as ramfs)" \
	ENAMETOOLONG "$m" "$ref" stat_256
expect_errno ENOENT "creating in a removed directory (the cwd) fails ENOENT" \
	bash -c 'mkdir "$1" && cd "$1" && rmdir "$1" && touch x' - "$m/gone"
expect_errno EBUSY "rmdir of the mount's root fails EBUSY" rmdir "$m"
expect_output "lookup of a missing name fails ENOENT" ENOENT sysop stat "$m/t/missing"
expect_output "opening a missing name fails ENOENT" ENOENT sysop read "$m/missing"
expect_output "lookup under a missing directory fails ENOENT" ENOENT \
	sysop stat "$m/missing/x"

# a big directory
expect_ok "create 10 000 files in one directory" many create
expect_output "all 10 000 listed exactly once, with distinct inodes" \
	$'ls: 10002 entries, exact\nscandir: 10000 entries, exact\ninodes: 10000 distinct' \
	many listed
expect_output "all 10 000 removed: empty, nlink 2" "[] 2" many remove
expect_ok "the emptied directory can be removed" rmdir "$m/many"

ktap_finished
