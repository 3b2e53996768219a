#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded memory, the options: how size= and nr_inodes= parse (suffixes
# k..e, N% of RAM, hex and octal; garbage, overflow and empty values refused
# with EINVAL and a logged message) and what /proc/mounts shows; statfs as
# the spec has it (limited and unlimited; df's used blocks = du's); the
# defaults in a user namespace (half of RAM, size=0 refused there;
# memory.sh fills that default to ENOSPC: it needs the machine to itself).
# Filling a mount to its limits, what comes back and live remount are
# bounded-fill.sh's. tmpfs, which has the same options, runs the same
# checks in the same boot where its answer is comparable (the C ramfs has
# no limits). The Python side: tests/ramfstest/bounded.py.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
chmod 755 "$SCRATCH"
umask 022

R=$SCRATCH/rust
T=$SCRATCH/tmpfs
MNT=$SCRATCH/mnt
mkdir -p "$R" "$T" "$MNT"

RAM_PAGES=$(ram_pages)

bpy() { tpy bounded "$@"; }

# both OPTS: fresh rust_ramfs on R and tmpfs on T with the same options.
both() { fs_fresh "$RAMFS_NAME" "$R" "$1" && fs_fresh tmpfs "$T" "$1"; }

# run_on DIR COMMAND: the Python check COMMAND on DIR (for expect_like_ref).
run_on() { bpy "$2" "$1"; }

# --- parsing -------------------------------------------------------------------
# tmpfs's arithmetic for size=N%: N * 4096 * RAM pages / 100 bytes, rounded
# up to pages; shown in KiB.
pct_k() { echo $((((($1 * 4096 * RAM_PAGES / 100) + 4095) / 4096) * 4)); }

# OPTIONS|SIZE= AND NR_INODES= SHOWN IN /proc/mounts (sorted; - for none)
GOOD_OPTS=(
	"size=1m|size=1024k"
	"size=1M|size=1024k"
	"size=1024k|size=1024k"
	"size=1K|size=4k"
	"size=1|size=4k"
	"size=4096|size=4k"
	"size=4097|size=8k"
	"size=0x100000|size=1024k"
	"size=010000|size=4k"
	"size=2g|size=2097152k"
	"size=2G|size=2097152k"
	"size=1t|size=1073741824k"
	"size=1T|size=1073741824k"
	"size=1p|size=1099511627776k"
	"size=1e|size=1125899906842624k"
	"size=1%|size=$(pct_k 1)k"
	"size=50%|size=$(pct_k 50)k"
	"size=100%|size=$(pct_k 100)k"
	"size=0|-"
	"size=1m,size=2m|size=2048k"
	"size=1m,size=0|-"
	"nr_inodes=10|nr_inodes=10"
	"nr_inodes=1k|nr_inodes=1024"
	"nr_inodes=1M|nr_inodes=1048576"
	"nr_inodes=0x10|nr_inodes=16"
	"nr_inodes=010|nr_inodes=8"
	"nr_inodes=0|-"
	"size=1m,nr_inodes=100,mode=0700|nr_inodes=100,size=1024k"
)
# tmpfs shows the same for these (its % arithmetic and rounding). Not 50%:
# that is tmpfs's default, which it hides when the rounding makes it equal.
TMPFS_SAME=("size=1m" "size=4097" "size=1%" "size=100%" "nr_inodes=1k" "size=2g")

# OPTIONS|KEY (the refused option, which the kernel log must name)
BAD_OPTS=(
	"size=|size"
	"size|size"
	"size=abc|size"
	"size=1x|size"
	"size=1mb|size"
	"size=1m1|size"
	"size=1.5m|size"
	"size=-1|size"
	"size=-1m|size"
	"size= 1m|size"
	"size=1m |size"
	"size=50%k|size"
	"size=99999999999999999999999|size"
	"size=16777216e|size"
	"size=16e|size"
	"size=1m,size=zz|size"
	"nr_inodes=|nr_inodes"
	"nr_inodes|nr_inodes"
	"nr_inodes=abc|nr_inodes"
	"nr_inodes=10%|nr_inodes"
	"nr_inodes=-1|nr_inodes"
	"nr_inodes=1x|nr_inodes"
	"nr_inodes=99999999999999999999999|nr_inodes"
	"nr_inodes=16e|nr_inodes"
)

OPTS_OUT=$SCRATCH/opts
run_opts_batches() {
	local e good=() bad=()
	mkdir -p "$OPTS_OUT"
	for e in "${GOOD_OPTS[@]}"; do good+=("${e%%|*}"); done
	for e in "${BAD_OPTS[@]}"; do bad+=("${e%%|*}"); done
	bpy opts "$RAMFS_NAME" "$MNT" "${good[@]}" >"$OPTS_OUT/good"
	bpy opts tmpfs "$MNT" "${TMPFS_SAME[@]}" >"$OPTS_OUT/tmpfs"
	bpy opts "$RAMFS_NAME" "$MNT" "${bad[@]}" >"$OPTS_OUT/bad"
	# The kernel log of bad option I, between its mark and the next.
	dmesg | awk -v dir="$OPTS_OUT" '
		/rust_ramfs-test: bounded.sh mark [0-9]+$/ { f = dir "/" $NF ".dmesg"; printf "" >f; next }
		f != "" { print >f }'
}

