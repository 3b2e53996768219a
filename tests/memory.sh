#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Memory comes back. A RAM filesystem's pages are its only copy of the data,
# so they are unevictable (they show in /proc/meminfo's Unevictable) and
# drop_caches cannot free them; unlink, truncate, closing an O_TMPFILE,
# umount must (a lazy umount too, once the last open file and mapping go),
# also after filling a user-namespace mount to its default limit, half of RAM.
# Checked for rust_ramfs and the C ramfs alike (on the debug kernel the C
# ramfs, which decides none of rust_ramfs's cases, only when one of those
# failed); at the end the module is unloaded (its memory checked) and loaded
# again.
# exclusive
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

R=$SCRATCH/rust
C=$SCRATCH/ramfs
mkdir -p "$R" "$C"

MIB=1024 # kB
TOL=$((2 * MIB))        # slack for a size that must show in Unevictable
FREE_TOL=$((16 * MIB))  # slack for free memory coming back

# snap: "FREE UNEVICTABLE" in kB, after dropping clean caches and folding
# the per-CPU counters into the totals. FREE is MemFree plus the pages on the
# per-CPU free lists (/proc/zoneinfo "count:"): freed pages wait there, not
# counted in MemFree, and those lists can hold tens of MiB.
snap() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	local pcp
	pcp=$(awk '$1 == "count:" { s += $2 } END { print s * 4 }' /proc/zoneinfo)
	awk -v pcp="$pcp" '/^MemFree:/ { f = $2 } /^Unevictable:/ { u = $2 } END { print f + pcp, u, f, pcp }' /proc/meminfo
}
FREE=0 UNEV=0
MEMFREE=0 PCP=0
take() { read -r FREE UNEV MEMFREE PCP < <(snap); }

# near NAME GOT WANT TOL: |GOT - WANT| <= TOL (kB), shown in MiB-ish terms.
near() {
	local d=$(($2 - $3))
	echo "$1: $2 kB, expected $3 kB +- $4 kB (off by $d)"
	[ "${d#-}" -le "$4" ]
}

# back NAME GOT WANT TOL: free memory came back: GOT >= WANT - TOL (kB).
# More than before is fine: the kernel may have freed caches of its own
# meanwhile (seen: 33 MiB on a busy debug kernel).
back() {
	echo "$1: $2 kB, expected at least $3 kB - $4 kB (off by $(($2 - $3)))"
	[ "$2" -ge $(($3 - $4)) ]
}

write_mib() { # FILE MIB
	dd if=/dev/zero of="$1" bs=1M count="$2" status=none
}

# --- a file system fills, and gives back --------------------------------
# fill FSTYPE DIR: mount, write 4 x 64 MiB; Unevictable grows by 256 MiB and
# MemFree shrinks by at least that much (less the slack for free memory: the
# debug kernel's allocators move a few MiB around on their own).
B_FREE=0 B_UNEV=0
fill() {
	local fs=$1 dir=$2 i
	take
	B_FREE=$FREE B_UNEV=$UNEV
	echo "before: free $FREE kB (MemFree $MEMFREE + per-CPU lists $PCP), Unevictable $UNEV kB"
	fs_mount "$fs" "$dir" || return
	for i in 1 2 3 4; do
		write_mib "$dir/f$i" 64 || return
	done
	take
	echo "after writing 256 MiB: free $FREE kB, Unevictable $UNEV kB"
	near "Unevictable growth" $((UNEV - B_UNEV)) $((256 * MIB)) "$TOL" &&
		[ $((B_FREE - FREE)) -ge $((256 * MIB - FREE_TOL)) ] ||
		{ echo "free memory fell by $((B_FREE - FREE)) kB"; return 1; }
}

# drop_caches does not free them.
kept_by_drop_caches() {
	local u=$UNEV
	take
	near "Unevictable after drop_caches" "$UNEV" "$u" "$TOL" &&
		[ "$(stat -c %s "$1/f1")" = 67108864 ] && cmp -n 67108864 "$1/f1" /dev/zero
}

# after CMD... Unevictable changes by DELTA MiB.
after() {
	local delta=$1 u
	shift
	take
	u=$UNEV
	"$@" || return
	take
	near "Unevictable change" $((UNEV - u)) $((delta * MIB)) "$TOL"
}

overwrite_in_place() { dd if=/dev/zero of="$1" bs=1M count=64 conv=notrunc status=none; }

