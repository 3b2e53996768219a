#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel in QEMU with virtme-ng (vng). The guest mounts the
# host's root file system read-only over 9p, so it sees this tree, the module
# and the host's tools (python3, stress-ng, fio, pjdfstest) at their host paths.
#
#   scripts/vm.sh run             module loaded, a rust_ramfs on /mnt: a shell
#                                 when stdin is a terminal, else show the mount
#                                 and power off
#   scripts/vm.sh test [NAME...]  run tests/run-guest.sh [NAME...]: KTAP on stdout
#
# The guest's kernel console is kept in results/console.log (results/ is
# shared read-write with the guest). The exit status is the guest command's,
# 124 when the VM ran out of time.
#
# Environment: VM_TIMEOUT seconds (default 1200), VM_MEMORY (4G), VM_CPUS (2),
# VM_KVM=1 to use KVM (off by default: on our machines KVM fails with an
# emulation error, so QEMU runs under TCG, `-accel tcg -cpu max`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/env.sh
. "$here/env.sh"

mode=${1:-}
shift || true
case $mode in
run | test) ;;
*)
	echo "usage: $0 run | test [NAME...]" >&2
	exit 2
	;;
esac

kdir=$("$here/kdir.sh")
results=$top/results
mkdir -p "$results"
console=$results/console.log

vng=("$VENV/bin/vng" --run "$kdir" --user root
	--memory "${VM_MEMORY:-4G}" --cpus "${VM_CPUS:-2}" --rwdir "$results")
[ "${VM_KVM:-0}" = 1 ] || vng+=(--disable-kvm)

# The guest does not inherit our environment: pass what tests/lib.sh needs.
q() { printf '%q' "$1"; }
genv="export KDIR=$(q "$kdir") RESULTS=$(q "$results");"
lib=$(q "$top/tests/lib.sh")

if [ "$mode" = test ]; then
	args=
	for a; do args+=" $(q "$a")"; done
	cmd="$genv exec bash $(q "$top/tests/run-guest.sh")$args"
else
	setup="$genv . $lib && fs_mount \"\$RAMFS_NAME\" /mnt && cd /mnt"
	if [ -t 0 ] && [ -t 1 ]; then
		echo "vm.sh: rust_ramfs is mounted on /mnt; leave with exit or Ctrl-D"
		exec "${vng[@]}" --exec "$setup && exec bash -i"
	fi
	cmd="$setup && mount | grep rust_ramfs && ls -la /mnt"
fi

# --verbose sends the kernel console to vng's stderr (else it is dropped).
# QEMU reopens stdout/stderr by path, truncating a regular file and keeping its
# own offset, so hand it pipes: stderr through cat into the console log.
echo "vm.sh: booting $kdir (guest console: $console)" >&2
rc=0
{
	timeout -k 10 "${VM_TIMEOUT:-1200}" "${vng[@]}" --verbose --exec "$cmd" </dev/null \
		2>&1 >&3 3>&- | cat >"$console" || rc=${PIPESTATUS[0]}
} 3>&1
[ "$rc" -ne 124 ] || echo "vm.sh: the VM did not finish within ${VM_TIMEOUT:-1200} s" >&2
exit "$rc"