# opt_out FILE I: what `sed -n "s/^I: //p" FILE` prints, in OPT, read by bash
# itself (no process per case: they add up under TCG on the debug kernel).
OPT=
opt_out() {
	local l out=() IFS=$'\n'
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l != "$2: "* ]] || out+=("${l#"$2: "}")
	done <"$1"
	OPT="${out[*]}"
}

# good_mount2 I WANT: mount(2) of good option I showed WANT.
good_mount2() {
	local got
	opt_out "$OPTS_OUT/good" "$1"
	got=$OPT
	echo "shown: $got, expected $2"
	[ "$got" = "$2" ]
}

# good_mount8 OPTS WANT: the same through mount(8) (which passes each option
# to fsconfig(2) on its own).
good_mount8() {
	local got
	mount -t "$RAMFS_NAME" -o "$1" none "$MNT" || return
	got=$(awk -v m="$MNT" '$2 == m { print $4 }' /proc/mounts | tr , '\n' |
		grep -E '^(size|nr_inodes)=' | sort | paste -sd, -)
	umount "$MNT"
	echo "shown: $got, expected $2"
	[ "$got" = "$2" ]
}

# tmpfs_same I OPTS: tmpfs shows what rust_ramfs shows for OPTS.
tmpfs_same() {
	local ours='' ref j
	for j in "${!GOOD_OPTS[@]}"; do
		[ "${GOOD_OPTS[j]%%|*}" != "$2" ] || { opt_out "$OPTS_OUT/good" "$j" && ours=$OPT; }
	done
	opt_out "$OPTS_OUT/tmpfs" "$1"
	ref=$OPT
	echo "$RAMFS_NAME: $ours; tmpfs: $ref"
	[ -n "$ours" ] && [ "$ours" = "$ref" ]
}

# bad_opt I OPTS KEY [mount8]: mount(2) gets EINVAL, the kernel log has a
# rust_ramfs line naming KEY; with mount8, mount(8) fails too and mounts
# nothing.
bad_opt() {
	local rc=0 got log
	if [ "${4:-}" = mount8 ] && mount -t "$RAMFS_NAME" -o "$2" none "$MNT" 2>&1; then
		echo "mount(8) succeeded"
		rc=1
	fi
	if mountpoint -q "$MNT"; then
		echo "mounted: $(bpy show "$MNT")"
		umount "$MNT"
		rc=1
	fi
	opt_out "$OPTS_OUT/bad" "$1"
	got=$OPT
	echo "mount(2): $got"
	[ "$got" = EINVAL ] || rc=1
	# As $(cat FILE): without its trailing newlines.
	log=
	[ ! -r "$OPTS_OUT/$1.dmesg" ] || IFS= read -r -d '' log <"$OPTS_OUT/$1.dmesg"
	while [[ $log == *$'\n' ]]; do log=${log%$'\n'}; done
	echo "dmesg: $log"
	grep -q "$RAMFS_NAME.*$3" <<<"$log" || {
		echo "no $RAMFS_NAME message naming $3"
		rc=1
	}
	return "$rc"
}

# --- statfs and du ---------------------------------------------------------------

# df_du DIR: files of assorted sizes (one sparse); df's used 512-byte blocks
# and the sum of the files' st_blocks (du -c).
df_du() {
	local d=$1
	head -c 1 /dev/zero >"$d/f1" && head -c 4095 /dev/urandom >"$d/f4095" &&
		head -c 4096 /dev/urandom >"$d/f4096" && head -c 4097 /dev/urandom >"$d/f4097" &&
		head -c 12288 /dev/urandom >"$d/f12288" && head -c 65537 /dev/urandom >"$d/f65537" &&
		head -c 300000 /dev/urandom >"$d/f300000" && truncate -s 1M "$d/sparse" &&
		printf x | dd of="$d/sparse" bs=1 seek=500000 conv=notrunc status=none || return
	echo "df used: $(df -B512 --output=used "$d" | tail -n1 | tr -d ' ')"
	echo "du of the files: $(du -c -B512 "$d"/f* "$d/sparse" | tail -n1 | cut -f1)"
}

# --- user namespace ----------------------------------------------------------------