# A holder process (tests/ramfstest/memory.py) keeps pages in use until its
# stdin closes: `tmpfile DIR`, an O_TMPFILE in DIR with 64 MiB written to it;
# `map FILE`, FILE open, and mapped shared and read through. It prints
# "held" once it holds them; at EOF on stdin it reads the mapping again
# (after a lazy umount it must still see the data: zeros) and prints
# "intact" before it lets go.
HOLD_PID=
HOLD_BASE=0
# hold WHAT PATH: start the holder; Unevictable grows by 64 MiB for a
# tmpfile, not at all for a map (the pages are in the page cache already).
hold() {
	local u i
	take
	u=$UNEV
	exec 9> >(exec "${TPY[@]}" memory "$1" "$2" >"$SCRATCH/hold.out")
	HOLD_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q held "$SCRATCH/hold.out" 2>/dev/null && break
		sleep 0.1
	done
	take
	HOLD_BASE=$u
	grep -q held "$SCRATCH/hold.out" || { echo "the holder did not get going"; return 1; }
	near "Unevictable with the holder running" $((UNEV - u)) $((${3:-64} * MIB)) "$TOL"
}
# release: close the holder's stdin and wait for it to exit.
release() {
	exec 9>&-
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$HOLD_PID" 2>/dev/null || { echo "the holder did not exit"; return 1; }
}
tmpfile_closed() {
	release || return
	take
	near "Unevictable after closing it" $((UNEV - HOLD_BASE)) 0 "$TOL"
}

# umount -l while the holder has a file open and mapped: the mount leaves the
# namespace at once, the super block (and the pages) stay while it is held.
lazy_umount_held() {
	local u=$UNEV
	umount -l "$1" || return
	_MOUNTS=()
	if grep -q " $1 " /proc/mounts; then
		echo "$1 is still mounted"
		return 1
	fi
	echo "module refcnt while held: $(cat "/sys/module/$RAMFS_NAME/refcnt")"
	[ "$(cat "/sys/module/$RAMFS_NAME/refcnt")" -ge 1 ] || return
	take
	near "Unevictable after umount -l, file held" "$UNEV" "$u" "$TOL"
}
# Letting go of the file and the mapping frees everything: the holder saw its
# data intact to the end, Unevictable and free memory are back to what they
# were before fill, and nothing pins the module.
lazy_release_returns() {
	release || return
	grep -q intact "$SCRATCH/hold.out" || { echo "the holder saw other data through its mapping"; return 1; }
	echo "module refcnt after release: $(cat "/sys/module/$RAMFS_NAME/refcnt")"
	[ "$(cat "/sys/module/$RAMFS_NAME/refcnt")" = 0 ] || return
	take
	near "Unevictable after release" "$UNEV" "$B_UNEV" "$TOL" &&
		{ echo "(MemFree $MEMFREE kB + per-CPU lists $PCP kB)"; back "free after release" "$FREE" "$B_FREE" "$FREE_TOL"; }
}

# umount DIR: Unevictable and MemFree back to what they were before fill.
umount_returns() {
	fs_umount "$1" || return
	take
	near "Unevictable after umount" "$UNEV" "$B_UNEV" "$TOL" &&
		{ echo "(MemFree $MEMFREE kB + per-CPU lists $PCP kB)"; back "free after umount" "$FREE" "$B_FREE" "$FREE_TOL"; }
}

rmmod_returns() {
	ramfs_unload && ! ramfs_loaded || {
		echo "still mounted: $(grep -c " $RAMFS_NAME " /proc/mounts), refcnt $(cat "/sys/module/$RAMFS_NAME/refcnt")"
		return 1
	}
	take
	near "Unevictable after rmmod" "$UNEV" "$B_UNEV" "$TOL" &&
		{ echo "(MemFree $MEMFREE kB + per-CPU lists $PCP kB)"; back "free after rmmod" "$FREE" "$B_FREE" "$FREE_TOL"; }
}

