#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `scripts/vm.sh run`: load the module and mount a rust_ramfs on
# /mnt, then an interactive shell (vng runs this as the login shell) or, with
# no terminal, show the mount and return (the VM then powers off).
. "$(dirname "$0")/../tests/lib.sh" || exit
mounted=false
fs_mount "$RAMFS_NAME" /mnt && cd /mnt && mounted=true
if [ -t 0 ]; then
	! $mounted || echo "$RAMFS_NAME is mounted on /mnt; Ctrl-D powers off"
	exec bash -i
fi
$mounted && mount | grep "$RAMFS_NAME" && ls -la /mnt
