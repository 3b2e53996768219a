# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for the test scripts (sourced, not run). They run inside the
# VM (scripts/vm.sh), which sees the host's file system at the same paths.
#
# A test script:
#   . "$(dirname "$0")/lib.sh"
#   ramfs_require_ko             # skip the whole script when there is no .ko
#   ktap_begin                   # no plan to type: it is counted (see there)
#   expect_ok "mkdir works" mkdir "$dir/a"
#   expect_errno EEXIST "mkdir twice fails" mkdir "$dir/a"
#   ktap_finished                # exit 0 pass / 1 fail

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(dirname "$TESTS_DIR")
# The one place that knows where the module is.
RAMFS_KO=${RAMFS_KO:-$TOP_DIR/rust_ramfs.ko}
RAMFS_NAME=rust_ramfs
# Writable from the guest (vm.sh shares it read-write): logs, benchmark output.
RESULTS=${RESULTS:-$TOP_DIR/results}
# The tree of the running kernel, which the module was built against (in the
# VM, virtme-ng links it as the modules' `build`).
KDIR=${KDIR:-/lib/modules/$(uname -r)/build}

# The kernel's own KTAP helpers: ktap_print_header, ktap_set_plan,
# ktap_test_pass/fail/skip, ktap_skip_all, ktap_finished, KSFT_SKIP...
# shellcheck source=/dev/null
. "$KDIR/tools/testing/selftests/kselftest/ktap_helpers.sh" || exit 1

# --- the KTAP stream: a plan nobody types ---------------------------------
# KTAP wants the plan ("1..N") right after the version line. Rather than a
# number typed by hand (which drifts when a case is added), ktap_begin sends
# the script's output (stdout and stderr) to a file and ktap_finished prints
# the header, the plan counted from the cases that ran, then that file. A
# script that stops before ktap_finished (an `exit`, a Bail out, a crash, the
# runner's SIGTERM at its time limit) gets a last failing case that says so,
# printed by the EXIT trap: cases cannot go missing unnoticed.
_KTAP_FD=
ktap_begin() {
	exec {_KTAP_FD}>&1 >"$SCRATCH/.ktap" 2>&1
}

# _ktap_flush: print the header, the plan and what the script printed.
_ktap_flush() {
	[ -n "$_KTAP_FD" ] || return 0
	exec >&"$_KTAP_FD" 2>&1 {_KTAP_FD}>&-
	_KTAP_FD=
	ktap_print_header
	echo "1..$((KTAP_TESTNO - 1))"
	cat "$SCRATCH/.ktap"
}

ktap_finished() {
	_ktap_flush
	ktap_print_totals
	if [ "$KTAP_CNT_FAIL" -eq 0 ] && [ "$KTAP_TESTNO" -gt 1 ]; then
		exit "$KSFT_PASS"
	fi
	exit "$KSFT_FAIL"
}

# ktap_exit_fail_msg MSG: stop the script here, failing ("Bail out!").
ktap_exit_fail_msg() {
	echo "# Bail out! $*"
	ktap_test_fail "the script runs to its end"
	ktap_finished
}

# The EXIT trap's part (in _lib_cleanup, which then exits 1): the script did
# not reach ktap_finished.
_ktap_unfinished() {
	[ -n "$_KTAP_FD" ] || return 0
	ktap_test_fail "the script runs to its end (it stopped after case $((KTAP_TESTNO - 1)))"
	_ktap_flush
	ktap_print_totals
}
# A time limit's SIGTERM ends the script through its EXIT trap.
trap 'exit 143' TERM

# Skip the whole script (exit 4) with a reason; before ktap_begin.
skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

ramfs_require_ko() {
	[ -f "$RAMFS_KO" ] || skip_all "no $RAMFS_KO (build it with make)"
}

ramfs_loaded() { [ -d "/sys/module/$RAMFS_NAME" ]; }

# Load the module unless it is loaded already (or a script running beside
# this one loads it meanwhile: insmod then fails "File exists").
ramfs_load() {
	ramfs_loaded || insmod "$RAMFS_KO" || ramfs_loaded
}

