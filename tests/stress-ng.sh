#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# stress-ng's filesystem class (one stressor at a time, 2 s each, results
# verified where the stressor can: access, chmod, chown, dentry, dir,
# dirdeep, dirmany, fcntl, flock, fsize, getdent, hdd, io, link, lock*,
# mknod, open, rename, symlink, sync-file, touch, utime, xattr...) on
# rust_ramfs, the C ramfs and tmpfs in the same boot. Every stressor must
# pass on rust_ramfs, but those EXPECTED lists, each with its reason and the
# issue that will remove it: one of those may fail or be skipped on
# rust_ramfs only when it did not pass on the C ramfs either, in the same
# run. (xattr passes on rust_ramfs, which has xattrs; the C ramfs skips it,
# and so exits 3 where rust_ramfs, running everything, exits 0.) binderfs,
# verity and fiemap are excluded: they cannot run on these file systems.
# tmpfs is run for comparison only, on the plain kernel (on the debug one it
# would add minutes and test nothing of ours). Logs, YAML metrics and results:
# results/suites/stress-ng*. Under TCG one file system takes ~2 min.
# On the debug kernel the C ramfs runs on demand: only the stressors that did
# not pass on rust_ramfs (the others are added to --exclude; --seq 1 runs
# each stressor by itself, so one's result does not depend on which others
# ran), and not at all when every stressor passed and stress-ng exited 0
# (when it exited otherwise with every stressor passed, the whole class runs,
# as on the plain kernel). The stressors that passed need no reference, and
# rust_ramfs's exit status is its non-passing stressors' doing, so it is
# compared with the C ramfs's over those same stressors; with no reference
# run it must be 0.
# timeout=900
set -uo pipefail
export LC_ALL=C
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
require_tool STRESS_NG stress-ng