HALF=$((RAM_PAGES / 2))
# In a new user and mount namespace: the default mount's statfs, what it
# shows, tmpfs's statfs beside it, size=0 and nr_inodes=0.
userns_defaults() {
	unshare -Urm bash -c '
		dir=$1 tdir=$2 fs=$3 tpy=("${@:4}")
		bpy() { "${tpy[@]}" bounded "$@"; }
		mount -t "$fs" none "$dir" || exit
		mount -t tmpfs none "$tdir" || exit
		echo "$fs: $(stat -f -c "blocks=%b bfree=%f files=%c ffree=%d" "$dir")"
		echo "tmpfs: $(stat -f -c "blocks=%b bfree=%f files=%c ffree=%d" "$tdir")"
		echo "shown: $(bpy show "$dir")"
		umount "$dir"
		for o in size=0 nr_inodes=0 size=0,nr_inodes=0 size=1m nr_inodes=10; do
			echo "$o: $(bpy opts "$fs" "$dir" "$o" | cut -d" " -f2-)"
		done' - "$MNT" "$T" "$RAMFS_NAME" "${TPY[@]}"
}

# --- the plan --------------------------------------------------------------------

ktap_begin
dmesg_mark

run_opts_batches
for i in "${!GOOD_OPTS[@]}"; do
	IFS='|' read -r opts want <<<"${GOOD_OPTS[i]}"
	expect_ok "mount(2) -o '$opts' is accepted; /proc/mounts shows $want" good_mount2 "$i" "$want"
done
# Through mount(8) too, one of each form (an exec of mount(8) costs seconds
# on the debug kernel).
for i in 0 6 7 8 15 18 21 27; do
	IFS='|' read -r opts want <<<"${GOOD_OPTS[i]}"
	[ "$want" != - ] || want=
	expect_ok "mount(8) -o '$opts' is accepted; /proc/mounts shows ${want:--}" good_mount8 "$opts" "$want"
done
for i in "${!TMPFS_SAME[@]}"; do
	expect_ok "-o '${TMPFS_SAME[i]}': /proc/mounts shows what tmpfs shows" tmpfs_same "$i" "${TMPFS_SAME[i]}"
done
# mount(8) for one of each form too (mount.sh gives it its 80 bad strings).
for i in "${!BAD_OPTS[@]}"; do
	IFS='|' read -r opts key <<<"${BAD_OPTS[i]}"
	m8=
	case $i in 0 | 1 | 2 | 7 | 12 | 13 | 16 | 19) m8=mount8 ;; esac
	expect_ok "-o '$opts' is refused: ${m8:+mount(8) fails, }mount(2) EINVAL, dmesg names $key" \
		bad_opt "$i" "$opts" "$key" ${m8:+"$m8"}
done

# statfs
both size=4m,nr_inodes=100
expect_like_ref "statfs of size=4m,nr_inodes=100: exact fields, like tmpfs" \
	"bsize=4096 frsize=4096 blocks=1024 bfree=1024 bavail=1024 files=100 ffree=99 namelen=255" \
	"$R" "$T" run_on statfs_fields
fs_fresh "$RAMFS_NAME" "$R" ""
expect_output "statfs without limits: free = MemAvailable, total = used + free" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nbfree is MemAvailable in pages: True\nffree is MemAvailable in pages: True' \
	bpy unlimited "$R" both
fs_fresh "$RAMFS_NAME" "$R" size=1m
expect_output "statfs with size=1m only: blocks 256, inodes from MemAvailable" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nffree is MemAvailable in pages: True' \
	bpy unlimited "$R" inodes
expect_output "... blocks=256 bfree=253" "256 253" stat -f -c '%b %f' "$R"
fs_fresh "$RAMFS_NAME" "$R" nr_inodes=50
expect_output "statfs with nr_inodes=50 only: files 50, blocks from MemAvailable" \
	$'bsize=4096 frsize=4096 bfree=bavail: True\nused pages: 3 used inodes: 3\nbfree is MemAvailable in pages: True' \
	bpy unlimited "$R" size
expect_output "... files=50 ffree=47" "50 47" stat -f -c '%c %d' "$R"
both size=4m
expect_like_ref "df's used blocks are the sum of the files' st_blocks (du), like tmpfs" \
	$'df used: 800\ndu of the files: 800' "$R" "$T" df_du

# user namespace
expect_output "user namespace: defaults are half of RAM and half the RAM pages (as tmpfs); size=0, nr_inodes=0 refused" \
	"$RAMFS_NAME: blocks=$HALF bfree=$HALF files=$HALF ffree=$((HALF - 1))
tmpfs: blocks=$HALF bfree=$HALF files=$HALF ffree=$((HALF - 1))
shown: -
size=0: EINVAL
nr_inodes=0: EINVAL
size=0,nr_inodes=0: EINVAL
size=1m: size=1024k
nr_inodes=10: nr_inodes=10" userns_defaults

fs_umount "$R"
fs_umount "$T"
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"

ktap_finished
