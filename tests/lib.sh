# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test scripts (sourced, not run). They run inside the
# VM (scripts/vm.sh), which sees the host's file system, with KDIR set to the
# kernel tree the module was built against.
#
# A test script:
#   . "$(dirname "$0")/lib.sh"
#   ramfs_require_ko             # skip the whole script when there is no .ko
#   ktap_print_header; ktap_set_plan 2
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

if [ -z "${KDIR:-}" ]; then
	echo "lib.sh: KDIR is not set (scripts/vm.sh sets it)" >&2
	exit 4
fi
# The kernel's own KTAP helpers: ktap_print_header, ktap_set_plan,
# ktap_test_pass/fail/skip, ktap_skip_all, ktap_finished, KSFT_SKIP...
# shellcheck source=/dev/null
. "$KDIR/tools/testing/selftests/kselftest/ktap_helpers.sh"

# Skip the whole script (exit 4) with a reason.
skip_all() {
	ktap_print_header
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

ramfs_require_ko() {
	[ -f "$RAMFS_KO" ] || skip_all "no $RAMFS_KO (build it with make)"
}

ramfs_loaded() { [ -d "/sys/module/$RAMFS_NAME" ]; }

# Load the module unless it is loaded already.
ramfs_load() {
	ramfs_loaded || insmod "$RAMFS_KO"
}

ramfs_unload() {
	! ramfs_loaded || rmmod "$RAMFS_NAME"
}

# --- result helpers: one KTAP test case each -------------------------------

# Run CMD in this shell (so helpers may change state, e.g. fs_mount), its
# output shown as KTAP diagnostics, and kept in $OUT for the caller.
OUT=
_run_quoted() {
	local rc=0
	"$@" >"$SCRATCH/.out" 2>&1 || rc=$?
	OUT=$(<"$SCRATCH/.out")
	[ -z "$OUT" ] || printf '%s\n' "$OUT" | sed 's/^/# /'
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
	python3 -c 'import errno, os, sys; print(os.strerror(getattr(errno, sys.argv[1])))' "$1"
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

# --- mounts ----------------------------------------------------------------

# Scratch directory for this script, removed (with anything mounted in it)
# on exit.
SCRATCH=$(mktemp -d /tmp/rust_ramfs-test.XXXXXX)
_MOUNTS=()
_lib_cleanup() {
	local i
	for ((i = ${#_MOUNTS[@]} - 1; i >= 0; i--)); do
		umount "${_MOUNTS[i]}" 2>/dev/null || umount -l "${_MOUNTS[i]}" 2>/dev/null || true
	done
	rm -rf "$SCRATCH"
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