# A mount made in a user namespace has tmpfs's defaults (bounded.sh): half
# of RAM. Fill it with dd (1 MiB blocks, up to 16 MiB past the limit if
# there were none): ENOSPC at exactly that size; MemAvailable falls by about
# that much, and after umount comes back.
HALF=$(($(ram_pages) / 2))
userns_fill() {
	local out before during after count=$((HALF / 256 + 16)) rc=0 free_before
	mkdir -p "$SCRATCH/userns"
	take
	free_before=$FREE
	before=$(meminfo MemAvailable)
	out=$(unshare -Urm bash -c '
		dir=$1 count=$2
		mount -t "$3" none "$dir" || exit
		dd if=/dev/zero of="$dir/big" bs=1M count="$count" 2>&1 | grep -o "No space left on device"
		echo "size $(stat -c %s "$dir/big") blocks $(stat -c %b "$dir/big")"
		echo "statfs: $(stat -f -c "blocks=%b bfree=%f" "$dir")"
		echo "avail $(awk "/^MemAvailable:/ { print \$2 }" /proc/meminfo)"
		umount "$dir"' - "$SCRATCH/userns" "$count" "$RAMFS_NAME")
	after=$(meminfo MemAvailable)
	during=$(sed -n 's/^avail //p' <<<"$out")
	echo "$out"
	echo "MemAvailable: before $before kB, during $during kB, after umount $after kB"
	take
	[ "$(grep -v '^avail' <<<"$out")" = "No space left on device
size $((HALF * 4096)) blocks $((HALF * 8))
statfs: blocks=$HALF bfree=0" ] || { echo "expected ENOSPC at $((HALF * 4096)) bytes"; rc=1; }
	# It was in RAM: MemAvailable fell by at least the size less 64 MiB.
	[ $((before - during)) -ge $((HALF * 4 - 64 * MIB)) ] || { echo "MemAvailable did not fall by the size"; rc=1; }
	# And came back (within 64 MiB), counted as the other cases count it
	# (after drop_caches, with the per-CPU free lists): MemAvailable read
	# right after the umount once came back 79 MiB short on the plain
	# kernel, and 2 MiB short when the same run was repeated.
	echo "after umount: MemFree $MEMFREE kB + per-CPU lists $PCP kB"
	back "free memory after umount" "$FREE" "$free_before" $((64 * MIB)) || rc=1
	return "$rc"
}

ktap_begin

# rust_ramfs: 12
expect_ok "$RAMFS_NAME: 256 MiB written shows as 256 MiB more Unevictable" fill "$RAMFS_NAME" "$R"
expect_ok "$RAMFS_NAME: drop_caches frees none of it, data intact" kept_by_drop_caches "$R"
expect_ok "$RAMFS_NAME: overwriting 64 MiB in place takes no more" after 0 overwrite_in_place "$R/f2"
expect_ok "$RAMFS_NAME: unlink of a 64 MiB file gives back 64 MiB" after -64 rm "$R/f1"
expect_ok "$RAMFS_NAME: truncate of a 64 MiB file to 0 gives back 64 MiB" after -64 truncate -s 0 "$R/f2"
expect_ok "$RAMFS_NAME: truncate to 32 MiB gives back 32 MiB" after -32 truncate -s 32M "$R/f3"
expect_ok "$RAMFS_NAME: an open 64 MiB O_TMPFILE holds 64 MiB" hold tmpfile "$R"
expect_ok "$RAMFS_NAME: closing it gives the 64 MiB back" tmpfile_closed
expect_ok "$RAMFS_NAME: a 64 MiB file opened and mapped takes no more" hold map "$R/f4" 0
expect_ok "$RAMFS_NAME: umount -l with it held: the mount goes, the pages stay" lazy_umount_held "$R"
expect_ok "$RAMFS_NAME: letting go frees everything, data intact to the end" lazy_release_returns
expect_ok "$RAMFS_NAME: rmmod leaves Unevictable and MemFree as before" rmmod_returns

# the C ramfs, the reference
if ref_on_demand && [ "$KTAP_CNT_FAIL" -eq 0 ]; then
	echo "# ramfs: not needed: every case passed on $RAMFS_NAME"
else
	expect_ok "ramfs: 256 MiB written shows as 256 MiB more Unevictable" fill ramfs "$C"
	expect_ok "ramfs: drop_caches frees none of it, data intact" kept_by_drop_caches "$C"
	expect_ok "ramfs: unlink of a 64 MiB file gives back 64 MiB" after -64 rm "$C/f1"
	expect_ok "ramfs: an open 64 MiB O_TMPFILE holds 64 MiB" hold tmpfile "$C"
	expect_ok "ramfs: closing it gives the 64 MiB back" tmpfile_closed
	expect_ok "ramfs: umount gives everything back" umount_returns "$C"
fi

# 2
expect_ok "insmod again for the tests that follow" ramfs_load
expect_ok "$RAMFS_NAME in a user namespace: dd fills the default mount to ENOSPC at half of RAM; memory comes back" userns_fill

ktap_finished
