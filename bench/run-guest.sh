#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` (scripts/bench.sh boots the VM and runs this).
#
#   bench/run-guest.sh OUT KO META
#
# OUT: a directory shared with the host (results/bench/raw), KO: the
# rust_ramfs.ko to load, META: the metadata program (bench/meta.c, compiled on
# the host). Runs every workload on rust_ramfs, the C ramfs and tmpfs, on
# fresh mounts, in this one boot, BENCH_ROUNDS times (default 6).
#
# Under TCG on a busy 2-core host the guest's own speed drifts by tens of
# percent from one second to the next, so the three file systems take turns
# every few milliseconds and their ratios hold even when absolute figures do
# not: the three are mounted side by side; each fio job runs on the three at
# once, pinned to one vCPU (see data.fio); bench/meta.c runs each metadata
# phase on the three in small alternating batches. The order of the three
# still changes from step to step and round to round (6 rounds give each
# step all 6 orders). Memory is measured one file system at a time
# (system-wide counters), in the round's order.
#
# Writes OUT/raw.txt, one figure a line: "ROUND FS GROUP METRIC VALUE"
# (VALUE "OPS:SECONDS" for a timed metadata phase), OUT/fio-ROUND.json (jobs
# named JOB.FS) and the job file OUT/round-ROUND.fio, OUT/info.txt (kernel,
# sizes), OUT/dmesg.txt, and OUT/errors.txt when something failed (exit
# status 1). Progress on stdout.
#
# Sizes (environment, defaults): BENCH_SIZE_MIB=64 (fio file), BENCH_RUNTIME=3
# (seconds per timed fio job, shared by the three), BENCH_META_N=5000 (files
# per directory in the metadata phases), BENCH_TREE="1000 5000" (depth and
# width of the mkdir/rmdir trees), BENCH_SCALE="1000 10000 100000" (directory
# sizes), BENCH_MEM_N=10000 (files for the memory figures). bench/meta.c
# repeats a phase over enough directories of that size to do at least 10 000
# operations.
set -uo pipefail

out=$1 ko=$2 meta=$3
ROUNDS=${BENCH_ROUNDS:-6}
SIZE_MIB=${BENCH_SIZE_MIB:-64}
SIZE=${SIZE_MIB}M
RUNTIME=${BENCH_RUNTIME:-3}
META_N=${BENCH_META_N:-5000}
read -r TREE_DEPTH TREE_WIDTH <<<"${BENCH_TREE:-1000 5000}"
read -r -a SCALE <<<"${BENCH_SCALE:-1000 10000 100000}"
MEM_N=${BENCH_MEM_N:-10000}
here=$(cd "$(dirname "$0")" && pwd)
FSES=(rust_ramfs ramfs tmpfs)
# The 6 orders of the three file systems (indexes into FSES).
ORDERS=("0 1 2" "1 2 0" "2 0 1" "2 1 0" "1 0 2" "0 2 1")

mkdir -p "$out" || exit 1
raw=$out/raw.txt
: >"$raw"
rm -f "$out/errors.txt"
work=$(mktemp -d /tmp/bench.XXXXXX)
cleanup() {
	local fs
	for fs in "${FSES[@]}"; do
		! mountpoint -q "$work/$fs" || umount "$work/$fs"
	done
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "bench: $*" | tee -a "$out/errors.txt" >&2
}

insmod "$ko" || { fail "cannot load $ko"; exit 1; }

# rec ROUND FS GROUP METRIC VALUE
rec() { echo "$*" >>"$raw"; }

mount_fs() { mkdir -p "$work/$1" && mount -t "$1" "$1" "$work/$1"; }
umount_fs() { umount "$work/$1"; }
mount_all() {
	local fs
	for fs in "${FSES[@]}"; do
		mount_fs "$fs" || { fail "mount -t $fs failed"; return 1; }
	done
}
umount_all() {
	local fs
	for fs in "${FSES[@]}"; do
		umount_fs "$fs" || fail "umount of $fs failed"
	done
}

# order ROUND N: the file systems in the order for the round's Nth step.
order() {
	local i
	for i in ${ORDERS[($1 + $2) % 6]}; do
		printf '%s\n' "${FSES[i]}"
	done
}

# dirs SUBDIR FS...: the directory SUBDIR on each file system's mount.
dirs() {
	local sub=$1 fs
	shift
	for fs; do printf '%s\n' "$work/$fs/$sub"; done
}

# meta_rec ROUND GROUP FS... < bench/meta's "PHASE INDEX N OPS SECONDS"
# lines: INDEX is the position of the directory, so of its file system, in
# FS...; scale figures are named PHASE@N.
meta_rec() {
	local r=$1 group=$2 phase i n ops secs
	shift 2
	local fses=("$@")
	while read -r phase i n ops secs; do
		[ -n "$phase" ] || continue
		[ "$group" != scale ] || phase+="@$n"
		rec "$r" "${fses[i]}" "$group" "$phase" "$ops:$secs"
	done
}

