#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regular files: exact contents through write, append, pwrite, truncate (and
# the times truncate must update), a 64 MiB random file, sparse files,
# sendfile / splice / copy_file_range, fsync, lseek, chmod / chown / utimes,
# files beyond 4 GiB and the s_maxbytes limit. The C ramfs (and tmpfs) are
# mounted alongside as references where a result depends on the kernel.
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko

R=$SCRATCH/rust   # rust_ramfs, under test
C=$SCRATCH/ramfs  # the C ramfs, reference
T=$SCRATCH/tmpfs  # tmpfs, reference
O=$SCRATCH/other  # plain files outside the file systems under test
mkdir -p "$O"
fs_mount "$RAMFS_NAME" "$R" || skip_all "cannot mount $RAMFS_NAME"
fs_mount ramfs "$C" || skip_all "cannot mount ramfs"
fs_mount tmpfs "$T" || skip_all "cannot mount tmpfs"

# The checks that need system calls: tests/ramfstest/files.py.
py() { tpy files "$@"; }

# content_is FILE PRINTF-STRING: FILE holds exactly those bytes.
content_is() {
	printf "$2" >"$SCRATCH/expected"
	if cmp "$SCRATCH/expected" "$1"; then
		return 0
	fi
	echo "got:      $(od -c "$1" | head -5)"
	echo "expected: $(od -c "$SCRATCH/expected" | head -5)"
	return 1
}

size_is() {
	local s
	s=$(stat -c %s "$1") && echo "size $s, expected $2" && [ "$s" = "$2" ]
}

create_read() { printf 'hello\nworld\n' >"$R/f" && content_is "$R/f" 'hello\nworld\n'; }
overwrite() { printf 'a much longer first line\n' >"$R/f" && printf 'short' >"$R/f" && content_is "$R/f" 'short'; }
append_shell() { printf 'one\n' >"$R/f" && printf 'two\n' >>"$R/f" && printf 'three' >>"$R/f" && content_is "$R/f" 'one\ntwo\nthree'; }
pwrite_middle() {
	printf '0123456789abcdef' >"$R/f" &&
		printf 'XYZ' | dd of="$R/f" bs=1 seek=5 conv=notrunc status=none &&
		content_is "$R/f" '01234XYZ89abcdef'
}
otrunc() { printf 'something' >"$R/f" && : >"$R/f" && size_is "$R/f" 0 && content_is "$R/f" ''; }

trunc_up() {
	printf 'abc' >"$R/f" && truncate -s 10000 "$R/f" && size_is "$R/f" 10000 &&
		{ printf 'abc'; head -c 9997 /dev/zero; } >"$SCRATCH/expected" && cmp "$SCRATCH/expected" "$R/f"
}
trunc_down() {
	printf '0123456789' >"$R/f" && truncate -s 4 "$R/f" && size_is "$R/f" 4 && content_is "$R/f" '0123'
}
# Shrinking then growing must not bring back the old bytes (the partial page
# past the new size is zeroed).
trunc_down_up() {
	head -c 8192 /dev/zero | tr '\0' A >"$R/f" && truncate -s 100 "$R/f" && truncate -s 8192 "$R/f" &&
		{ head -c 100 /dev/zero | tr '\0' A; head -c 8092 /dev/zero; } >"$SCRATCH/expected" &&
		cmp "$SCRATCH/expected" "$R/f"
}

# py_each CMD ARG... PATH...: CMD on each file system (one interpreter
# start-up); its lines, one per path, in the array EACH.
EACH=()
py_each() {
	local out rc=0
	out=$(py "$@" 2>&1) || rc=$?
	mapfile -t EACH <<<"$out"
	return "$rc"
}

# times_after HOW WANT: on rust_ramfs, HOW (see trunc_times) gives WANT; the
# C ramfs and tmpfs results are recorded as diagnostics (a failure there,
# which fails py_each, decides nothing).
times_after() {
	local how=$1 want=$2 got
	py_each trunc_times "$how" "$R/t-$how" "$C/t-$how" "$T/t-$how"
	got=${EACH[0]}
	echo "rust_ramfs: $got"
	echo "C ramfs (diagnostic): ${EACH[1]-}"
	echo "tmpfs (diagnostic):   ${EACH[2]-}"
	[ "${got#* mtime}" = " $want" ] || {
		echo "expected: $want"
		return 1
	}
}

