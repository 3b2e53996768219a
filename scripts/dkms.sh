#!/usr/bin/env bash
# Build the module the way DKMS users do (`dkms add` and `dkms build` with
# this tree's dkms.conf) against a Rust-enabled kernel tree, and copy the
# result to results/dkms/rust_ramfs.ko, where tests/install.sh loads it in
# the VM. make check runs it against the kernel it boots.
#
#   scripts/dkms.sh KDIR
#
# DKMS's own trees (the source copy and the build) are kept under
# $RAMFS_CACHE/dkms, not in /usr/src and /var/lib/dkms: the machine's DKMS
# state is left alone. Each run starts them afresh, from the files git
# tracks or would track in this tree (so results/ and build outputs stay out).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
top=$(dirname "$here")
kdir=${1:?usage: $0 KDIR}
release=$(cat "$kdir/include/config/kernel.release")
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$top/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")

base=$RAMFS_CACHE/dkms
rm -rf "$base"
mkdir -p "$base/source/$name-$version" "$base/tree"
git -C "$top" ls-files -z --cached --others --exclude-standard |
	(cd "$top" && cpio -0pdm --quiet "$base/source/$name-$version")

dkms=(dkms --dkmstree "$base/tree" --sourcetree "$base/source")
"${dkms[@]}" add -m "$name" -v "$version"
if ! "${dkms[@]}" build -m "$name" -v "$version" -k "$release" --kernelsourcedir "$kdir"; then
	cat "$base/tree/$name/$version/build/make.log" >&2 || true
	exit 1
fi
"${dkms[@]}" status -m "$name" -v "$version"
mkdir -p "$top/results/dkms"
cp "$base/tree/$name/$version/$release/$(uname -m)/module/$name.ko" "$top/results/dkms/"
echo "dkms.sh: built $top/results/dkms/$name.ko for $release"
