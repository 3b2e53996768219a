# shellcheck shell=bash disable=SC2034
# Shared settings for the scripts (sourced, not run). One place for every
# version pin and cache path, and for how the bench builds the module.
RAMFS_CACHE=${RAMFS_CACHE:-$HOME/.cache/rust_ramfs}
TOOLS=$RAMFS_CACHE/tools
VENV=$RAMFS_CACHE/venv
BINDGEN_VERSION=0.73.2
PJDFSTEST_VERSION=0.2.2
FSX_VERSION=0.3.2
VNG_VERSION=1.42
LIBCLANG_PATH=/usr/lib/llvm-19/lib
KERNEL_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
export RAMFS_CACHE LIBCLANG_PATH
# The toolchain the kernel and the module are built with: Debian's rustc (it
# ships the library source), clang/LLVM 19, a pinned bindgen. CC and LD are
# what LLVM=-19 implies, named again because DKMS adds `CC=clang LD=ld.lld` to
# its make command for a kernel built with them (Debian has no plain `clang`),
# and an assignment on a sub-make's own command line wins over that.
KMAKE_TOOLS=(
	LLVM=-19 CC=clang-19 LD=ld.lld-19
	RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc HOSTRUSTC=/usr/bin/rustc
	CLIPPY_DRIVER=/usr/bin/clippy-driver
	BINDGEN="$TOOLS/bin/bindgen"
)

# build_module_copy KDIR DIR LOG [REV]: copies the module's sources (those git
# lists: Kbuild, *.h, *.rs, vfs/*.rs) from the work tree, or from revision
# REV, into DIR, exactly (a file an older copy had goes), and builds the
# module there against KDIR, its output in LOG (the end shown on a failure).
# `make bench` and `make bench-ab` build so: a copy can neither race with a
# build of the work tree nor swap the module under a running VM, and copies
# keep their times, so Kbuild rebuilds only what changed.
build_module_copy() {
	local kdir=$1 dir=$2 log=$3 rev=${4:-} top
	local sources=(Kbuild ':(glob)*.h' ':(glob)*.rs' ':(glob)vfs/*.rs')
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$dir" && rm -rf "$dir/Kbuild" "$dir/vfs" "$dir"/*.rs "$dir"/*.h || return
	if [ -n "$rev" ]; then
		git -C "$top" archive "$rev" -- "${sources[@]}" | tar -x -C "$dir" || return
	else
		git -C "$top" ls-files -z -- "${sources[@]}" |
			(cd "$top" && xargs -0 cp -p --parents -t "$dir") || return
	fi
	make -C "$kdir" M="$dir" "${KMAKE_TOOLS[@]}" modules >"$log" 2>&1 && return
	tail -n 30 "$log" >&2
	return 1
}