# --- the big file -----------------------------------------------------------
BIGSUM=
big_write() {
	BIGSUM=$(dd if=/dev/urandom bs=1M count=64 status=none | tee "$R/big" | sha256sum | cut -d' ' -f1) &&
		echo "written: $BIGSUM" && size_is "$R/big" 67108864
}
big_sum_is() {
	local s
	s=$(sha256sum <"$1" | cut -d' ' -f1) && echo "$1: $s" && [ -n "$BIGSUM" ] && [ "$s" = "$BIGSUM" ]
}
big_after_drop_caches() {
	sync && echo 3 >/proc/sys/vm/drop_caches && big_sum_is "$R/big"
}

# like_ramfs CMD FILE [EXPECTED]: CMD on rust_ramfs's FILE and the C ramfs's
# prints the same (EXPECTED when given).
like_ramfs() {
	local rc=0
	py_each "$1" "$R/$2" "$C/$2" || rc=$?
	same_output "${EACH[0]}" "${EACH[1]-}" "${@:3}" && [ "$rc" -eq 0 ]
}

# like_tmpfs CMD FILE EXPECTED: CMD on rust_ramfs's FILE and tmpfs's prints
# EXPECTED on both (what the C ramfs lacks: holes, fallocate).
like_tmpfs() {
	local rc=0
	py_each "$1" "$R/$2" "$T/$2" || rc=$?
	same_observations "${EACH[0]}" "${EACH[1]-}" tmpfs && [ "${EACH[0]}" = "$3" ] && [ "$rc" -eq 0 ]
}

# --- sendfile and splice: a 3 MiB + 123 byte random file ------------------
head -c $((3 * 1048576 + 123)) /dev/urandom >"$O/src"
same() { cmp "$1" "$2" && size_is "$2" $((3 * 1048576 + 123)); }

chmod_ctime() {
	local before after
	printf x >"$R/m" && chmod 0644 "$R/m" && touch -m -d '2001-01-01 UTC' "$R/m" || return
	before=$(stat -c '%.9Y %.9Z' "$R/m")
	sleep 0.05
	chmod 0640 "$R/m" || return
	after=$(stat -c '%a %.9Y %.9Z' "$R/m")
	echo "before: $before, after (mode mtime ctime): $after"
	set -- $before $after
	# mode 640, mtime kept, ctime moved
	[ "$3" = 640 ] && [ "$4" = "$1" ] && [ "$5" != "$2" ]
}
chown_ids() {
	local s
	chown 1234:5678 "$R/m" && s=$(stat -c %u:%g "$R/m") && echo "owner $s" && [ "$s" = 1234:5678 ]
}
touch_mtime() {
	local s
	TZ=UTC touch -m -d '2001-02-03 04:05:06.123456789' "$R/m" &&
		s=$(TZ=UTC stat -c %y "$R/m") && echo "mtime $s" && [ "$s" = "2001-02-03 04:05:06.123456789 +0000" ]
}
touch_atime() {
	local s
	TZ=UTC touch -a -d '1999-12-31 23:59:59.987654321' "$R/m" &&
		s=$(TZ=UTC stat -c '%x / %y' "$R/m") && echo "atime / mtime: $s" &&
		[ "$s" = "1999-12-31 23:59:59.987654321 +0000 / 2001-02-03 04:05:06.123456789 +0000" ]
}
# touch with no date: both times now (utimensat(NULL)), after the past ones.
touch_now() {
	local now s
	now=$(date +%s) && touch "$R/m" && s=$(stat -c '%X %Y' "$R/m") && echo "now $now, atime mtime $s" &&
		set -- $s && [ "$1" -ge "$now" ] && [ "$2" -ge "$now" ]
}

five_gib() {
	local lsz
	truncate -s 5G "$R/huge" && size_is "$R/huge" 5368709120 &&
		lsz=$(ls -lh "$R/huge" | awk '{ print $5 }') && echo "ls -lh: $lsz" && [ "$lsz" = 5.0G ]
}


ktap_begin

