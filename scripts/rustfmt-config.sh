#!/usr/bin/env bash
# Print the path of the kernel's .rustfmt.toml (the formatting rules of
# Documentation/rust/coding-guidelines.rst): from the kernel tree the module is
# built against when the user gives one (KDIR=), else taken once from Debian's
# kernel source into the cache. No kernel build needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
if [ -n "${KDIR:-}" ] && [ -f "$KDIR/.rustfmt.toml" ]; then
	echo "$KDIR/.rustfmt.toml"
	exit 0
fi
config=$RAMFS_CACHE/rustfmt/.rustfmt.toml
if [ ! -f "$config" ]; then
	[ -f "$KERNEL_SRC_TARBALL" ] || "$here/setup.sh" >&2
	mkdir -p "${config%/*}"
	# The file is near the start of the archive: stop reading at it.
	tar -xJf "$KERNEL_SRC_TARBALL" -O --wildcards --occurrence=1 '*/.rustfmt.toml' >"$config.tmp"
	mv "$config.tmp" "$config"
fi
echo "$config"
