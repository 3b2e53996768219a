#!/usr/bin/env bash
# Print the kernel build tree the module is built against: $KDIR when the user
# gives one (their own Rust-enabled tree), else our cached test kernel, after
# installing whatever is missing and building it if needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${KDIR:-}" ]; then
	[ -f "$KDIR/include/generated/rustc_cfg" ] || {
		echo "kdir.sh: KDIR=$KDIR is not a built Rust-enabled kernel tree (no include/generated/rustc_cfg)" >&2
		exit 1
	}
	echo "$KDIR"
	exit 0
fi
"$here/setup.sh" >&2
"$here/kernel.sh" "${FLAVOUR:-test}"
