#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bounded means bounded: a hostile unprivileged user, in a user namespace of
# its own, mounts rust_ramfs (and tmpfs, the reference, in the same boot)
# with the default limit and with size=, and tries every way to make the
# mount keep memory past the limit: reading holes by every read path
# (read, pread, readv, sendfile, splice, copy_file_range, readahead, fadvise,
# madvise), read faults on holes, many tiny xattrs, long xattr values, many
# empty files, hard links, deep directories, long symlinks, O_TMPFILE files
# kept open, a file kept mapped after unlink, big ACLs (on mounts root
# made). tests/ramfstest/hostile.py runs the cases
# and measures what the guest loses (Unevictable + Shmem + Slab + VmallocUsed
# from /proc/meminfo) against what the options allow, and that it all comes
# back after umount. tmpfs's figures are shown beside each case for
# comparison; rust_ramfs's decide it (so on the debug kernel tmpfs runs only
# in the cases rust_ramfs did not pass). Then, as root: writers racing the
# remount that sets a mount's first size= cannot land a page past it.
# It measures the whole guest's memory, so it runs alone.
# exclusive
# timeout=300
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"
add_run_user ramfs-hostile || skip_all "cannot add a user to run as"
uid=$(id -u ramfs-hostile)

ktap_begin
cases=$(tpy hostile --count) || exit 1

chmod 755 "$SCRATCH"
ref=()
! ref_on_demand || ref=(--ref-on-demand)
top=$SCRATCH/user
mkdir -p "$top" && chown "$uid:$uid" "$top"
dmesg_mark

# hostile.py's output: one `PASS desc` / `FAIL desc` line a case, a KTAP
# case each (counted in `ran`), diagnostics as `# ...`.
report() {
	local line
	while IFS= read -r line; do
		case $line in
		"PASS "*) ktap_test_pass "${line#PASS }"; ran=$((ran + 1)) ;;
		"FAIL "*) ktap_test_fail "${line#FAIL }"; ran=$((ran + 1)) ;;
		*) echo "# $line" ;;
		esac
	done
}

# The user's cases, in a user namespace of its own.
ran=0
report < <(cd / && setpriv --reuid="$uid" --regid="$uid" --clear-groups -- \
	unshare --user --map-root-user --mount -- \
	"${TPY[@]}" hostile "${ref[@]}" "$top" 2>&1)
for ((; ran < cases; ran++)); do
	ktap_test_fail "hostile.py stopped before its case $((ran + 1))"
done

# The user's case on mounts root made (see hostile.py --admin): room for
# more inodes than ACLs of 8 KiB fit in size=.
admin=$SCRATCH/admin opts=size=1m,nr_inodes=4096
fs_mount "$RAMFS_NAME" "$admin/rust_ramfs" "$opts,mode=1777" &&
	fs_mount tmpfs "$admin/tmpfs" "$opts,mode=1777"
ran=0
report < <(cd / && as_user "$uid:$uid" "${TPY[@]}" hostile --admin "$opts" "${ref[@]}" "$admin" 2>&1)
[ "$ran" -eq 1 ] || ktap_test_fail "hostile.py --admin ran no case"

fs_mount "$RAMFS_NAME" "$SCRATCH/race"
expect_ok "$RAMFS_NAME: writers racing the remount that sets the first size= never pass it" \
	tpy hostile --race "$SCRATCH/race"

expect_no_splat "no kernel warnings"
ktap_finished
