#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fstests (xfstests-dev, the kernel community's filesystem suite) on
# rust_ramfs, tmpfs and the C ramfs in the same boot. fstests knows tmpfs but
# no ramfs, so each runs through fstests' tmpfs support, the type mapped by
# two wrappers (tests/fstests/: local.config, fstests-mount, fstests-df); no
# patch to fstests. The tests: tests/fstests/$FSTESTS_LIST.list ("check", a
# subset that fits make check's time, by default; "all" for make fstests).
# The fstests build comes from the host (scripts/fstests-build.sh, FSTESTS_DIR
# in the environment); without one the script skips, saying why.
#
# One case per test. Pass: the test passes on rust_ramfs; or it does not pass
# on tmpfs either (shown as a skip with tmpfs's result). A test that passes
# on tmpfs and not on rust_ramfs fails, unless tests/fstests/known-failures
# lists it with the reason (then a skip that says so; a listed test that
# passes fails, so that the list stays true). On the debug kernel tmpfs runs
# only the tests that did not pass on rust_ramfs, the only ones its result
# decides (none: no tmpfs run); on the plain kernel it runs them all, and the
# C ramfs's result is shown beside each. Logs: results/suites/fstests-FS/
# (check.log, result.xml, and for a failed test its .out.bad and .full).
# It runs in a mount namespace of its own (its users over /etc/passwd, its
# mounts), beside the other scripts.
# timeout=600
set -uo pipefail
export LC_ALL=C
[ -n "${_FSTESTS_NS:-}" ] ||
	_FSTESTS_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
CONF=$TESTS_DIR/fstests
LIST=$CONF/${FSTESTS_LIST:-check}.list
[ -f "$LIST" ] || skip_all "no list $LIST (FSTESTS_LIST=check or all)"
FSTESTS=${FSTESTS_DIR:-}
[ -n "$FSTESTS" ] || skip_all "no fstests: give its source as FSTESTS_SRC= (a checkout or" \
	"tarball of xfstests-dev), or put the pinned tarball in ../shared/third_party/"
[ -x "$FSTESTS/check" ] || skip_all "no fstests build in $FSTESTS"
command -v xfs_io >/dev/null || skip_all "no xfs_io (xfsprogs; scripts/setup.sh installs it)"
mapfile -t TESTS < <(sed 's/#.*//' "$LIST" | tr -s ' \t' '\n' | sed '/^$/d')

add_login_users fsgqa fsgqa2 123456-fsgqa || skip_all "cannot add the fsgqa users"
ramfs_load || skip_all "cannot load $RAMFS_KO"

ktap_begin
dmesg_mark

# The C ramfs is shown for comparison only, on the plain kernel (on the
# debug one each test takes ~40 s under TCG).
FILESYSTEMS=("$RAMFS_NAME" tmpfs)
[ "${RAMFS_FLAVOUR:-test}" = debug ] || FILESYSTEMS+=(ramfs)
LIMIT=$(((${RAMFS_TIMEOUT:-600} - 30) / ${#FILESYSTEMS[@]}))
LOGS=$(suite_results_begin fstests)
WORK=$SCRATCH/fstests

# run_check FS TEST...: one ./check run of the TESTs on FS; "TEST STATUS"
# lines (pass, fail, notrun) in $SCRATCH/FS.results.
run_check() {
	local fs=$1 res=$LOGS/fstests-$1 rc=0 start=$SECONDS m
	shift
	printf '%s\n' "$@" >"$SCRATCH/$fs.ran"
	rm -rf "$res" && mkdir -p "$res" "$WORK/test" "$WORK/scratch" || return
	run_bounded "$LIMIT" "$res/check.out" env -C "$FSTESTS" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOST_OPTIONS="$CONF/local.config" FSTESTS_RAMFS_TYPE="$fs" \
		FSTESTS_WORK="$WORK" FSTESTS_RESULTS="$res" \
		./check -R xunit "$@" || rc=$?
	# A test cut short can leave mounts behind, which would pin the module.
	findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	awk -f "$CONF/xunit-results.awk" "$res/result.xml" >"$SCRATCH/$fs.results" 2>/dev/null
	local counts
	counts=$(tail -n1 "$SCRATCH/$fs.results")
	echo "# $fs: ./check exit status $rc after $((SECONDS - start)) s: ${counts:-no results}"
	suite_result fstests "$fs" "${counts:-no results}" "($# of the ${#TESTS[@]} tests, list ${LIST##*/})"
}
# status FS TEST: the test's result on FS: pass, fail, notrun, missing (the
# run was cut short before it), or "not run here" for a file system this
# boot does not run or did not run the test on.
status() {
	grep -qxF "$2" "$SCRATCH/$1.ran" 2>/dev/null || { echo "not run here" && return; }
	[ -f "$SCRATCH/$1.results" ] || { echo "missing" && return; }
	awk -v t="$2" '$1 == t { s = $2 } END { print s ? s : "missing" }' "$SCRATCH/$1.results"
}

run_check "$RAMFS_NAME" "${TESTS[@]}"
for fs in "${FILESYSTEMS[@]:1}"; do
	todo=("${TESTS[@]}")
	if ref_on_demand; then
		todo=()
		for t in "${TESTS[@]}"; do
			[ "$(status "$RAMFS_NAME" "$t")" = pass ] || todo+=("$t")
		done
		ref_note "$fs" "${#todo[@]}" test
	fi
	[ "${#todo[@]}" -eq 0 ] || run_check "$fs" "${todo[@]}"
done
suite_results_end

# known TEST: the reason tests/fstests/known-failures gives, if any.
known() { awk -v t="$1" '$1 == t { $1 = ""; sub(/^ /, ""); print; exit }' "$CONF/known-failures"; }

for t in "${TESTS[@]}"; do
	ours=$(status "$RAMFS_NAME" "$t") ref=$(status tmpfs "$t") c=$(status ramfs "$t")
	why=$(known "$t")
	desc="$t: $ours (tmpfs: $ref, C ramfs: $c)"
	if [ "$ours" = pass ] && [ -z "$why" ]; then
		ktap_test_pass "$desc"
	elif [ "$ours" = pass ]; then
		echo "# $t passes: remove it from tests/fstests/known-failures ($why)"
		ktap_test_fail "$desc"
	elif [ "$ref" != pass ]; then
		ktap_test_skip "$desc: not passed on tmpfs either"
	elif [ -n "$why" ]; then
		ktap_test_skip "$desc: known failure: $why"
	else
		[ ! -f "$LOGS/fstests-$RAMFS_NAME/$t.out.bad" ] ||
			diff -u "$FSTESTS/tests/$t.out" "$LOGS/fstests-$RAMFS_NAME/$t.out.bad" | head -n 30 | sed 's/^/# /'
		ktap_test_fail "$desc"
	fi
done

expect_no_splat "no kernel warnings"
ktap_finished