ramfs_unload() {
	! ramfs_loaded || rmmod "$RAMFS_NAME"
}

# --- result helpers: one KTAP test case each -------------------------------

# Run CMD in this shell (so helpers may change state, e.g. fs_mount), its
# output shown as KTAP diagnostics, and kept in $OUT for the caller.
# Builtins only: every test case comes through here, and on the debug kernel
# under TCG a fork and exec (of sed, say) per case adds up to minutes.
OUT=
_run_quoted() {
	local rc=0 lines
	"$@" >"$SCRATCH/.out" 2>&1 || rc=$?
	OUT=$(<"$SCRATCH/.out")
	if [ -n "$OUT" ]; then
		mapfile -t lines <<<"$OUT"
		printf '# %s\n' "${lines[@]}"
	fi
	return "$rc"
}

# expect_ok DESC CMD...: pass when CMD exits 0.
expect_ok() {
	local desc=$1
	shift
	if _run_quoted "$@"; then
		ktap_test_pass "$desc"
	else
		echo "# '$*' failed with exit status $?"
		ktap_test_fail "$desc"
	fi
}

# expect_fail DESC CMD...: pass when CMD exits non-zero.
expect_fail() {
	local desc=$1
	shift
	if _run_quoted "$@"; then
		echo "# '$*' succeeded, expected a failure"
		ktap_test_fail "$desc"
	else
		ktap_test_pass "$desc"
	fi
}

# errno_msg NAME: the C library's message for an errno name (EEXIST ->
# "File exists"), which is what command-line tools print.
errno_msg() {
	perl -MErrno -e '$! = Errno->can($ARGV[0])->(); print "$!\n"' "$1"
}

# expect_errno NAME DESC CMD...: pass when CMD fails and reports errno NAME.
expect_errno() {
	local name=$1 desc=$2 msg rc=0
	shift 2
	msg=$(errno_msg "$name")
	_run_quoted "$@" || rc=$?
	if [ "$rc" -ne 0 ] && [[ $OUT == *"$msg"* ]]; then
		ktap_test_pass "$desc"
	else
		echo "# '$*': exit status $rc, expected a failure with $name ($msg)"
		ktap_test_fail "$desc"
	fi
}

# meminfo KEY: the /proc/meminfo figure KEY (MemTotal, MemAvailable...) in kB.
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# The pages of RAM: what size=N% and the user-namespace default (half) count.
ram_pages() { echo $(($(meminfo MemTotal) / 4)); }

# --- mounts ----------------------------------------------------------------

