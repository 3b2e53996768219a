#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pjdfstest 0.2.2 (POSIX conformance: chmod, chown, link, mkdir, mkfifo,
# mknod, open, rename, rmdir, symlink, truncate, unlink, utimensat... with
# their errors and time updates) on rust_ramfs, the C ramfs and tmpfs in the
# same boot. rust_ramfs must pass every case, including
# truncate::update_ctime_success, the one case the C ramfs fails (checked too,
# so a change in the reference shows), and posix_fallocate's, which the C
# ramfs cannot run (no fallocate: its configuration leaves them out). No rust_ramfs case depends on the
# references, so on the debug kernel they run (and their cases are checked)
# only when a rust_ramfs case did not pass. Runs as root, with a `tests` user
# added for the run; the read-only remount cases run in a second pass (see
# tests/pjdfstest.toml). Logs and results: results/suites/pjdfstest*.
# timeout=600
set -uo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

require_suite PJDFSTEST pjdfstest
add_run_user tests || skip_all "cannot add a tests user and group for the run"
# The users the cases switch to must reach the mounts in $SCRATCH (mktemp -d
# makes it 0700): else every case that acts as them fails with EACCES.
chmod 0755 "$SCRATCH"

# cfg_of FS [remount]: the configuration of FS's first pass, or with the
# remounts allowed, of its second. The C ramfs's has no posix_fallocate
# feature (it has no fallocate: those cases skip there).
cfg_of() {
	local c=$SCRATCH/pjdfstest
	[ "$1" != ramfs ] || c+=-ramfs
	echo "$c${2:+-$2}.toml"
}
cp "$CFG" "$(cfg_of any)" && grep -v '^posix_fallocate = {}$' "$CFG" >"$(cfg_of ramfs)"
for fs in any ramfs; do
	sed 's/^allow_remount = false$/allow_remount = true/' "$(cfg_of $fs)" >"$(cfg_of $fs remount)"
	grep -q '^allow_remount = true$' "$(cfg_of $fs remount)" ||
		skip_all "$CFG: no 'allow_remount = false' line"
done

# The pjdfstest syscall groups.
PJD_GROUPS=(chmod chown ftruncate link mkdir mkfifo mknod open posix_fallocate rename rmdir
	symlink truncate unlink utimensat)
# Skipped wherever we run: LINK_MAX is unknown on these.
EXPECTED_SKIPS="link::link_count_max"
C_RAMFS_FAILS=truncate::update_ctime_success

LOGS=$(suite_results_begin pjdfstest)
# One pass takes ~20 s under TCG (the whole script ~100 s with the
# references, ~50 s without); a hang is cut short after this, so that the
# other file systems still run.
PASS_LIMIT=180

# pjdfstest's per-case lines "NAME<spaces>STATUS" -> "NAME STATUS" with STATUS
# ok, FAILED or skipped (colours are off when not on a terminal, NO_COLOR too).
parse_cases() {
	sed -nE 's/^([A-Za-z0-9_]+(::[A-Za-z0-9_]+)+) +(ok|FAILED|skipped|failed as expected|PASSED UNEXPECTEDLY)$/\1 \3/p' "$1" |
		sed 's/ failed as expected$/ FAILED/; s/ PASSED UNEXPECTEDLY$/ FAILED/'
}

