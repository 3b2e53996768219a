#!/usr/bin/env bash
# `make uninstall`: remove what `make install` put into the module tree of the
# kernel the module is built for (under INSTALL_MOD_PATH when given), and run
# depmod there again so that the `fs-rust_ramfs` alias no longer resolves.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$("$here/kdir.sh")
release=$(cat "$kdir/include/config/kernel.release")
root=${INSTALL_MOD_PATH:-}
moddir=$root/lib/modules/$release
ko=$moddir/${INSTALL_MOD_DIR:-updates}/rust_ramfs.ko
if [ ! -e "$ko" ]; then
	echo "uninstall: $ko is not installed"
	exit 0
fi
rm -f "$ko"
echo "uninstall: removed $ko"
map=()
[ ! -f "$kdir/System.map" ] || map=(-F "$kdir/System.map")
depmod -a ${root:+-b "$root"} "${map[@]}" "$release"