# Scratch directory for this script, removed (with anything mounted in it)
# on exit.
SCRATCH=$(mktemp -d /tmp/rust_ramfs-test.XXXXXX)
_MOUNTS=()
_lib_cleanup() {
	local i unfinished=$_KTAP_FD
	_ktap_unfinished
	for ((i = ${#_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${_MOUNTS[i]}" 2>/dev/null || umount -l "${_MOUNTS[i]}" 2>/dev/null || true
	done
	rm -rf "$SCRATCH"
	[ -z "$unfinished" ] || exit "$KSFT_FAIL"
}
trap _lib_cleanup EXIT

# fs_mount FSTYPE DIR [MOUNT-OPTIONS]: mount a fresh instance of FSTYPE
# (rust_ramfs, or the references: ramfs = the kernel's C ramfs, tmpfs) on DIR,
# creating DIR; unmounted on exit.
fs_mount() {
	local fstype=$1 dir=$2 opts=${3:-}
	[ "$fstype" != "$RAMFS_NAME" ] || ramfs_load || return
	mkdir -p "$dir" || return
	mount -t "$fstype" ${opts:+-o "$opts"} "$fstype" "$dir" || return
	_MOUNTS+=("$dir")
}

# fs_umount DIR: unmount early.
fs_umount() {
	umount "$1" || return
	local i
	for i in "${!_MOUNTS[@]}"; do
		[ "${_MOUNTS[i]}" != "$1" ] || unset '_MOUNTS[i]'
	done
	_MOUNTS=("${_MOUNTS[@]}")
}

# fs_fresh FSTYPE DIR [MOUNT-OPTIONS]: fs_mount on DIR, unmounting first
# whatever is mounted there.
fs_fresh() {
	! mountpoint -q "$2" || fs_umount "$2" || return
	fs_mount "$@"
}

# used_blocks DIR: the blocks statfs counts as used on the mount at DIR.
used_blocks() { stat -f -c '%b %f' "$1" | awk '{ print $1 - $2 }'; }

# --- namespace (dirs/links/special/perms) helpers ---

# fs_mount_pair DIR REFDIR: rust_ramfs on DIR and, beside it as the
# reference, the C ramfs on REFDIR.
fs_mount_pair() {
	fs_mount "$RAMFS_NAME" "$1" && fs_mount ramfs "$2"
}

# nlinks PATH...: the link counts, space-separated.
nlinks() {
	local out=() p
	for p; do out+=("$(stat -c %h "$p")") || return; done
	echo "${out[*]}"
}

# same_output OURS REF [EXPECTED]: the output of one check run on rust_ramfs
# (OURS) and on the C ramfs (REF) must be the same, and EXPECTED when given
# (else not empty).
same_output() {
	echo "$RAMFS_NAME: $1"
	echo "ramfs:      $2"
	if [ $# -ge 3 ]; then
		[ "$1" = "$3" ] || {
			echo "expected:   $3"
			return 1
		}
	else
		[ -n "$1" ] || return 1
	fi
	[ "$1" = "$2" ] || {
		echo "differs from ramfs"
		return 1
	}
}

# same_observations OURS THEIRS REF: OURS (what a check printed on
# rust_ramfs) shown, then how THEIRS (the same check on the reference REF)
# differs; fails when they differ or OURS is empty.
same_observations() {
	echo "$1"
	echo "differences from $3:"
	diff <(echo "$1") <(echo "$2") && [ -n "$1" ]
}

# has_lines TEXT LINE...: each LINE is a whole line of TEXT (what a check
# printed); says which is missing.
has_lines() {
	local text=$1 line
	shift
	for line; do
		grep -qxF -- "$line" <<<"$text" || {
			echo "missing: $line"
			return 1
		}
	done
}

# sysop OP ARG...: make one system call (tests/ramfstest/sysop.py) and print
# OK, or the name of the errno it failed with (EACCES, EEXIST...). Exit status
# 0 either way (2 on a usage error), so that expect_output can compare names.
#   rename SRC DST [FLAGS]   renameat2; FLAGS 0 or NOREPLACE|EXCHANGE|WHITEOUT
#   create PATH [MODE]       open(O_CREAT|O_EXCL|O_WRONLY), MODE octal (0666)
#   mkdir PATH [MODE]        MODE octal (0777)
#   mknod PATH MODE [MAJ MIN] MODE octal with the type bits (010644 = fifo)
#   read PATH | write PATH   open(O_RDONLY) / open(O_WRONLY)
#   rmdir unlink stat lstat PATH; link SRC DST; symlink TARGET PATH
#   chmod PATH MODE; chown PATH UID GID
# Several calls in one go (one line each, one python start-up, which is slow
# under TCG): sysop create a \; mkdir b
# The C library's constants for the Python helpers (AT_FDCWD, RENAME_*,
# MS_REMOUNT, FSCONFIG_*, MAP_*...): tests/sysconst.c prints them from the
# headers as the module `sysconst`, made once into $RESULTS (again when the
# program changes; written under another name and renamed, as scripts start
# side by side) and found through PYTHONPATH.
if [ ! "$RESULTS/sysconst.py" -nt "$TESTS_DIR/sysconst.c" ]; then
	gcc -Wall -Werror -o "$SCRATCH/sysconst" "$TESTS_DIR/sysconst.c" &&
		"$SCRATCH/sysconst" >"$RESULTS/sysconst.py.$$" &&
		mv -f "$RESULTS/sysconst.py.$$" "$RESULTS/sysconst.py" ||
		echo "# lib.sh: cannot make $RESULTS/sysconst.py from tests/sysconst.c"
fi
# The tests' Python package (tests/ramfstest) and sysconst.
export PYTHONPATH=$RESULTS:$TESTS_DIR

# An interpreter every uid can run (not a shim in root's home).
_SYSOP_PYTHON=python3
[ ! -x /usr/bin/python3 ] || _SYSOP_PYTHON=/usr/bin/python3
# The package's modules start through an import in `-c`, not through `-m`,
# whose runpy (importlib.util, contextlib...) costs a quarter of a second a
# start on the debug kernel under TCG. TPY is that command line, for where a
# shell function cannot go (setpriv, unshare, exec): "${TPY[@]}" MODULE ARG...
# runs the main() of tests/ramfstest/MODULE.py, which reads its arguments
# from sys.argv.
TPY=("$_SYSOP_PYTHON" -S -c
	'import sys; __import__("ramfstest." + sys.argv.pop(1), fromlist=["main"]).main()')
tpy() { "${TPY[@]}" "$@"; }
sysop() { tpy sysop "$@"; }
# Every script's `python3` is that interpreter, without site start-up: the
# guest's PATH finds a pyenv shim first, which takes seconds to start under
# TCG and which other uids cannot run. The test programs need only the
# standard library. (A function: in a background job `$!` is a subshell,
# and `exec` skips it; there, call "$_SYSOP_PYTHON" -S itself.)
python3() { command "$_SYSOP_PYTHON" -S "$@"; }

# wait_ready FILE PID [TRIES]: wait (TRIES tenths of a second, default 200)
# until the background process PID writes READY to FILE; fails if it ends
# first or the time runs out.
wait_ready() {
	local i
	for ((i = 0; i < ${3:-200}; i++)); do
		grep -q READY "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# as_user UID[:GID] CMD...: run CMD with that uid and gid (GID defaults to
# UID) and no supplementary groups. No passwd entry is needed. For sysop, use
# `as_user UID sysop OP...`.
as_user() {
	local uid=${1%%:*} gid=${1#*:}
	shift
	if [ "$1" = sysop ]; then
		shift
		set -- "${TPY[@]}" sysop "$@"
	fi
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}

# expect_output DESC EXPECTED CMD...: pass when CMD exits 0 and prints
# (stdout and stderr) exactly EXPECTED.
expect_output() {
	local desc=$1 want=$2 rc=0
	shift 2
	_run_quoted "$@" || rc=$?
	if [ "$rc" -eq 0 ] && [ "$OUT" = "$want" ]; then
		ktap_test_pass "$desc"
	else
		echo "# '$*': exit status $rc, expected output:"
		printf '%s\n' "$want" | sed 's/^/#   /'
		ktap_test_fail "$desc"
	fi
}

# expect_like_ref DESC EXPECTED DIR REFDIR CMD [ARG...]: the same check on
# rust_ramfs (DIR) and on a reference mount (REFDIR, e.g. the C ramfs): runs
# `CMD DIR ARG...` and `CMD REFDIR ARG...`; pass when both exit 0 and print
# exactly EXPECTED. A failure shows both outputs, so a reference that differs
# too points at the test, not the module.
expect_like_ref() {
	local desc=$1 want=$2 dir=$3 ref=$4 rc=0 rrc=0 out
	shift 4
	local cmd=$1
	shift
	_run_quoted "$cmd" "$dir" "$@" || rc=$?
	out=$OUT
	echo "# ^ $RAMFS_NAME, v reference"
	_run_quoted "$cmd" "$ref" "$@" || rrc=$?
	if [ "$rc" -eq 0 ] && [ "$rrc" -eq 0 ] && [ "$out" = "$want" ] && [ "$OUT" = "$want" ]; then
		ktap_test_pass "$desc"
	else
		echo "# '$cmd DIR $*': exit status $rc on $RAMFS_NAME, $rrc on the reference; expected output of both:"
		printf '%s\n' "$want" | sed 's/^/#   /'
		ktap_test_fail "$desc"
	fi
}

# --- reference runs on demand ---
# Many scripts run the same workload on a reference (the C ramfs, tmpfs) in
# the same boot, to judge a rust_ramfs result that depends on the kernel. On
# the debug kernel, where every run costs minutes under TCG, they run the
# reference only for what rust_ramfs did not simply pass (each script says
# how); on the plain kernel, always, for comparison.
ref_on_demand() { [ "${RAMFS_FLAVOUR:-test}" = debug ]; }

# ref_needed FS: whether a script that ran its cases on rust_ramfs first
# must run them on the reference FS too: always on the plain kernel, on the
# debug kernel only after a rust_ramfs case failed. Says which.
ref_needed() {
	if [ "$1" = "$RAMFS_NAME" ] || ! ref_on_demand; then
		return 0
	fi
	if [ "$KTAP_CNT_FAIL" -eq 0 ]; then
		echo "# $1: not needed: every case passed on $RAMFS_NAME"
		return 1
	fi
	echo "# $1: run, as $KTAP_CNT_FAIL cases failed on $RAMFS_NAME"
}

# ref_note FS N NOUN: the diagnostic that says so ("test", "case", "stressor").
ref_note() {
	if [ "$2" -eq 0 ]; then
		echo "# $1: not needed: every $3 passed on $RAMFS_NAME"
	elif [ "$2" -eq 1 ]; then
		echo "# $1: run only for the one $3 $RAMFS_NAME did not pass"
	else
		echo "# $1: run only for the $2 ${3}s $RAMFS_NAME did not pass"
	fi
}

# --- third-party suites helpers ---
# For the scripts that run third-party suites (pjdfstest, fsx, stress-ng) on
# rust_ramfs and the references side by side.

# suite_tool NAME: print the path of tool NAME: scripts/setup.sh installs the
# cargo-built ones in $RAMFS_CACHE/tools/bin, next to the cached kernel tree
# (KDIR, or what it links to) or in the cache of the user who ran setup; else
# one on PATH.
suite_tool() {
	local d
	for d in ${RAMFS_TOOLS:+"$RAMFS_TOOLS"} "$(dirname "$(readlink -f "$KDIR")")/tools/bin" \
		"$HOME/.cache/rust_ramfs/tools/bin"; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	command -v "$1"
}

# require_tool VAR NAME: set VAR to the path of tool NAME, or skip the whole
# script when it is not installed.
require_tool() {
	local path
	path=$(suite_tool "$2") || skip_all "$2 is not installed (scripts/setup.sh installs it)"
	printf -v "$1" '%s' "$path"
}

# require_suite VAR NAME: what a script that runs the suite NAME needs, or it
# skips: the module, the tool NAME (its path in VAR) and its configuration
# tests/NAME.toml (its path in CFG).
require_suite() {
	ramfs_require_ko
	require_tool "$1" "$2"
	CFG=$TESTS_DIR/$2.toml
	[ -f "$CFG" ] || skip_all "no $CFG"
}

# add_run_user NAME [ID]: make user NAME and its group NAME exist for this
# script only, when missing (uid = gid = the first id from ID, default 1001,
# that neither uses), with no shell: a user to run commands as (setpriv).
add_run_user() { _add_users "${2:-1001}" /usr/sbin/nologin "" "$1"; }

# add_login_users NAME...: users su(1) can switch to, as fstests needs
# (password "*": with "x" su looks for /etc/shadow and fails; bash as the
# shell; a home of their own under $SCRATCH/home, which is made searchable).
add_login_users() {
	chmod 755 "$SCRATCH" && _add_users 1901 /bin/bash "$SCRATCH/home" "$@"
}

# _add_users ID SHELL HOMES NAME...: the users NAME... and their groups, for
# this script only, when missing: bind-mounts copies of /etc/passwd and
# /etc/group with the extra lines over the originals, so it works on a
# read-only /etc too and leaves no trace; undone on exit. Ids from ID on,
# the first unused; homes in HOMES (none when empty).
_add_users() {
	local id=$1 shell=$2 homes=$3 name f home
	shift 3
	for name; do
		getent passwd "$name" >/dev/null && getent group "$name" >/dev/null && continue
		[ -f "$SCRATCH/passwd.new" ] || { cp /etc/passwd "$SCRATCH/passwd.new" &&
			cp /etc/group "$SCRATCH/group.new"; } || return
		while getent passwd "$id" >/dev/null || getent group "$id" >/dev/null ||
			grep -q "^[^:]*:[^:]*:$id:" "$SCRATCH/passwd.new" "$SCRATCH/group.new"; do
			id=$((id + 1))
		done
		home=/nonexistent
		if [ -n "$homes" ]; then
			home=$homes/$name
			mkdir -p "$home" && chown "$id:$id" "$home" || return
		fi
		getent passwd "$name" >/dev/null ||
			echo "$name:*:$id:$id::$home:$shell" >>"$SCRATCH/passwd.new"
		getent group "$name" >/dev/null || echo "$name:x:$id:" >>"$SCRATCH/group.new"
	done
	if [ -f "$SCRATCH/passwd.new" ]; then
		for f in passwd group; do
			mv "$SCRATCH/$f.new" "$SCRATCH/$f" && mount --bind "$SCRATCH/$f" "/etc/$f" || return
			_MOUNTS+=("/etc/$f")
		done
	fi
	for name; do
		getent passwd "$name" >/dev/null && getent group "$name" >/dev/null || return
	done
}

# dmesg_mark: remember where the kernel log ends now; dmesg_since_mark prints
# what was logged after the last mark.
_DMESG_MARK=0
dmesg_mark() { _DMESG_MARK=$(dmesg | wc -l); }
dmesg_since_mark() { dmesg | tail -n "+$((_DMESG_MARK + 1))"; }

# Kernel log lines that mean something went wrong in the kernel.
SPLAT_RE='WARNING:|BUG:|Oops|general protection|Kernel panic|Call Trace|panicked|UBSAN|KASAN|refcount_t:|list_(add|del) corruption|blocked for more than'

# expect_no_splat DESC: pass when nothing logged since dmesg_mark looks like a
# kernel warning, BUG, oops or (Rust) panic; else show those lines.
expect_no_splat() {
	local bad
	bad=$(dmesg_since_mark | grep -E "$SPLAT_RE")
	if [ -z "$bad" ]; then
		ktap_test_pass "$1"
	else
		printf '%s\n' "$bad" | head -n 40 | sed 's/^/# dmesg: /'
		ktap_test_fail "$1"
	fi
}

# Machine-readable results of the suites, one file per suite in
# $RESULTS/suites/ (its raw logs alongside), merged into $RESULTS/suites.txt.
# suite_results_begin SUITE: start SUITE's file afresh; prints the log dir.
suite_results_begin() {
	mkdir -p "$RESULTS/suites" && : >"$RESULTS/suites/$1.txt" && echo "$RESULTS/suites"
}

# suite_result SUITE FS RESULT [NOTE...]: one line "SUITE FS RESULT NOTE...".
suite_result() {
	echo "$*" >>"$RESULTS/suites/$1.txt"
	echo "# result: $*"
}

# suite_results_end: rewrite $RESULTS/suites.txt from all the suites' files.
suite_results_end() {
	cat "$RESULTS"/suites/*.txt >"$RESULTS/suites.txt.new" &&
		mv "$RESULTS/suites.txt.new" "$RESULTS/suites.txt"
}

# show_stuck_tasks: list the tasks that are blocked (state D) or running
# (R) with their kernel wait channel and, when readable, kernel stack: what
# to report when a suite hangs.
show_stuck_tasks() {
	local pid
	ps -eo pid,stat,wchan:32,args | awk 'NR == 1 || ($2 ~ /^[DR]/ && $4 != "ps")' | sed 's/^/# /'
	for pid in $(ps -eo pid,stat | awk '$2 ~ /^[DR]/ {print $1}'); do
		[ -r "/proc/$pid/stack" ] && sed "s/^/# $pid stack: /" "/proc/$pid/stack" 2>/dev/null
	done
	return 0
}

# run_bounded SECONDS LOG CMD...: run CMD with its output (stdout and stderr)
# in the file LOG, killed after SECONDS (exit status 124, or 137 when it had
# to be killed); when it times out, say so and show what was stuck.
run_bounded() {
	local limit=$1 log=$2 rc=0
	shift 2
	timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null || rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "# '$*' did not finish within $limit s"
		show_stuck_tasks
	fi
	return "$rc"
}