# --- the workload groups: GROUP ROUND ------------------------------------

# fio: bench/data.fio's jobs, each on the three file systems at once, all
# three pinned to the last vCPU (see data.fio).
data() {
	local r=$1 j=0 spec='' fs
	local -a names
	mapfile -t names < <(awk '/^\[/ && $0 != "[global]" { print substr($0, 2, length($0) - 2) }' "$here/data.fio")
	for name in "${names[@]}"; do
		spec+="$name=$(order "$r" "$j" | tr '\n' ' ');"
		j=$((j + 1))
	done
	for fs in "${FSES[@]}"; do
		dd if=/dev/zero of="$work/$fs/data" bs=1M count="$SIZE_MIB" status=none ||
			{ fail "cannot write $work/$fs/data"; return 1; }
	done
	# data.fio with each job section repeated once per file system, in the
	# job's order: [JOB.FS] with directory= the file system's mount; the
	# first of the three waits for the jobs before (stonewall).
	awk -v spec="$spec" -v work="$work" -v size="$SIZE" -v runtime="$RUNTIME" -v cpu=$(($(nproc) - 1)) '
		function flush(   k, n, f) {
			if (job == "") return
			n = split(fs[job], f, " ")
			for (k = 1; k <= n; k++) {
				printf "[%s.%s]\ndirectory=%s/%s\n%s%s\n", job, f[k], work, f[k],
					k == 1 ? "stonewall\n" : "", body
			}
		}
		BEGIN {
			n = split(spec, s, ";")
			for (i = 1; i <= n; i++) if (split(s[i], kv, "=") == 2) fs[kv[1]] = kv[2]
		}
		{ gsub(/\$\{BENCH_SIZE\}/, size); gsub(/\$\{BENCH_RUNTIME\}/, runtime) }
		/^\[global\]$/ { inglobal = 1; print; printf "cpus_allowed=%d\n", cpu; next }
		/^\[/ { flush(); inglobal = 0; job = substr($0, 2, length($0) - 2); body = ""; next }
		/^#/ || /^$/ { next }
		inglobal { print; next }
		job != "" { body = body $0 "\n" }
		END { flush() }
	' "$here/data.fio" >"$work/round.fio"
	cp "$work/round.fio" "$out/round-$r.fio"
	timeout 900 fio --output-format=json --output="$out/fio-$r.json" "$work/round.fio" >/dev/null ||
		fail "fio failed in round $r"
}

metadata() {
	local r=$1 fs o
	local -a fses d
	mapfile -t fses < <(order "$r" 1)
	for fs in "${fses[@]}"; do
		mkdir "$work/$fs/files" "$work/$fs/tree" "$work/$fs/fsmark" || return
	done
	mapfile -t d < <(dirs files "${fses[@]}")
	o=$(timeout 600 "$meta" files "$META_N" "${d[@]}") || fail "meta files failed in round $r"
	meta_rec "$r" meta "${fses[@]}" <<<"$o"
	mapfile -t d < <(dirs tree "${fses[@]}")
	o=$(timeout 600 "$meta" tree "$TREE_DEPTH" "$TREE_WIDTH" "${d[@]}") ||
		fail "meta tree failed in round $r"
	meta_rec "$r" meta "${fses[@]}" <<<"$o"
	# fs_mark, the third-party figure: 3 loops of META_N empty files into
	# one directory, one loop per call so that the file systems take turns;
	# the mean of its Files/sec column.
	command -v fs_mark >/dev/null || return 0
	declare -A sum=()
	for _ in 1 2 3; do
		for fs in "${fses[@]}"; do
			o=$(cd "$work" && timeout 600 fs_mark -d "$work/$fs/fsmark" -s 0 -n "$META_N" -L 1 -S 0) ||
				fail "fs_mark on $fs failed in round $r"
			sum[$fs]=$(awk -v s="${sum[$fs]:-0}" '$1 ~ /^[0-9]+$/ && NF == 5 { s += $4 } END { print s }' <<<"$o")
		done
	done
	for fs in "${fses[@]}"; do
		rec "$r" "$fs" meta fs_mark "$(awk -v s="${sum[$fs]}" 'BEGIN { print s / 3 }')"
	done
}

# All sizes at once, taking turns (see bench/meta.c): the cost per entry at
# each size is measured in the same moments.
scaling() {
	local r=$1 o fs sizes
	local -a fses d
	mapfile -t fses < <(order "$r" 2)
	for fs in "${fses[@]}"; do
		mkdir "$work/$fs/scale" || return
	done
	sizes=$(IFS=,; echo "${SCALE[*]}")
	mapfile -t d < <(dirs scale "${fses[@]}")
	o=$(timeout 900 "$meta" scale "$sizes" "${d[@]}") ||
		fail "meta scale failed in round $r"
	meta_rec "$r" scale "${fses[@]}" <<<"$o"
}

# snap: "MEMFREE SLAB" in kB, the per-CPU counters folded into the totals.
# (No drop_caches: it would also drop the guest's cache of the host's files,
# which it then reads again over 9p, slowly, and nothing else runs here.)
snap() {
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk '/^MemFree:/ { f = $2 } /^Slab:/ { s = $2 } END { print f, s }' /proc/meminfo
}

# per_file KB: KB kilobytes over MEM_N files, in bytes per file.
per_file() { awk -v kb="$1" -v n="$MEM_N" 'BEGIN { printf "%.1f\n", kb * 1024 / n }'; }

# Memory per file, one file system at a time: MEM_N empty files, then MEM_N
# files of 4 KiB; the Slab and MemFree deltas in bytes per file.
memory() {
	local r=$1 fs f0 s0 f1 s1 f2 s2 d
	for fs in $(order "$r" 5); do
		mount_fs "$fs" || { fail "mount -t $fs failed"; continue; }
		d=$work/$fs
		mkdir "$d/empty" "$d/4k"
		read -r f0 s0 < <(snap)
		"$meta" create "$MEM_N" 0 "$d/empty" >/dev/null || fail "meta create on $fs failed"
		read -r f1 s1 < <(snap)
		"$meta" create "$MEM_N" 4096 "$d/4k" >/dev/null || fail "meta create 4k on $fs failed"
		read -r f2 s2 < <(snap)
		rec "$r" "$fs" mem empty-slab "$(per_file $((s1 - s0)))"
		rec "$r" "$fs" mem empty-total "$(per_file $((f0 - f1)))"
		rec "$r" "$fs" mem 4k-slab "$(per_file $((s2 - s1)))"
		rec "$r" "$fs" mem 4k-total "$(per_file $((f1 - f2)))"
		umount_fs "$fs" || fail "umount of $fs failed"
	done
}

# The physical reference, no file system: memcpy bandwidth (mbw) and
# /dev/zero to /dev/null (dd), in MiB/s.
reference() {
	local r=$1 o
	if command -v mbw >/dev/null; then
		o=$(timeout 120 mbw -q -n 5 -t0 64 2>&1)
		rec "$r" - ref mbw-memcpy "$(awk '$1 == "AVG" { for (i = 1; i < NF; i++) if ($i == "Copy:") print $(i + 1) }' <<<"$o")"
	fi
	o=$(LC_ALL=C dd if=/dev/zero of=/dev/null bs=1M count=2048 2>&1 | tail -n 1)
	rec "$r" - ref dd-zero-null "$(awk '{ for (i = 2; i <= NF; i++) if ($i == "s,") { print $1 / $(i - 1) / 1048576; exit } }' <<<"$o")"
}

accel=TCG
[ "${BENCH_ACCEL:-}" = "" ] || accel=$BENCH_ACCEL
cat >"$out/info.txt" <<EOF
kernel=$(uname -r)
cpus=$(nproc)
memory_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
accel=$accel
rounds=$ROUNDS
size=$SIZE
runtime=$RUNTIME
meta_n=$META_N
tree=$TREE_DEPTH $TREE_WIDTH
scale=${SCALE[*]}
mem_n=$MEM_N
slabinfo=$([ -r /proc/slabinfo ] && echo yes || echo no)
EOF

echo "bench: $ROUNDS rounds on ${FSES[*]}: fio ${SIZE} file, ${RUNTIME} s per timed job;" \
	"metadata N=$META_N, trees ${TREE_DEPTH} deep and $TREE_WIDTH wide; scaling ${SCALE[*]}; memory N=$MEM_N"
start=$SECONDS
for ((r = 1; r <= ROUNDS; r++)); do
	t=$SECONDS
	reference "$r"
	for group in data metadata scaling; do
		g=$SECONDS
		mount_all || break
		"$group" "$r"
		umount_all
		rec "$r" - time "$group" $((SECONDS - g))
	done
	g=$SECONDS
	memory "$r"
	rec "$r" - time memory $((SECONDS - g))
	echo "bench: round $r/$ROUNDS took $((SECONDS - t)) s"
done
dmesg >"$out/dmesg.txt"
rmmod rust_ramfs || fail "rmmod rust_ramfs failed"
echo "bench: guest done in $((SECONDS - start)) s"
[ ! -s "$out/errors.txt" ]
