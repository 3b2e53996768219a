# shellcheck shell=bash disable=SC2034
# Shared settings for the scripts (sourced, not run). One place for every
# version pin and cache path.
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
