#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench-ab` (scripts/bench-ab.sh boots the VM and runs this).
#
#   bench/ab-guest.sh OUT META ROUNDS NAME=KO...
#
# Each round loads every build's module in turn (the order rotates from round
# to round), mounts it beside a fresh C ramfs and runs bench/meta.c's files
# and tree phases on the two at once, in alternating batches, with make
# bench's sizes; then unmounts and unloads it. Writes OUT/raw.txt, one line
# per phase and file system: "NAME ROUND PHASE INDEX N OPS SECONDS" (INDEX 0
# is rust_ramfs, 1 the C ramfs).
set -uo pipefail

out=$1 meta=$2 rounds=$3
shift 3
builds=("$@")
raw=$out/raw.txt
: >"$raw"
work=$(mktemp -d /tmp/bench-ab.XXXXXX)
mkdir -p "$work/rust" "$work/ramfs"
n=${#builds[@]}
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < n; k++)); do
		build=${builds[$(((k + r) % n))]}
		name=${build%%=*} ko=${build#*=}
		insmod "$ko" || { echo "bench-ab: cannot load $ko" >&2 && exit 1; }
		mount -t rust_ramfs none "$work/rust" && mount -t ramfs none "$work/ramfs" || exit 1
		for phases in "files 5000" "tree 1000 5000"; do
			# shellcheck disable=SC2086 # the phase and its sizes, split
			"$meta" $phases "$work/rust" "$work/ramfs" | sed "s/^/$name $r /" >>"$raw" ||
				{ echo "bench-ab: meta $phases failed ($name, round $r)" >&2 && exit 1; }
			rm -rf "${work:?}"/rust/* "${work:?}"/ramfs/*
		done
		umount "$work/rust" "$work/ramfs" && rmmod rust_ramfs || exit 1
	done
	echo "bench-ab: round $((r + 1))/$rounds done"
done
