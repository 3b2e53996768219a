#!/usr/bin/env bash
# Print the kernel build tree the module is built against:
#   1. $KDIR when the user gives one (their own Rust-enabled tree);
#   2. with FLAVOUR set (test or debug: `make check`, `make run`, `make bench`,
#      which boot that kernel), our cached kernel of that flavour;
#   3. else the running kernel's tree, /lib/modules/$(uname -r)/build, when
#      it is a built Rust-enabled tree of a version the module supports (the
#      convention of out-of-tree modules: `make` builds for this machine);
#   4. else our cached test kernel, installing whatever is missing and
#      building it if needed.
# In cases 3 and 4 one line on stderr says which tree and why.
#
#   scripts/kdir.sh [--dry-run]
#
# --dry-run decides without installing or building anything: it prints the
# tree, or `cached:FLAVOUR` for one of ours (tests/install.sh checks the
# choice this way). RAMFS_RUNNING_BUILD overrides where the running kernel's
# tree is looked for.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dry_run=false
[ "${1:-}" != --dry-run ] || dry_run=true

# The kernel versions the module is written for (6.12's `kernel` crate).
supported='6.12.*'

# rust_tree DIR: DIR is a built tree with Rust support.
rust_tree() { [ -f "$1/include/generated/rustc_cfg" ]; }

if [ -n "${KDIR:-}" ]; then
	rust_tree "$KDIR" || {
		echo "kdir.sh: KDIR=$KDIR is not a built Rust-enabled kernel tree (no include/generated/rustc_cfg)" >&2
		exit 1
	}
	echo "$KDIR"
	exit 0
fi

if [ -z "${FLAVOUR:-}" ]; then
	running=${RAMFS_RUNNING_BUILD:-/lib/modules/$(uname -r)/build}
	release=$(cat "$running/include/config/kernel.release" 2>/dev/null || true)
	# shellcheck disable=SC2053 # $supported is a glob on purpose
	if [ -z "$release" ]; then
		why="the running kernel ($(uname -r)) has no build tree at $running"
	elif ! rust_tree "$running"; then
		why="the running kernel's tree $running has no Rust support"
	elif [[ $release != $supported ]]; then
		why="the running kernel is $release, the module is for $supported"
	else
		echo "kdir.sh: building for the running kernel, $running ($release)" >&2
		echo "$running"
		exit 0
	fi
	echo "kdir.sh: $why: building for the project's cached 6.12 test kernel" >&2
fi
if $dry_run; then
	echo "cached:${FLAVOUR:-test}"
	exit 0
fi
"$here/setup.sh" >&2
"$here/kernel.sh" "${FLAVOUR:-test}"
