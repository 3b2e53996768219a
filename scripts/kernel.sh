#!/usr/bin/env bash
# Build (once) and print the path of the cached test kernel tree.
#
#   scripts/kernel.sh [FLAVOUR]     FLAVOUR = test (default) or debug
#
# `test` is tinyconfig plus kernel/test.config; any other flavour adds
# kernel/FLAVOUR.config on top (debug: KASAN, lockdep, kmemleak...).
#
# The tree is unpacked from Debian's linux-source-6.12, configured with
# `tinyconfig` plus the committed fragment, and built (bzImage, modules and the
# out-of-tree module build tree). It is cached under $RAMFS_CACHE, keyed by the
# kernel version and a hash of the fragments' settings and the toolchain, so it
# is built again only when one of them changes. Progress goes to stderr, the
# path to stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

flavour=${1:-test}
fragments=("$here/../kernel/test.config")
[ "$flavour" = test ] || fragments+=("$here/../kernel/$flavour.config")
for f in "${fragments[@]}"; do
	[ -f "$f" ] || { echo "kernel.sh: no fragment $f" >&2; exit 2; }
done

kver=$(dpkg-query -W -f='${Version}' linux-source-6.12 | sed 's/-.*//')
# The key covers the fragments' settings, not their comments: rewording a
# comment must not cost a kernel build.
key=$( (grep -hE '^(CONFIG_|# CONFIG_.* is not set$)' "${fragments[@]}"; /usr/bin/rustc -V
	echo "$BINDGEN_VERSION"; clang-19 --version | head -1) | sha256sum | cut -c1-12)
tree=$RAMFS_CACHE/linux-$kver-$flavour-$key

if [ -f "$tree/.rust_ramfs-built" ]; then
	echo "$tree"
	exit 0
fi

log=$RAMFS_CACHE/kernel-$flavour-build.log
echo "kernel.sh: building the $flavour kernel $kver into $tree (8 to 17 min on 2 cores; log: $log)" >&2
rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
tar -xJf "$KERNEL_SRC_TARBALL" -C "$tree.tmp" --strip-components=1

kmake() { make -C "$tree.tmp" "${KMAKE_TOOLS[@]}" "$@"; }
{
	kmake tinyconfig
	(cd "$tree.tmp" && ./scripts/kconfig/merge_config.sh -m .config "${fragments[@]}")
	kmake olddefconfig
} >"$log" 2>&1

# Every item of the fragments must have taken effect.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if [[ $want == "# "* ]]; then
		opt=${want#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$tree.tmp/.config" && { echo "kernel.sh: $opt is set, wanted unset" >&2; bad=1; }
	else
		grep -qx "$want" "$tree.tmp/.config" || { echo "kernel.sh: $want did not take effect (missing dependency?)" >&2; bad=1; }
	fi
done < <(cat "${fragments[@]}")
if [ "$bad" -ne 0 ]; then
	echo "kernel.sh: for CONFIG_RUST, check 'make -C $tree.tmp ${KMAKE_TOOLS[*]} rustavailable'" >&2
	exit 1
fi

if ! kmake -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "kernel.sh: kernel build failed; full log: $log" >&2
	exit 1
fi
touch "$tree.tmp/.rust_ramfs-built"
rm -rf "$tree"
mv "$tree.tmp" "$tree"
echo "kernel.sh: built $tree" >&2
echo "$tree"
