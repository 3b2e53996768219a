#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Special files: FIFOs, character and block device nodes, unix sockets. The
# file system only stores them (init_special_inode); opening one goes to the
# pipe, device or socket code. Each node's type, mode and device number is
# compared with the same node on the C ramfs in the same VM.
# timeout=150
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

m=$SCRATCH/rust
ref=$SCRATCH/ramfs
umask 022
# What the shell cannot do (sockets, non-blocking opens) is done by
# tests/ramfstest/namespace.py: `tpy namespace OP ARG...`.

# node_info PATH: type, mode, size, link count and (for devices) major:minor.
node_info() { stat -c '%F %A %s %h %Hr:%Lr' "$1"; }

# --- FIFOs -----------------------------------------------------------------

fifo_made() { mkfifo "$1/fifo" && node_info "$1/fifo"; }
fifo_mknod_mode() { sysop mknod "$1/fifo600" 010600 && node_info "$1/fifo600"; }

# 300 KiB (more than a pipe holds) of random bytes from a writer to a reader,
# then a few exact bytes; the FIFO itself stays empty.
fifo_data() {
	local f=$m/fifo src=$SCRATCH/src dst=$SCRATCH/dst
	head -c 300000 /dev/urandom >"$src" || return
	timeout 60 cat "$src" >"$f" &
	timeout 60 cat "$f" >"$dst"
	wait $! || return
	cmp "$src" "$dst" && echo "300000 bytes identical"
	timeout 60 printf 'a\0b\377\n' >"$f" &
	timeout 60 od -An -c "$f"
	wait $! || return
	stat -c %s "$f"
}

# Opening a FIFO for reading without a writer, non-blocking, works and reads
# EOF; opening it for writing without a reader fails ENXIO (the pipe code).
fifo_nonblock() { tpy namespace fifo-nonblock "$m/fifo"; }

# --- device nodes ----------------------------------------------------------

dev_made() { mknod "$1/$2" "$3" "$4" "$5" && node_info "$1/$2"; }

# The node works like /dev/null: writes succeed, reads give EOF at once.
like_null() {
	local n=$m/null
	echo data >"$n" && echo "write ok"
	head -c 1000000 /dev/urandom >"$n" && echo "1 MB write ok"
	wc -c <"$n"
	stat -c %s "$n"
}

# The node works like /dev/zero: reads give zeros, writes succeed.
like_zero() { tpy namespace like-zero "$m/zero"; }

chmod_node() { chmod 0600 "$1/null" && chown 65534:65534 "$1/null" && stat -c '%A %u:%g' "$1/null"; }

# --- unix sockets ----------------------------------------------------------

socket_talk() {
	tpy namespace socket-talk "$1/sock"
	node_info "$1/sock"
}
socket_dgram() { tpy namespace socket-dgram "$m/dgram"; }

# bind() onto an existing name fails EADDRINUSE; connect() to a name that is
# not a socket fails ECONNREFUSED, to a missing one ENOENT.
socket_errors() { touch "$m/plain" && tpy namespace socket-errors "$m"; }

remove_all() {
	rm "$m/fifo" "$m/fifo600" "$m/null" "$m/zero" "$m/blk" "$m/big" "$m/sock" \
		"$m/dgram" "$m/plain" && LC_ALL=C ls -a "$m"
}

ktap_begin

expect_ok "mount $RAMFS_NAME and ramfs" fs_mount_pair "$m" "$ref"

expect_like_ref "mkfifo: a fifo, prw-r--r--, size 0, 1 link (as ramfs)" \
	"fifo prw-r--r-- 0 1 0:0" "$m" "$ref" fifo_made
expect_like_ref "mknod S_IFIFO|0600: a fifo, prw------- (as ramfs)" \
	$'OK\nfifo prw------- 0 1 0:0' "$m" "$ref" fifo_mknod_mode
expect_output "a writer and a reader pass exact bytes through the fifo" \
	$'300000 bytes identical\n   a  \\0   b 377  \\n\n0' fifo_data
expect_output "non-blocking opens: read gets EOF, write with no reader ENXIO" \
	$'read: b\'\'\nwrite open: ENXIO' fifo_nonblock

expect_like_ref "mknod c 1 3: char device crw-r--r-- 1:3 (as ramfs)" \
	"character special file crw-r--r-- 0 1 1:3" "$m" "$ref" dev_made null c 1 3
expect_output "the 1:3 node works like /dev/null: writes succeed, reads give EOF" \
	$'write ok\n1 MB write ok\n0\n0' like_null
expect_like_ref "mknod c 1 5: char device crw-r--r-- 1:5 (as ramfs)" \
	"character special file crw-r--r-- 0 1 1:5" "$m" "$ref" dev_made zero c 1 5
expect_output "the 1:5 node works like /dev/zero: reads give zeros" \
	$'65536 bytes read, 65536 zeros\n4096 bytes written' like_zero
expect_like_ref "mknod b 7 0: block device brw-r--r-- 7:0 (as ramfs)" \
	"block special file brw-r--r-- 0 1 7:0" "$m" "$ref" dev_made blk b 7 0
expect_like_ref "mknod c 4095 1048575: the largest device number is kept (as ramfs)" \
	"character special file crw-r--r-- 0 1 4095:1048575" "$m" "$ref" dev_made big c 4095 1048575
expect_like_ref "chmod and chown of a device node (as ramfs)" \
	"crw------- 65534:65534" "$m" "$ref" chmod_node

expect_like_ref "unix socket bound in the fs: connect, send, recv; srwxr-xr-x (as ramfs)" \
	$'server got b\'ping\\x00\\xff\'\nclient got b\'pong\'\nsocket srwxr-xr-x 0 1 0:0' \
	"$m" "$ref" socket_talk
expect_output "unix datagram socket bound in the fs: sendto and recv" \
	"b'datagram'" socket_dgram
expect_output "socket names: bind over a name EADDRINUSE, connect to a file ECONNREFUSED" \
	$'bind on socket: EADDRINUSE\nbind on file: EADDRINUSE\nconnect to file: ECONNREFUSED\nconnect to missing: ENOENT' \
	socket_errors
expect_output "the fifo is still a fifo after use" "fifo prw-r--r-- 0 1 0:0" \
	node_info "$m/fifo"
expect_output "all special nodes can be removed" $'.\n..' remove_all

ktap_finished
