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
#   scripts/vm.sh exec CMD        run the shell command CMD (make bench's
#                                 workloads); VM_TIMEOUT (default 1800 s)
#
# The guest's kernel console is kept in results/console.log (results/ is
# shared read-write with the guest). The exit status is the guest command's,
# 124 when the VM ran out of time.
#
# Environment: VM_TIMEOUT seconds (default: 300 + the test scripts' own time
# limits, see tests/run-guest.sh --budget), VM_MEMORY (4G), VM_CPUS (2),
# VM_KVM=1 to use KVM (off by default: on our machines KVM fails with an
# emulation error, so QEMU runs under TCG, `-accel tcg -cpu max`).
# FLAVOUR=debug boots the debug kernel (scripts/kernel.sh debug) and tells the
# tests so (RAMFS_FLAVOUR=debug in their environment).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/env.sh
. "$here/env.sh"

mode=${1:-}
shift || true
case $mode in
run | test | exec) ;;
*)
	echo "usage: $0 run | test [NAME...] | exec CMD" >&2
	exit 2
	;;
esac

# The VM boots our cached kernel (the test one unless FLAVOUR says otherwise),
# or the user's KDIR; never the running kernel's tree `make` may build for.
[ -n "${KDIR:-}" ] || export FLAVOUR=${FLAVOUR:-test}
kdir=$("$here/kdir.sh")
# vng runs its sibling virtme-run from PATH.
export PATH="$VENV/bin:$PATH"
results=$top/results
mkdir -p "$results"
console=$results/console.log
# One VM at a time per tree: runs would share results/ and, on 2 cores, slow
# each other down past their timeouts.
exec 9>"$results/.vm.lock"
flock -n 9 || { echo "vm.sh: waiting for another VM run of this tree to end" >&2 && flock 9; }

# --force-9p: bookworm's QEMU ships an old virtiofsd that vng tries, and
# waits for, in vain. cache=loose (the rest is vng 1.42's own rootflags): the
# guest caches the read-only host root; uncached, under TCG, every exec costs
# seconds of 9p round trips (bash starts in 0.4 s instead of 2 s, the boot to
# the command takes ~20 s instead of ~40 s).
# log_buf_len: the tests read the kernel log back (dmesg_mark counts lines),
# so it must not wrap: tinyconfig's 128 KiB holds ~1500 lines.
# no5lvl: QEMU's `-cpu max` offers 5-level paging. With it, a debug-kernel
# boot now and then died of a KASAN "wild-memory-access" in an interrupt
# during identify_cpu(): that function clears the boot CPU's feature bits for
# a moment, so pgtable_l5_enabled() reads false and KASAN takes an address of
# the 5-level direct map for one outside its shadow. Four levels avoid that
# (and make TCG's page walks shorter).
vng=("$VENV/bin/vng" --run "$kdir" --user root --force-9p
	--append "rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288,cache=loose"
	--append "log_buf_len=8M no5lvl"
	--memory "${VM_MEMORY:-4G}" --cpus "${VM_CPUS:-2}" --rwdir "$results")
[ "${VM_KVM:-0}" = 1 ] || vng+=(--disable-kvm)
flavour=${FLAVOUR:-test}
if [ "$flavour" = debug ]; then
	# Any warning (lockdep, DEBUG_LIST, DEBUG_VM, DEBUG_OBJECTS, a Rust debug
	# assertion) or KASAN report stops the guest: nothing may pass after one.
	vng+=(--append "panic_on_warn=1 kasan.fault=panic oops=panic")
fi

# vng runs the command with /bin/sh: hand over to bash at once. The VM's time
# limit: boot and power-off (a few minutes at most under TCG on a busy
# machine) plus, for tests, what the runner says the scripts may take.
q() { printf '%q' "$1"; }
limit=300
if [ "$mode" = test ]; then
	cmd="RAMFS_FLAVOUR=$flavour"
	# The settings the scripts take from the host (tests/trinity.sh,
	# tests/fstests.sh, tests/run-guest.sh).
	for v in TRINITY_SYSCALLS FSTESTS_DIR FSTESTS_LIST RAMFS_TIMEOUT_OVERRIDE; do
		[ -z "${!v:-}" ] || cmd+=" $v=$(q "${!v}")"
	done
	cmd+=" exec bash $(q "$top/tests/run-guest.sh")"
	for a; do cmd+=" $(q "$a")"; done
	limit=$((limit + $(RAMFS_FLAVOUR=$flavour bash "$top/tests/run-guest.sh" --budget "$@")))
elif [ "$mode" = exec ]; then
	cmd="RAMFS_FLAVOUR=$flavour $1"
	limit=1800
elif [ -t 0 ] && [ -t 1 ]; then
	# vng's own interactive console (job control, Ctrl-C goes to the guest),
	# with our script as the login shell. No time limit, no console log.
	exec "${vng[@]}" --shell "$here/vm-shell.sh"
else
	cmd="RAMFS_FLAVOUR=$flavour exec bash $(q "$here/vm-shell.sh")"
fi

# --verbose sends the kernel console to vng's stderr (else it is dropped).
# QEMU reopens stdout/stderr by path, truncating a regular file and keeping its
# own offset, so hand it pipes: stderr through cat into the console log. The
# log is console.log.part while the VM runs, console.log once it is over, so
# that the caller reads the complete log of this run (check.sh scans it) even
# when another run is waiting for the lock.
echo "vm.sh: booting $kdir (guest console: $console.part)" >&2
rc=0
{
	timeout -k 10 "${VM_TIMEOUT:-$limit}" "${vng[@]}" --verbose --exec "$cmd" </dev/null \
		2>&1 >&3 3>&- | cat >"$console.part" || rc=${PIPESTATUS[0]}
} 3>&1
mv -f "$console.part" "$console"
[ "$rc" -ne 124 ] || echo "vm.sh: the VM did not finish within ${VM_TIMEOUT:-$limit} s" >&2
exit "$rc"
