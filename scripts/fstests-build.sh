#!/usr/bin/env bash
# Build fstests (xfstests-dev, the kernel community's filesystem test suite)
# once into the cache and print the path of the built tree; print nothing and
# exit 0 when there is no source to build from (tests/fstests.sh then skips,
# saying why).
#
# The source: FSTESTS_SRC, a checkout or a `git archive` tarball of
# xfstests-dev (git://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git); unset,
# the pinned tarball in ../shared/third_party/ beside this tree, when it is
# there. The build is keyed by the source (a tarball's checksum, a checkout's
# commit), so another source builds again.
#
# Built with --disable-shared: the helpers are plain programs, not libtool
# wrapper scripts tied to the build directory (each of those costs a shell
# more per call in the VM, and the tree could not move). The VM runs it from
# the cache, read-only, at the same path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

src=${FSTESTS_SRC:-}
if [ -z "$src" ]; then
	shared=$(cd "$here/../.." && pwd)/shared
	src=$(ls "$shared"/third_party/xfstests-dev-*.tar.gz 2>/dev/null | head -n1 || true)
	[ -n "$src" ] || exit 0
fi
if [ -d "$src" ]; then
	key=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo local)
else
	key=$(sha256sum "$src" | cut -c1-12)
fi
dest=$RAMFS_CACHE/fstests-$key
if [ -f "$dest/.built" ]; then
	echo "$dest"
	exit 0
fi

log=$RAMFS_CACHE/fstests-build.log
echo "fstests-build: building fstests from $src into $dest (about 3 min; log: $log)" >&2
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
if [ -d "$src" ]; then
	(cd "$src" && tar -c --exclude=.git .) | tar -x -C "$dest.tmp"
else
	tar -xzf "$src" -C "$dest.tmp" --strip-components=1
fi
if ! (cd "$dest.tmp" && make configure &&
	./configure --disable-shared --libexecdir=/usr/lib --exec_prefix=/var/lib &&
	make -j"$(nproc)") >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "fstests-build: build failed; full log: $log" >&2
	exit 1
fi
touch "$dest.tmp/.built"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest"
