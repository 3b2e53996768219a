#!/usr/bin/env bash
# Run the kernel's build system (Kbuild) on this module:
#   scripts/kmake.sh TARGET... [VAR=value...]
# Against our cached test kernel it passes the toolchain that kernel was built
# with; against a user's KDIR it passes nothing, so `make KDIR=... LLVM=1`
# reaches Kbuild unchanged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
top=$(cd "$here/.." && pwd)
tools=()
[ -n "${KDIR:-}" ] || tools=("${KMAKE_TOOLS[@]}")
kdir=$("$here/kdir.sh")
exec make -C "$kdir" M="$top" "${tools[@]}" "$@"
