#!/usr/bin/env bash
# Run the kernel's build system (Kbuild) on this module:
#   scripts/kmake.sh TARGET... [VAR=value...]
# Against our cached test kernel it passes the toolchain that kernel was built
# with; against a user's KDIR it passes nothing, so `make KDIR=... LLVM=1`
# reaches Kbuild unchanged. FLAVOUR=debug builds against the debug kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
top=$(cd "$here/.." && pwd)
tools=()
[ -n "${KDIR:-}" ] || tools=("${KMAKE_TOOLS[@]}")
kdir=$("$here/kdir.sh")
# The objects in this tree belong to one kernel: switching kernels (`make`
# for the test kernel, `make check` for the debug one) starts from clean.
stamp=$top/.kdir
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	make -s -C "$kdir" M="$top" "${tools[@]}" clean
	echo "$kdir" >"$stamp"
fi
exec make -C "$kdir" M="$top" "${tools[@]}" "$@"