SECS=2
FILESYSTEMS=("$RAMFS_NAME" ramfs)
[ "${RAMFS_FLAVOUR:-test}" = debug ] || FILESYSTEMS+=(tmpfs)
# One file system's run (~110 s under TCG, ~150 s on the debug kernel) is
# cut short after this: a third of the script's limit, less a margin.
RUN_LIMIT=$(((${RAMFS_TIMEOUT:-900} - 60) / ${#FILESYSTEMS[@]}))
LOGS=$(suite_results_begin stress-ng)
# The stressors always left out (run_stress's second argument adds some).
EXCLUDE=binderfs,verity,fiemap
# fsize runs by itself, its rounds bounded (about what it did in its 2 s in
# the class: 10 to 28 on the debug kernel, 290 on the plain one) and its time
# not (60 s, never reached). The C ramfs has no fallocate: stress-ng writes
# zeros instead, and when a stressor's time runs out during that, it takes
# the cut-short write for a fallocate that succeeded: fsize failed then
# ("fallocate unexpectedly succeeded", no SIGXFSZ), at random (so did
# rust_ramfs, before it had fallocate: 2 of 6 debug runs).
FSIZE_OPS=300
[ "${RAMFS_FLAVOUR:-test}" != debug ] || FSIZE_OPS=20

# The stressors expected not to pass on rust_ramfs: STRESSOR -> "ISSUE
# REASON", ISSUE the one that will remove the entry. Such a stressor's case
# passes when it does not pass on rust_ramfs only if it did not pass on the
# C ramfs either, in the same run; any other stressor must pass. None is,
# since issue 20 gave rust_ramfs fallocate (fsize's entry, the last).
declare -A EXPECTED=()

# stress_on DIR LOG ARG...: stress-ng ARG... on DIR, from inside it, its
# output in LOG. It runs in a mount namespace of its own: its fanotify
# stressor marks every mount it can see and its bind-mount stressor copies
# them, which would make the umounts of the scripts running beside it fail
# EBUSY.
stress_on() {
	local dir=$1 log=$2 limit=$RUN_LIMIT
	shift 2
	[ "$1" != --fsize ] || limit=120
	run_bounded "$limit" "$log" unshare --mount --propagation private env -C "$dir" \
		"$STRESS_NG" "$@" --verify --metrics-brief --temp-path "$dir"
}

# run_stress FS [MORE [CLASS]]: on a fresh FS, the filesystem class less
# $EXCLUDE, fsize and the stressors MORE (comma-separated), unless CLASS is
# "no"; then fsize (see FSIZE_OPS) unless MORE has it. The exit status (the
# class's, else fsize's) in $SCRATCH/FS.rc, "STRESSOR STATUS" lines in
# $SCRATCH/FS.status.
run_stress() {
	local fs=$1 mnt=$SCRATCH/$1 log=$LOGS/stress-ng-$1.log start=$SECONDS rc=0 frc=0
	: >"$log"
	if fs_mount "$fs" "$mnt"; then
		if [ "${3:-yes}" != no ]; then
			stress_on "$mnt" "$log" --class filesystem --seq 1 -t "$SECS" \
				--exclude "$EXCLUDE,fsize${2:+,$2}" --yaml "$LOGS/stress-ng-$fs.yaml" || rc=$?
		fi
		if [[ ,${2:-}, != *,fsize,* ]]; then
			stress_on "$mnt" "$SCRATCH/$fs-fsize.log" --fsize 1 --fsize-ops "$FSIZE_OPS" -t 60 \
				--yaml "$LOGS/stress-ng-$fs-fsize.yaml" || frc=$?
			cat "$SCRATCH/$fs-fsize.log" >>"$log"
			[ "$rc" -ne 0 ] || rc=$frc
		fi
		fs_umount "$mnt" || echo "# $fs: cannot unmount after stress-ng"
	else
		rc=255
	fi
	echo "$rc" >"$SCRATCH/$fs.rc"
	stressor_status <"$log" >"$SCRATCH/$fs.status"
	echo "# $fs: stress-ng exit status $rc after $((SECONDS - start)) s:" \
		"$(summary "$fs")"
	# What it did: the sum of the stressors' bogo-ops ("metrc:" lines).
	echo "# stress: stress-ng $fs stressors=$(grep -c . "$SCRATCH/$fs.status")" \
		"bogo-ops=$(awk '$2 == "metrc:" && $5 ~ /^[0-9]+$/ { s += $5 } END { print s + 0 }' "$log")" \
		"seconds=$((SECONDS - start))" >>"$SCRATCH/stress"
}

# stressor_status < LOG: "STRESSOR pass|fail|skip" for each stressor
# dispatched. stress-ng 0.15 has no per-stressor verdict line: a stressor
# fails when it logs a "fail:" line (a verification error: the run may still
# end "successful") or its process ends with an error; it is skipped when it
# says so or runs out of resources (exit status 3).
stressor_status() {
	awk '
	/ dispatching hogs: / {
		s = $0
		sub(/.* dispatching hogs: /, "", s)
		n = split(s, hogs, /, /)
		for (i = 1; i <= n; i++) {
			split(hogs[i], w, " ")
			order[++cnt] = w[2]
			st[w[2]] = "pass"
		}
		next
	}
	/^stress-ng: fail: / && match($0, /\] [a-z0-9-]+:/) {
		name = substr($0, RSTART + 2, RLENGTH - 3)
		if (name in st) st[name] = "fail"
		next
	}
	match($0, /process \[?[0-9]+\]? \((stress-ng-)?[a-z0-9-]+\) /) {
		s = substr($0, RSTART, RLENGTH)
		sub(/^[^(]*\((stress-ng-)?/, "", s)
		sub(/\) $/, "", s)
		if (!(s in st)) next
		if ($0 ~ /aborted early, out of system resources/) {
			if (st[s] != "fail") st[s] = "skip"
		} else if ($0 ~ /terminated with an error|aborted via exit|terminated on signal/) {
			st[s] = "fail"
		}
		next
	}
	match($0, /\] [a-z0-9-]+:? stressor will be skipped/) {
		s = substr($0, RSTART + 2, RLENGTH - 2)
		sub(/:? stressor will be skipped$/, "", s)
		if ((s in st) && st[s] != "fail") st[s] = "skip"
	}
	END { for (i = 1; i <= cnt; i++) print order[i], st[order[i]] }'
}

# status FS STRESSOR: pass, fail, skip, or missing (did not run). From
# STATUS, filled by load_status FS... from $SCRATCH/FS.status: no process per
# look-up (under TCG each costs, and there are two per stressor).
declare -A STATUS=()
load_status() {
	local fs n st
	for fs; do
		[ -f "$SCRATCH/$fs.status" ] || continue
		while read -r n st; do STATUS[$fs/$n]=$st; done <"$SCRATCH/$fs.status"
	done
}
status() { echo "${STATUS[$1/$2]:-missing}"; }

# summary FS: "passed=P/N failed=F skipped=S exit=RC [failed:a,b] [skipped:c]".
summary() {
	local f=$SCRATCH/$1.status failed skipped
	failed=$(awk '$2 == "fail" {print $1}' "$f" | paste -sd, -)
	skipped=$(awk '$2 == "skip" {print $1}' "$f" | paste -sd, -)
	echo "passed=$(awk '$2 == "pass"' "$f" | grep -c .)/$(grep -c . "$f")" \
		"failed=$(awk '$2 == "fail"' "$f" | grep -c .)" \
		"skipped=$(awk '$2 == "skip"' "$f" | grep -c .)" \
		"exit=$(cat "$SCRATCH/$1.rc")${failed:+ failed:$failed}${skipped:+ skipped:$skipped}"
}

# judge STRESSOR: it passes on rust_ramfs, or it is EXPECTED not to and did
# not pass on the C ramfs in this run either (it ran there, and failed or was
# skipped). Says which, with EXPECTED's reason for a listed stressor; on a
# failure, shows the stressor's lines from both logs.
judge() {
	local r c why fs
	r=${STATUS[$RAMFS_NAME/$1]:-missing}
	c=${STATUS[ramfs/$1]:-missing}
	# On demand, the C ramfs does not run what passed here.
	[ "$r$c" != passmissing ] || ! ref_on_demand || c="not needed"
	echo "$1: $r on $RAMFS_NAME, $c on ramfs${FILESYSTEMS[2]:+, $(status tmpfs "$1") on tmpfs}"
	why=
	[ -z "${EXPECTED[$1]:-}" ] || why="issue ${EXPECTED[$1]%% *}: ${EXPECTED[$1]#* }"
	if [ "$r" = pass ]; then
		[ -z "$why" ] || echo "$1: listed as expected not to pass on $RAMFS_NAME ($why), but passed"
		return 0
	fi
	if [ -z "$why" ]; then
		echo "$1: must pass on $RAMFS_NAME (it is not listed as expected not to)"
	elif [ "$c" = fail ] || [ "$c" = skip ]; then
		echo "$1: expected not to pass on $RAMFS_NAME ($why); nor did it on ramfs"
		return 0
	else
		echo "$1: expected not to pass on $RAMFS_NAME ($why), but only where ramfs does not either"
	fi
	for fs in "$RAMFS_NAME" ramfs; do
		[ -f "$LOGS/stress-ng-$fs.log" ] || continue
		grep -E "\] $1[: ]|\($1\)" "$LOGS/stress-ng-$fs.log" | head -n 20 | sed "s/^/$fs: /"
	done
	return 1
}

# The same exit status as on the C ramfs; or 0 where the C ramfs's 3 (a
# stressor out of resources) comes from its skips, each of a stressor that
# passed on rust_ramfs (xattr). (Each stressor has its own case above.)
# On the debug kernel, the C ramfs's over the stressors it ran (those that
# did not pass on rust_ramfs), or 0 when it did not run.
same_exit_status() {
	local r c skipped s
	r=$(cat "$SCRATCH/$RAMFS_NAME.rc")
	if [ ! -f "$SCRATCH/ramfs.rc" ]; then
		echo "stress-ng exit status: $r on $RAMFS_NAME (every stressor passed), ramfs not needed"
		[ "$r" = 0 ]
		return
	fi
	c=$(cat "$SCRATCH/ramfs.rc")
	echo "stress-ng exit status: $r on $RAMFS_NAME, $c on ramfs"
	[ "$r" = "$c" ] && return 0
	skipped=$(awk '$2 == "skip" { print $1 }' "$SCRATCH/ramfs.status")
	echo "skipped on ramfs: ${skipped:-none}"
	[ "$r" = 0 ] && [ "$c" = 3 ] && [ -n "$skipped" ] || return 1
	for s in $skipped; do
		[ "$(status "$RAMFS_NAME" "$s")" = pass ] || return 1
	done
}

ktap_begin
dmesg_mark
for fs in "${FILESYSTEMS[@]}"; do
	more='' class=yes
	if [ "$fs" = ramfs ] && ref_on_demand; then
		# On demand: leave out what passed on rust_ramfs.
		more=$(awk '$2 == "pass" { print $1 }' "$SCRATCH/$RAMFS_NAME.status" | paste -sd, -)
		n=$(awk '$2 != "pass"' "$SCRATCH/$RAMFS_NAME.status" | grep -c .)
		if [ "$n" -eq 0 ] && [ "$(cat "$SCRATCH/$RAMFS_NAME.rc")" != 0 ]; then
			echo "# ramfs: every stressor passed on $RAMFS_NAME, but stress-ng exited" \
				"$(cat "$SCRATCH/$RAMFS_NAME.rc"): the whole class runs"
			more=
		else
			ref_note ramfs "$n" stressor
			[ "$n" -gt 0 ] || continue
			# fsize runs by itself: the class only for the others.
			awk '$2 != "pass" && $1 != "fsize"' "$SCRATCH/$RAMFS_NAME.status" | grep -q . ||
				class=no
		fi
	fi
	run_stress "$fs" "$more" "$class"
	# shellcheck disable=SC2046 # summary's words are separate fields
	suite_result stress-ng "$fs" $(summary "$fs")
done
suite_results_end

load_status "${FILESYSTEMS[@]}"
# Every stressor that ran (or should have) on either ramfs.
mapfile -t STRESSORS < <(cut -d' ' -f1 "$SCRATCH/$RAMFS_NAME.status" "$SCRATCH/ramfs.status" 2>/dev/null |
	awk '!seen[$0]++')
[ ${#STRESSORS[@]} -gt 0 ] || ktap_exit_fail_msg "stress-ng ran no stressor (see $LOGS)"
for s in "${STRESSORS[@]}"; do
	expect_ok "$RAMFS_NAME: stress-ng $s passes (or, listed as expected not to, nor does it on the C ramfs)" \
		judge "$s"
done
expect_ok "$RAMFS_NAME: stress-ng exit status is the C ramfs's" same_exit_status
expect_no_splat "no kernel warning, BUG, oops or panic in dmesg"
cat "$SCRATCH/stress"
ktap_finished
