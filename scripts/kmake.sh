#!/usr/bin/env bash
# Run the kernel's build system (Kbuild) on this module:
#   scripts/kmake.sh TARGET... [VAR=value...]
# against the tree scripts/kdir.sh picks (KDIR=, FLAVOUR=, else the running
# kernel's or our cached test kernel). A tree our scripts built (it has
# .rust_ramfs-built) gets the toolchain it was built with; any other tree
# gets nothing, so `make KDIR=... LLVM=1` reaches Kbuild unchanged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
top=$(cd "$here/.." && pwd)
kdir=$("$here/kdir.sh")
tools=()
[ ! -f "$kdir/.rust_ramfs-built" ] || tools=("${KMAKE_TOOLS[@]}")
# The objects in this tree belong to one kernel: switching kernels (`make`
# for the test kernel, `make check` for the debug one) starts from clean.
stamp=$top/.kdir
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	make -s -C "$kdir" M="$top" "${tools[@]}" clean
	echo "$kdir" >"$stamp"
fi
exec make -C "$kdir" M="$top" "${tools[@]}" "$@"
