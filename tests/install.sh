#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installed as users install out-of-tree modules: `make install` (Kbuild's
# modules_install, then depmod) into a writable module tree put in place of
# /lib/modules/$(uname -r); then `mount -t rust_ramfs` with the module not
# loaded loads it through its fs-rust_ramfs alias (the kernel asks modprobe),
# umount and `modprobe -r` unload it, `make uninstall` removes it and the
# alias no longer resolves. And the module that DKMS built on the host
# (scripts/dkms.sh, which make check runs before the boot) loads and serves
# a mount. First, which kernel plain `make` builds for: the running one when
# its build tree is Rust-enabled and 6.12, else the project's cached kernel
# (scripts/kdir.sh --dry-run, with the running kernel's tree stood in for).
# Exclusive: it unloads the module and changes the module tree.
# exclusive
# timeout=120
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

# The tree the module in this directory was built against (scripts/kmake.sh
# records it), and the release it was built for.
kdir=$(cat "$TOP_DIR/.kdir" 2>/dev/null) || skip_all "no $TOP_DIR/.kdir: build the module with make first"
release=$(uname -r)
root=$SCRATCH/root
moddir=$root/lib/modules/$release
installed=$moddir/updates/$RAMFS_NAME.ko
MNT=$SCRATCH/mnt
mkdir -p "$MNT"

ktap_begin

# picks [VAR=value...] EXPECTED REASON: scripts/kdir.sh --dry-run, in the
# environment plain `make` has plus the assignments, prints EXPECTED and says
# REASON (a part of its line, if any) on stderr.
picks() {
	local env=() out
	while [[ $1 == *=* ]]; do env+=("$1") && shift; done
	out=$(env -u KDIR -u FLAVOUR "${env[@]}" "$TOP_DIR/scripts/kdir.sh" --dry-run 2>"$SCRATCH/why") || return
	cat "$SCRATCH/why"
	echo "picked: $out"
	[ "$out" = "$1" ] && { [ -z "$2" ] || grep -qF "$2" "$SCRATCH/why"; }
}
# Trees that are not usable: no Rust, another version.
fake=$SCRATCH/fake
mkdir -p "$fake/norust/include/config" "$fake/v613/include/config" "$fake/v613/include/generated"
echo "$release" >"$fake/norust/include/config/kernel.release"
echo 6.13.0 >"$fake/v613/include/config/kernel.release"
touch "$fake/v613/include/generated/rustc_cfg"

# make TARGET: the user's command, with the module tree under $root.
run_make() { make -s -C "$TOP_DIR" "$1" KDIR="$kdir" INSTALL_MOD_PATH="$root"; }

installs() {
	[ "$(cat "$kdir/include/config/kernel.release")" = "$release" ] || {
		echo "the module is built for $(cat "$kdir/include/config/kernel.release"), the guest runs $release"
		return 1
	}
	run_make install && ls -l "$installed" && cmp "$RAMFS_KO" "$installed"
}

# Put the installed tree where modprobe (the kernel's and ours) looks.
use_tree() {
	mkdir -p "/lib/modules/$release" && mount --bind "$moddir" "/lib/modules/$release" &&
		_MOUNTS+=("/lib/modules/$release")
}

alias_resolves() {
	grep "fs-$RAMFS_NAME" "$moddir/modules.alias" &&
		modprobe --dry-run --show-depends "fs-$RAMFS_NAME" | grep -F "/updates/$RAMFS_NAME.ko"
}

autoloads() {
	ramfs_unload || return
	! ramfs_loaded || return
	mount -t "$RAMFS_NAME" none "$MNT" || return
	ramfs_loaded && echo auto >"$MNT/f" && [ "$(cat "$MNT/f")" = auto ]
}

unloads() {
	umount "$MNT" && modprobe -r "$RAMFS_NAME" && ! ramfs_loaded
}

uninstalls() {
	run_make uninstall && [ ! -e "$installed" ] && ! grep "fs-$RAMFS_NAME" "$moddir/modules.alias"
}

# mount(8) says "unknown filesystem type" for the kernel's ENODEV.
no_module_no_mount() {
	if mount -t "$RAMFS_NAME" none "$MNT" 2>&1; then
		umount "$MNT"
		return 1
	fi
	! ramfs_loaded
}

dkms_ko=$RESULTS/dkms/$RAMFS_NAME.ko
dkms_module_works() {
	[ -f "$dkms_ko" ] || {
		echo "no $dkms_ko: make check builds it with scripts/dkms.sh before the boot"
		return 1
	}
	modinfo -F vermagic "$dkms_ko"
	insmod "$dkms_ko" && mount -t "$RAMFS_NAME" none "$MNT" && echo dkms >"$MNT/f" &&
		[ "$(cat "$MNT/f")" = dkms ] && umount "$MNT" && rmmod "$RAMFS_NAME"
}

expect_ok "make builds for the running kernel when its tree is Rust-enabled 6.12" \
	picks RAMFS_RUNNING_BUILD="$kdir" "$kdir" "building for the running kernel"
expect_ok "no build tree for the running kernel: the cached test kernel, and why" \
	picks RAMFS_RUNNING_BUILD="$fake/none" cached:test "has no build tree"
expect_ok "a running kernel without Rust: the cached test kernel, and why" \
	picks RAMFS_RUNNING_BUILD="$fake/norust" cached:test "has no Rust support"
expect_ok "a running kernel of another version: the cached test kernel, and why" \
	picks RAMFS_RUNNING_BUILD="$fake/v613" cached:test "the module is for 6.12"
expect_ok "FLAVOUR=debug (make check) takes the cached debug kernel" \
	picks RAMFS_RUNNING_BUILD="$kdir" FLAVOUR=debug cached:debug ""
expect_ok "make install puts the built module into the module tree" installs
expect_ok "the installed tree stands in for /lib/modules/$release" use_tree
expect_ok "depmod recorded the fs-$RAMFS_NAME alias; modprobe resolves it" alias_resolves
expect_ok "mount -t $RAMFS_NAME with the module unloaded loads it and works" autoloads
expect_ok "umount, then modprobe -r unloads it" unloads
expect_ok "a second mount loads it again" autoloads
expect_ok "umount and modprobe -r again" unloads
expect_ok "make uninstall removes the module and its alias" uninstalls
expect_ok "after make uninstall, mount -t $RAMFS_NAME fails (unknown type)" no_module_no_mount
expect_ok "the module DKMS built loads and serves a mount" dkms_module_works

ktap_finished