expect_ok "create and read back exact contents" create_read
expect_ok "> replaces the contents" overwrite
expect_ok ">> appends" append_shell
expect_ok "O_APPEND writes go to the end whatever the offset" py append "$R/app"
expect_ok "a write in the middle changes just those bytes" pwrite_middle
expect_ok "read and pread at or past EOF return nothing" py eof "$R/eof"
expect_ok "O_TRUNC empties the file" otrunc
expect_ok "truncate up: size, old bytes, then zeros" trunc_up
expect_ok "truncate down keeps the head" trunc_down
expect_ok "truncate down then up: zeros, not the old bytes" trunc_down_up
expect_ok "truncate(2) up updates mtime and ctime" times_after up "changed=yes ctime changed=yes"
expect_ok "truncate(2) down updates mtime and ctime" times_after down "changed=yes ctime changed=yes"
expect_ok "truncate(2) to the same size changes no time" times_after same "changed=no ctime changed=no"
expect_ok "ftruncate up updates mtime and ctime" times_after fup "changed=yes ctime changed=yes"
expect_ok "ftruncate down updates mtime and ctime" times_after fdown "changed=yes ctime changed=yes"
expect_ok "ftruncate to the same size updates mtime and ctime" times_after fsame "changed=yes ctime changed=yes"
expect_ok "write(2) updates mtime and ctime" times_after write "changed=yes ctime changed=yes"
expect_ok "64 MiB from /dev/urandom: size 67108864" big_write
expect_ok "64 MiB file: sha256 equal on re-reading" big_sum_is "$R/big"
expect_ok "64 MiB file: sha256 equal after drop_caches" big_after_drop_caches
expect_ok "64 MiB file: cp within the fs" cp "$R/big" "$R/big2"
expect_ok "64 MiB file: the copy has the same sha256" big_sum_is "$R/big2"
rm -f "$R/big" "$R/big2"
expect_ok "sparse file: zeros before data written 10 MiB in" py sparse "$R/sparse"
expect_ok "sparse file: st_blocks, SEEK_DATA, SEEK_HOLE as tmpfs" like_tmpfs blocks sp2 \
	"size=1053576 blocks=16 SEEK_DATA(0)=1048576 SEEK_HOLE(0)=0 SEEK_DATA(size)=ENXIO"
expect_ok "sendfile from another fs into the fs" eval 'py sendfile "$O/src" "$R/sf1" && same "$O/src" "$R/sf1"'
expect_ok "sendfile within the fs" eval 'py sendfile "$R/sf1" "$R/sf2" && same "$O/src" "$R/sf2"'
expect_ok "sendfile from the fs to another fs" eval 'py sendfile "$R/sf2" "$O/sf3" && same "$O/src" "$O/sf3"'
expect_ok "splice from another fs through a pipe into the fs" eval 'py splice "$O/src" "$R/sp1" && same "$O/src" "$R/sp1"'
expect_ok "splice from the fs through a pipe to another fs" eval 'py splice "$R/sp1" "$O/sp2" && same "$O/src" "$O/sp2"'
expect_ok "copy_file_range within the fs, at offsets" py copy_range "$R/sp1" "$R/cr"
expect_ok "fsync, fdatasync and sync succeed" py sync "$R/sync"
expect_ok "syncfs (sync -f) succeeds" sync -f "$R/sync"
expect_ok "lseek SEEK_SET, SEEK_CUR, SEEK_END; negative offsets EINVAL" py lseek "$R/seek"
expect_ok "chmod: new mode, ctime moves, mtime stays" chmod_ctime
expect_ok "chown 1234:5678" chown_ids
expect_ok "touch -m -d: mtime to the nanosecond" touch_mtime
expect_ok "touch -a -d: atime to the nanosecond, mtime kept" touch_atime
expect_ok "touch: atime and mtime now" touch_now
expect_ok "truncate -s 5G: size 5368709120, ls shows 5.0G" five_gib
expect_ok "5 GiB file: zeros above 4 GiB, a write at its end reads back" py big_offsets "$R/huge"
expect_ok "files up to s_maxbytes (2^63-1) and not past it, as ramfs" like_ramfs maxbytes max \
	"ftruncate to 2^63-1: size True; pwrite at 2^63-2: 1 byte, reads b'L', size True; pwrite at 2^63-1: EINVAL"
expect_ok "O_DIRECT is refused with EINVAL, as ramfs" like_ramfs odirect x-odirect "O_DIRECT: EINVAL"
expect_ok "fallocate preallocates, as tmpfs" like_tmpfs fallocate x-fallocate "fallocate: OK"
expect_ok "600 random pwrite/ftruncate/pread match a model" py model "$R/model" 20241121

ktap_finished
