#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: rust_ramfs against the kernel's C ramfs and tmpfs.
#
# Boots the plain (non-debug) test kernel once and runs every workload of
# bench/run-guest.sh on the three file systems in that one boot, in
# alternating order, over several rounds; then, on the host, prints the table
# (median, min, max, and the ratios to ramfs and tmpfs), writes the figures as
# JSON and draws the chart:
#
#   results/bench/bench.json   every figure, every round, the ratios, the targets
#   results/bench/table.txt    the table printed at the end
#   results/bench/bench.png    per-entry cost vs directory size; data throughput
#   results/bench/raw/         what the guest wrote (raw.txt, fio JSON, dmesg)
#
# Under TCG absolute numbers mean little; the ratios measured in one boot do.
# Sizes and rounds: BENCH_ROUNDS, BENCH_SIZE_MIB, BENCH_RUNTIME, BENCH_META_N,
# BENCH_TREE, BENCH_SCALE, BENCH_MEM_N (see bench/run-guest.sh), passed on to
# the guest. VM_TIMEOUT (default 1800 s), VM_MEMORY, VM_CPUS as for vm.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/env.sh
. "$here/env.sh"
# The plain test kernel, whatever FLAVOUR the caller has: a debug kernel
# (KASAN, lockdep) measures the debugging.
export FLAVOUR=test
unset KDIR

results=$top/results
out=$results/bench
raw=$out/raw
mkdir -p "$out"
start=$SECONDS

# Installs what is missing (scripts/setup.sh) and builds the kernel if needed.
kdir=$("$here/kdir.sh")

# The module, built from a copy of the sources in the cache (see env.sh).
build=$RAMFS_CACHE/bench/module
echo "bench: building rust_ramfs.ko against $kdir"
if ! build_module_copy "$kdir" "$build" "$out/build.log"; then
	echo "bench: module build failed (log: results/bench/build.log)" >&2
	exit 1
fi
rm -rf "$raw"
mkdir -p "$raw"
cp "$build/rust_ramfs.ko" "$raw/rust_ramfs.ko"

# The metadata program, compiled at bench time into the cache (the guest
# runs the host's binaries over the shared root).
meta=$RAMFS_CACHE/bench/meta
mkdir -p "$(dirname "$meta")"
gcc -O2 -Wall -Wextra -Werror -o "$meta.new" "$top/bench/meta.c"
mv -f "$meta.new" "$meta"

# The guest command: our BENCH_* settings, then the workload script.
q() { printf '%q' "$1"; }
cmd="exec env"
while IFS= read -r var; do
	cmd+=" $(q "$var=${!var}")"
done < <(compgen -e | grep '^BENCH_' || true)
cmd+=" bash $(q "$top/bench/run-guest.sh") $(q "$raw") $(q "$raw/rust_ramfs.ko") $(q "$meta")"

export VM_TIMEOUT=${VM_TIMEOUT:-1800}
vm_start=$SECONDS
rc=0
# QEMU reopens its stdout by path, which truncates a regular file (make bench
# >log): the guest's output goes through a pipe (cat) whatever our stdout is.
"$here/vm.sh" exec "$cmd" | cat || rc=${PIPESTATUS[0]}
cp -f "$results/console.log" "$out/console.log" 2>/dev/null || true
echo "bench: VM run took $((SECONDS - vm_start)) s (exit status $rc)"
[ "$rc" -ne 124 ] || echo "bench: the VM did not finish within $VM_TIMEOUT s" >&2
if [ ! -s "$raw/raw.txt" ]; then
	echo "bench: the guest wrote no figures (console: results/bench/console.log)" >&2
	exit 1
fi

# The host's Debian python3, which has python3-matplotlib (scripts/setup.sh).
py=/usr/bin/python3
"$py" "$top/bench/report.py" "$raw" "$out/bench.json" | tee "$out/table.txt"
"$py" "$top/bench/chart.py" "$out/bench.json" "$out/bench.png"
echo "bench: chart: results/bench/bench.png; figures: results/bench/bench.json"
echo "bench: total time $((SECONDS - start)) s"
# Exit non-zero when the VM or a workload failed (the figures are kept).
exit "$rc"