# run_suite FS: mount FS (and a tmpfs as the second file system the EXDEV
# cases need), run the two passes from inside it, each bounded in time (a hang
# on one file system must not cost the others); leaves "NAME STATUS" lines in
# $SCRATCH/FS.cases and the logs in $LOGS.
run_suite() {
	local fs=$1 mnt=$SCRATCH/$1 second=$SCRATCH/$1-second log=$LOGS/pjdfstest-$1.log
	local start=$SECONDS rc1=0 rc2=0
	fs_mount "$fs" "$mnt" && fs_mount tmpfs "$second" || return
	run_bounded "$PASS_LIMIT" "$log" env -C "$mnt" NO_COLOR=1 RUST_BACKTRACE=0 \
		"$PJDFSTEST" -c "$(cfg_of "$fs")" -p "$mnt" -s "$second" || rc1=$?
	run_bounded "$PASS_LIMIT" "$log.remount" env -C "$mnt" NO_COLOR=1 RUST_BACKTRACE=0 \
		"$PJDFSTEST" -c "$(cfg_of "$fs" remount)" -p "$mnt" erofs || rc2=$?
	echo "# $fs: pjdfstest exit status $rc1, remount pass $rc2, $((SECONDS - start)) s;" \
		"$(grep -h '^Summary' "$log" "$log.remount" | tr '\n' ' ')"
	if [ "$rc1" -ge 124 ]; then
		echo "# $fs: pjdfstest hung after $(parse_cases "$log" | tail -n1)"
		echo "$fs: hung after $(parse_cases "$log" | tail -n1)" >>"$SCRATCH/hangs"
	fi
	[ "$rc2" -lt 124 ] || echo "$fs: remount pass hung" >>"$SCRATCH/hangs"
	# The second pass's results replace the first's "skipped" for its cases.
	parse_cases "$log.remount" >"$SCRATCH/$fs.remount"
	{
		cat "$SCRATCH/$fs.remount"
		parse_cases "$log" | awk 'NR == FNR {again[$1] = 1; next} !($1 in again)' \
			"$SCRATCH/$fs.remount" -
	} | sort >"$SCRATCH/$fs.cases"
	fs_umount "$second" && fs_umount "$mnt"
}

# cases FS STATUS [GROUP]: the names of FS's cases with STATUS (in GROUP).
cases() {
	awk -v s="$2" -v g="${3:-}" '$2 == s && (g == "" || index($1, g "::") == 1) {print $1}' \
		"$SCRATCH/$1.cases"
}
count() { cases "$@" | grep -c .; }

# Show FS's failed cases with pjdfstest's reason (the tab-indented lines).
show_failures() {
	local log
	for log in "$LOGS/pjdfstest-$1.log" "$LOGS/pjdfstest-$1.log.remount"; do
		awk '/ FAILED$/ {p = 1; print; next} /^[^\t]/ {p = 0} p' "$log"
	done | sed 's/^/#   /'
}

# group_passes FS GROUP: every case of GROUP ran and passed on FS. (One awk:
# under TCG every process costs, and this runs for every group.)
group_passes() {
	local ran nfailed failed
	read -r ran nfailed failed < <(awk -v g="$2" 'index($1, g "::") == 1 {
		if ($2 == "ok") ok++
		else if ($2 == "FAILED") { nf++; f = f " " $1 }
	} END { print ok + 0, nf + 0 f }' "$SCRATCH/$1.cases")
	echo "$1: $2: $ran passed, $nfailed failed${failed:+: }$failed"
	[ "$nfailed" -eq 0 ] && [ "$ran" -gt 0 ]
}

# all_pass FS: no case failed, and at least the 390 of pjdfstest 0.2.2 ran.
all_pass() {
	local ok failed
	ok=$(count "$1" ok)
	failed=$(cases "$1" FAILED)
	echo "$1: $ok passed, $(count "$1" FAILED) failed, $(count "$1" skipped) skipped"
	[ -z "$failed" ] || show_failures "$1"
	! grep "^$1: " "$SCRATCH/hangs" 2>/dev/null || return 1
	[ -z "$failed" ] && [ "$ok" -ge 390 ]
}

only_expected_skips() {
	local got
	got=$(cases "$1" skipped | sort)
	echo "skipped on $1: $(paste -sd' ' <<<"$got")"
	[ "$got" = "$EXPECTED_SKIPS" ]
}

case_passes() {
	local got
	got=$(awk -v n="$2" '$1 == n {print $2}' "$SCRATCH/$1.cases")
	echo "$2 on $1: ${got:-not run}"
	[ "$got" = ok ]
}

