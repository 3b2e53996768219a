#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Hard links and symbolic links. Where the answer is the kernel's (the
# longest symlink target, the mode of a symlink), the same check runs on the
# C ramfs in the same VM and must give the same answer.
# timeout=150
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

m=$SCRATCH/rust
ref=$SCRATCH/ramfs

# --- hard links -------------------------------------------------------------

make_file() {
	mkdir "$m/h" && printf 'first line\n' >"$m/h/f" && nlinks "$m/h/f"
}

same_inode() {
	[ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ] && echo same || echo different
}

# Written through one name, read through the other.
shared_content() {
	printf 'second line\n' >>"$m/h/g" && cat "$m/h/f"
}

after_unlink() {
	rm "$m/h/f" || return
	sysop lstat "$m/h/f"
	nlinks "$m/h/g"
	cat "$m/h/g"
}

# The file's ctime moves when it gains a link (simple_link).
link_ctime() {
	local before after
	before=$(stat -c %.9Z "$m/h/g")
	sleep 0.05
	sysop link "$m/h/g" "$m/h/k" >/dev/null || return
	after=$(stat -c %.9Z "$m/h/g")
	echo "$before -> $after"
	((10#${after/./} > 10#${before/./}))
}

link_dir() {
	mkdir "$1/dir" || return
	sysop link "$1/dir" "$1/dirlink"
	nlinks "$1/dir"
}

# A link to a file in another directory, then the original's directory is
# removed: the file lives on through the link.
cross_dir_link() {
	mkdir "$m/h/d1" "$m/h/d2" && printf 'moved\n' >"$m/h/d1/x" || return
	sysop link "$m/h/d1/x" "$m/h/d2/y"
	rm "$m/h/d1/x" && rmdir "$m/h/d1" || return
	cat "$m/h/d2/y"
	nlinks "$m/h/d2/y"
}

# --- symbolic links ---------------------------------------------------------

# symlink_info DIR: a symlink's target, size and mode.
symlink_info() {
	mkdir "$1/s" && ln -s 'target-file' "$1/s/link" || return
	readlink "$1/s/link"
	stat -c '%s %A %F %h' "$1/s/link"
}

# long_target DIR LEN: a symlink whose target is LEN bytes: what readlink
# and lstat give back (tests/ramfstest/namespace.py).
long_target() { tpy namespace long-target "$@"; }

# A target with spaces, a newline, a tab and non-ASCII bytes comes back as is.
odd_target() { tpy namespace odd-target "$m"; }

follow() {
	printf 'through the link\n' >"$m/s/target-file" && cat "$m/s/link"
}

dangling() {
	ln -s nowhere "$m/s/dangling" || return
	sysop stat "$m/s/dangling"
	sysop lstat "$m/s/dangling"
	stat -c %F "$m/s/dangling"
}

loop() {
	ln -s b "$m/s/a" && ln -s a "$m/s/b" || return
	sysop stat "$m/s/a"
	sysop read "$m/s/b"
	sysop lstat "$m/s/a"
}

relative_in_subdir() {
	mkdir -p "$m/r/sub/deeper" && printf 'top file\n' >"$m/r/file" || return
	ln -s ../file "$m/r/sub/up" && ln -s ../../file "$m/r/sub/deeper/up2" &&
		ln -s sub "$m/r/down" || return
	readlink "$m/r/sub/up"
	cat "$m/r/sub/up" "$m/r/sub/deeper/up2"
	# Through a symlink to a directory, then a relative symlink in it.
	cat "$m/r/down/up"
	ls "$m/r/down/"
}

unlink_symlink() {
	rm "$m/s/link" || return
	sysop lstat "$m/s/link"
	cat "$m/s/target-file"
}

ktap_begin

expect_ok "mount $RAMFS_NAME and ramfs" fs_mount_pair "$m" "$ref"

expect_output "a new file has nlink 1" 1 make_file
expect_output "link() works" OK sysop link "$m/h/f" "$m/h/g"
expect_output "both names have nlink 2" "2 2" nlinks "$m/h/f" "$m/h/g"
expect_output "both names have the same inode number" same same_inode "$m/h/f" "$m/h/g"
expect_output "content is shared (written via one, read via the other)" \
	$'first line\nsecond line' shared_content
expect_output "unlink of one name: the other stays, nlink 1, content kept" \
	$'ENOENT\n1\nfirst line\nsecond line' after_unlink
expect_ok "link() advances the file's ctime" link_ctime
expect_output "link() onto an existing name fails EEXIST" EEXIST \
	sysop link "$m/h/g" "$m/h/k"
expect_output "link() of a missing file fails ENOENT" ENOENT \
	sysop link "$m/h/missing" "$m/h/new"
expect_like_ref "link() to a directory fails EPERM, nlink stays 2 (as ramfs)" \
	$'EPERM\n2' "$m" "$ref" link_dir
expect_output "a link in another directory outlives the original's directory" \
	$'OK\nmoved\n1' cross_dir_link

expect_like_ref "symlink: readlink gives the target; size, mode lrwxrwxrwx (as ramfs)" \
	$'target-file\n11 lrwxrwxrwx symbolic link 1' "$m" "$ref" symlink_info
expect_like_ref "a 4095-byte target is kept exactly (as ramfs)" \
	"OK 4095 exact 4095" "$m" "$ref" long_target 4095
expect_like_ref "a 4096-byte target fails ENAMETOOLONG, nothing made (as ramfs)" \
	"ENAMETOOLONG False" "$m" "$ref" long_target 4096
expect_like_ref "a 5000-byte target fails ENAMETOOLONG (as ramfs)" \
	"ENAMETOOLONG False" "$m" "$ref" long_target 5000
expect_output "a target with odd bytes comes back exactly" exact odd_target
expect_output "opening a symlink follows it" "through the link" follow
expect_output "symlink onto an existing name fails EEXIST" EEXIST \
	sysop symlink whatever "$m/s/link"
expect_output "dangling symlink: stat fails ENOENT, lstat works" \
	$'ENOENT\nOK\nsymbolic link' dangling
expect_output "symlink loop a->b->a: stat and open fail ELOOP, lstat works" \
	$'ELOOP\nELOOP\nOK' loop
expect_output "relative targets in subdirectories resolve from the link's directory" \
	$'../file\ntop file\ntop file\ntop file\ndeeper\nup' relative_in_subdir
expect_output "removing a symlink leaves its target" \
	$'ENOENT\nthrough the link' unlink_symlink
expect_output "a directory of files and symlinks only has nlink 2" 2 \
	stat -c %h "$m/s"

ktap_finished
