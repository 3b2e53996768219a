#!/usr/bin/env bash
# Install everything rust_ramfs needs to build the test kernel, the module and
# run the test suite in a VM. Idempotent: each step checks first and does
# nothing when its piece is already there. Uses sudo when not root.
#
# Caches live outside the work tree, under $RAMFS_CACHE (default
# ~/.cache/rust_ramfs), so a clean checkout reuses them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
. "$here/env.sh"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# Debian packages: kernel source and Rust toolchain (Debian's rustc ships the
# library source the kernel needs; rustup's toolchains here do not), the
# LLVM/clang the kernel's Rust support is built with, kernel build deps, the VM
# (QEMU, udev for virtme-ng's virtio-serial ports), the userland tools the
# tests run inside the guest (trinity, the syscall fuzzer, among them), `make
# bench`'s (fs_mark, mbw, gcc for bench/meta.c, matplotlib for its chart), for
# `make check` shellcheck, pyflakes and DKMS, and what fstests needs to build
# and run (scripts/fstests-build.sh; its README lists them; xfsprogs brings
# xfs_io, which its tests call).
PKGS=(
	linux-source-6.12 rustc-web rust-web-src rust-web-clippy
	clang-19 lld-19 llvm-19 libclang-19-dev
	flex bison bc libelf-dev libssl-dev cpio kmod make
	qemu-system-x86 busybox-static udev python3-venv
	libacl1-dev stress-ng fio attr acl libcap2-bin util-linux procps psmisc graphviz
	fsmark mbw gcc python3-matplotlib shellcheck python3-pyflakes trinity dkms
	autoconf automake libtool pkg-config gawk xfsprogs xfslibs-dev uuid-dev libattr1-dev
	libaio-dev liburing-dev libgdbm-dev libgdbm-compat-dev libinih-dev libcap-dev
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$RAMFS_CACHE"

# Cargo-installed tools, pinned, into the cache (visible in the guest, which
# shares the host's root file system).
cargo_tool() { # name version binary
	local name=$1 ver=$2 bin=$3
	if [ -x "$TOOLS/bin/$bin" ] && "$TOOLS/bin/$bin" --version 2>/dev/null | grep -q "$ver"; then
		return
	fi
	echo "setup: cargo install $name $ver"
	LIBCLANG_PATH=$LIBCLANG_PATH cargo install --quiet --locked --root "$TOOLS" "$name" --version "$ver"
}
cargo_tool bindgen-cli "$BINDGEN_VERSION" bindgen
cargo_tool pjdfstest "$PJDFSTEST_VERSION" pjdfstest
cargo_tool fsx "$FSX_VERSION" fsx

# virtme-ng (the kernel community's VM runner) in a venv in the cache.
if ! "$VENV/bin/vng" --version 2>/dev/null | grep -q "$VNG_VERSION"; then
	echo "setup: pip install virtme-ng==$VNG_VERSION"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install -q "virtme-ng==$VNG_VERSION"
fi

echo "setup: all tools present"