remount_cases_pass() {
	local ok total
	ok=$(awk '$2 == "ok"' "$SCRATCH/$1.remount" | grep -c .)
	total=$(grep -c . "$SCRATCH/$1.remount")
	echo "$1: $ok of $total read-only remount cases passed"
	[ "$total" -ge 13 ] && [ "$ok" = "$total" ]
}

fails_exactly() {
	local got
	got=$(cases "$1" FAILED)
	echo "failed on $1: ${got:-none}; expected: $2"
	[ -n "$got" ] || return 1
	[ "$got" = "$2" ] || show_failures "$1"
	[ "$got" = "$2" ]
}

# same_cases_ran FS1 FS2 [GROUP]: the same cases ran on both, but for those
# of GROUP (left out of FS1's configuration).
same_cases_ran() {
	local ran='$2 != "skipped" && (g == "" || index($1, g "::") != 1) {print $1}'
	diff <(awk -v g="${3:-}" "$ran" "$SCRATCH/$1.cases") <(awk -v g="${3:-}" "$ran" "$SCRATCH/$2.cases") &&
		echo "$1 and $2 ran the same $(awk -v g="${3:-}" "$ran" "$SCRATCH/$1.cases" | grep -c .) cases${3:+ (but for $3)}"
}

# Record "pjdfstest FS PASSED/RAN failed=N skipped=N [failed cases]".
record() {
	local ok ran failed hung
	ok=$(count "$1" ok)
	mapfile -t failed < <(cases "$1" FAILED)
	ran=$((ok + ${#failed[@]}))
	hung=$(grep "^$1: " "$SCRATCH/hangs" 2>/dev/null | sed 's/^[^:]*: /HUNG: /' | paste -sd' ')
	suite_result pjdfstest "$1" "$ok/$ran" "failed=${#failed[@]}" \
		"skipped=$(count "$1" skipped)" "${failed[@]}" ${hung:+"$hung"}
}

ktap_begin
dmesg_mark
# rust_ramfs's cases first; the references after them (see the top).
run_suite "$RAMFS_NAME" || echo "# $RAMFS_NAME: a mount or unmount failed"
touch "$SCRATCH/$RAMFS_NAME.cases" "$SCRATCH/$RAMFS_NAME.remount"
record "$RAMFS_NAME"
for g in "${PJD_GROUPS[@]}"; do
	expect_ok "$RAMFS_NAME: pjdfstest $g: every case passes" group_passes "$RAMFS_NAME" "$g"
done
expect_ok "$RAMFS_NAME: pjdfstest: every case passes (0 failures)" all_pass "$RAMFS_NAME"
expect_ok "$RAMFS_NAME: $C_RAMFS_FAILS passes (the C ramfs fails it)" \
	case_passes "$RAMFS_NAME" "$C_RAMFS_FAILS"
expect_ok "$RAMFS_NAME: every read-only remount (EROFS) case passes" \
	remount_cases_pass "$RAMFS_NAME"
expect_ok "$RAMFS_NAME: skipped only what no file system here can run (LINK_MAX)" \
	only_expected_skips "$RAMFS_NAME"

if ref_on_demand && [ "$KTAP_CNT_FAIL" -eq 0 ]; then
	echo "# ramfs, tmpfs: not needed: every case passed on $RAMFS_NAME"
else
	for fs in ramfs tmpfs; do
		run_suite "$fs" || echo "# $fs: a mount or unmount failed"
		touch "$SCRATCH/$fs.cases" "$SCRATCH/$fs.remount"
		record "$fs"
	done
	expect_ok "C ramfs: fails exactly $C_RAMFS_FAILS" fails_exactly ramfs "$C_RAMFS_FAILS"
	expect_ok "C ramfs: the same cases ran as on $RAMFS_NAME, but posix_fallocate" \
		same_cases_ran ramfs "$RAMFS_NAME" posix_fallocate
	expect_ok "tmpfs: every case passes (0 failures)" all_pass tmpfs
fi
suite_results_end
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"
ktap_finished
