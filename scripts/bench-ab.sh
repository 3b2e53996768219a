#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-ab`: the metadata workloads of `make bench` for several builds
# of rust_ramfs, in one boot.
#
#   make bench-ab REVS="bf02dc7 HEAD"      (default: HEAD~1 HEAD)
#
# `make bench` compares this tree's module with the C ramfs and tmpfs in one
# boot; from one boot to the next its ratios drift by a few percent, which
# hides a change of that size. Here the module of each git revision in REVS
# ("." is the work tree as it is) is built against the plain test kernel,
# and the guest (bench/ab-guest.sh) loads them one after another,
# BENCH_AB_ROUNDS times (default 12) in rotating order, each timed against
# the C ramfs by bench/meta.c in alternating batches. bench/ab-report.py
# prints, per workload and build, the median [min-max] of the per-round
# ratios to the C ramfs (>= 1.00: as fast or faster), and each build's
# median ratio to the first's.
#
#   results/bench-ab/raw.txt     "BUILD ROUND PHASE INDEX N OPS SECONDS"
#   results/bench-ab/table.txt   the table printed at the end
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/env.sh
. "$here/env.sh"
export FLAVOUR=test
unset KDIR
read -r -a revs <<<"${REVS:-HEAD~1 HEAD}"
[ "${#revs[@]}" -ge 1 ] || { echo "bench-ab: REVS names no revision" >&2 && exit 2; }
out=$top/results/bench-ab
mkdir -p "$out"
kdir=$("$here/kdir.sh")

# Each build in the cache (see env.sh): a revision's by commit, built once;
# the work tree's where `make bench` builds it.
args=()
for rev in "${revs[@]}"; do
	if [ "$rev" = . ]; then
		id="" build=$RAMFS_CACHE/bench/module
	else
		id=$(git -C "$top" rev-parse --short=12 "$rev^{commit}") ||
			{ echo "bench-ab: no revision $rev" >&2 && exit 2; }
		build=$RAMFS_CACHE/bench/ab/$id
	fi
	if [ -z "$id" ] || [ ! -f "$build/rust_ramfs.ko" ]; then
		echo "bench-ab: building $rev"
		build_module_copy "$kdir" "$build" "$build.log" ${id:+"$id"} ||
			{ echo "bench-ab: $rev does not build (log: $build.log)" >&2 && exit 1; }
	fi
	args+=("$rev=$build/rust_ramfs.ko")
done

meta=$RAMFS_CACHE/bench/meta
gcc -O2 -Wall -Wextra -Werror -o "$meta.new" "$top/bench/meta.c"
mv -f "$meta.new" "$meta"

q() { printf '%q' "$1"; }
cmd="exec bash $(q "$top/bench/ab-guest.sh") $(q "$out") $(q "$meta") $(q "${BENCH_AB_ROUNDS:-12}")"
for a in "${args[@]}"; do cmd+=" $(q "$a")"; done
export VM_TIMEOUT=${VM_TIMEOUT:-1800}
rc=0
"$here/vm.sh" exec "$cmd" | cat || rc=${PIPESTATUS[0]}
[ -s "$out/raw.txt" ] || { echo "bench-ab: the guest wrote no figures" >&2 && exit 1; }
/usr/bin/python3 "$top/bench/ab-report.py" "$out/raw.txt" "${revs[@]}" | tee "$out/table.txt"
exit "$rc"
