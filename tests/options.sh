#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mount option strings: mode= values (the root's mode, what /proc/mounts
# shows, as ramfs); malformed options (about 80 strings: empty, negative,
# overflowing, not octal, 4 KiB long, repeated, unknown, bad size= and
# nr_inodes= values (more in bounded.sh), source= games), each refused with
# EINVAL and a message naming the option, through mount(8), mount(2) and
# fsopen/fsconfig; strings the kernel's splitting accepts (stray commas, the
# last of a repeated option wins; size= and nr_inodes= as /proc/mounts shows
# them); source= given twice, as a flag or very long. The C ramfs is mounted
# alongside as the reference where a result depends on the kernel.
# Every mount is unmounted right after: stress-ng.sh runs stress-ng in a
# mount namespace of its own, so that its fanotify stressor (which marks every
# mount and holds the files of its events open) cannot make them EBUSY.
# The mounts whose results are only looked at are made in batches by
# tests/ramfstest/mount.py, mount(8) among them, before the cases that read
# the results; the malformed strings' mount(8) runs in its case.
# timeout=450
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ramfs_require_ko
ramfs_load || skip_all "cannot load $RAMFS_KO"

# batch RESULTS COMMAND ARG...: run `ramfstest.mount COMMAND ARG...`; the
# KEY, VALUE pairs it prints (NUL-separated) go into the associative array
# RESULTS; what it says on stderr (a traceback) is shown.
batch() {
	local -n _results=$1
	local out=$SCRATCH/$1 key value line
	tpy mount "${@:2}" >"$out" 2>"$out.err" || echo "# ramfstest.mount $2 failed"
	while IFS= read -r -d '' key && IFS= read -r -d '' value; do
		_results[$key]=$value
	done <"$out"
	while IFS= read -r line; do echo "# $line"; done <"$out.err"
}

# abbrev TEXT: TEXT in ABBREV, as a test case's name shows it: a long one
# cut to its start and its length.
ABBREV=
abbrev() {
	ABBREV=$1
	[ "${#1}" -le 48 ] || ABBREV="${1:0:32}...(${#1} bytes)"
}

# show TEXT: TEXT as it is, each line cut at 200 characters.
show() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "${line:0:200}"
	done <<<"$1"
}

is() { # NAME GOT WANT
	echo "$1: $2, expected $3"
	[ "$2" = "$3" ] && [ "$2" != unmounted ]
}

# probed RESULT: a probe's "ROOT OPTIONS" (ramfstest.mount) into P_ROOT,
# P_OPTS and P_MODE (the mode=... among the options, or "none"); all three
# "unmounted" when it did not mount (then RESULT, which says why, is shown).
P_ROOT='' P_OPTS='' P_MODE=''
probed() {
	local opt list
	read -r P_ROOT P_OPTS <<<"$1"
	if [[ $P_ROOT == unmounted* ]]; then
		echo "# $1"
		P_OPTS=unmounted P_MODE=unmounted
		return
	fi
	P_MODE=none
	IFS=, read -ra list <<<"$P_OPTS"
	for opt in "${list[@]}"; do
		[[ $opt != mode=* ]] || P_MODE=$opt
	done
}

# --- mode= ---------------------------------------------------------------
# OPTIONS|ROOT MODE (stat %A)|SHOWN IN /proc/mounts
GOOD_MODES=(
	"|drwxr-xr-x|none"
	"mode=0700|drwx------|mode=700"
	"mode=700|drwx------|mode=700"
	"mode=1777|drwxrwxrwt|mode=1777"
	"mode=0755|drwxr-xr-x|none"
	"mode=00000755|drwxr-xr-x|none"
	"mode=7777|drwsrwsrwt|mode=7777"
	"mode=0|d---------|mode=0"
	"mode=2750|drwxr-s---|mode=2750"
	"mode=0700,mode=0711|drwx--x--x|mode=711"
)

# --- malformed options -------------------------------------------------------
# Long strings: values and keys of 4 KiB (more than mount(2)'s one page of
# options, so the kernel sees its first 4095 bytes), and around fsconfig's
# limit of 255 bytes per key or value.
printf -v K4096 '%4096s' '' && K4096=${K4096// /k}
printf -v S7_255 '%255s' '' && S7_255=${S7_255// /7}
S7_256=${S7_255}7
S7_4096=${K4096//k/7}
S_4096=${K4096//k/s}
X_4096=${K4096//k/x}
P="$RAMFS_NAME: "
# OPTIONS|WHAT THE KERNEL LOGS|WHAT fsconfig LOGS (if not the same)
# The log lines are matched as substrings: the file system's messages start
# with "rust_ramfs: " (the context's prefix); the VFS's own about source=
# have no prefix. fsconfig(2) copies at most 255 bytes of a key or a value:
# longer ones it refuses (EINVAL) itself, before any parser, with nothing in
# the log ("-"). Each string goes through mount(8), mount(2) (source "none",
# so any source= is a second source) and fsopen/fsconfig (one call per
# comma-separated option: key=value as a string, key alone as a flag).
BAD_OPTS=(
	# empty values, flags with values, values missing
	"mode=|${P}Bad value for 'mode'"
	"mode|${P}Bad value for 'mode'"
	"mode=0700,mode=|${P}Bad value for 'mode'"
	"trace=|${P}Unexpected value for 'trace'"
	"trace=1|${P}Unexpected value for 'trace'"
	"trace=yes|${P}Unexpected value for 'trace'"
	"notrace=|${P}Unknown parameter 'notrace'"
	"notrace=0|${P}Unknown parameter 'notrace'"
	# negatives
	"mode=-1|${P}Bad value for 'mode'"
	"mode=-0|${P}Bad value for 'mode'"
	"mode=-755|${P}Bad value for 'mode'"
	"mode=-37777777777|${P}Bad value for 'mode'"
	# beyond 07777: parsed, refused by our own check (the C ramfs masks)
	"mode=10000|${P}mode="
	"mode=40755|${P}mode="
	"mode=170755|${P}mode="
	"mode=177777|${P}mode="
	"mode=200000|${P}mode="
	"mode=200755|${P}mode="
	"mode=20000000000|${P}mode="
	"mode=37777777777|${P}mode="
	# overflow: u32, u64
	"mode=40000000000|${P}Bad value for 'mode'"
	"mode=77777777777777|${P}Bad value for 'mode'"
	"mode=99999999999999|${P}Bad value for 'mode'"
	"mode=1777777777777777777777|${P}Bad value for 'mode'"
	"mode=2000000000000000000000|${P}Bad value for 'mode'"
	"mode=7777777777777777777777777777777|${P}Bad value for 'mode'"
	# not octal, hex, not a number
	"mode=8|${P}Bad value for 'mode'"
	"mode=9|${P}Bad value for 'mode'"
	"mode=0789|${P}Bad value for 'mode'"
	"mode=7a5|${P}Bad value for 'mode'"
	"mode=07OO|${P}Bad value for 'mode'"
	"mode=abc|${P}Bad value for 'mode'"
	"mode=0o755|${P}Bad value for 'mode'"
	"mode=0b111|${P}Bad value for 'mode'"
	"mode=1e3|${P}Bad value for 'mode'"
	"mode=7.5|${P}Bad value for 'mode'"
	"mode=700x|${P}Bad value for 'mode'"
	"mode=++700|${P}Bad value for 'mode'"
	"mode= 700|${P}Bad value for 'mode'"
	"mode=700 |${P}Bad value for 'mode'"
	"mode=700;trace|${P}Bad value for 'mode'"
	"mode=0x1ff|${P}Bad value for 'mode'"
	"mode=0X1FF|${P}Bad value for 'mode'"
	"mode=1ff|${P}Bad value for 'mode'"
	# long values and keys
	"mode=$S7_255|${P}Bad value for 'mode'"
	"mode=$S7_256|${P}Bad value for 'mode'|-"
	"mode=$S7_4096|${P}Bad value for 'mode'|-"
	"bogus=$X_4096|${P}Unknown parameter 'bogus'|-"
	"trace=$S7_4096|${P}Unexpected value for 'trace'|-"
	"$K4096|${P}Unknown parameter 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk|-"
	"$K4096=1|${P}Unknown parameter 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk|-"
	# repeated keys, the last one bad
	"mode=0700,mode=zz|${P}Bad value for 'mode'"
	"mode=0700,mode=800|${P}Bad value for 'mode'"
	"mode=0700,mode=0711,mode=-1|${P}Bad value for 'mode'"
	"mode=0700,mode=10000|${P}mode="
	"trace,trace=1|${P}Unexpected value for 'trace'"
	# size= and nr_inodes= (bounded.sh has many more)
	"size=|${P}Bad value for 'size'"
	"size|${P}Bad value for 'size'"
	"size=abc|${P}size="
	"size=1x|${P}size="
	"size=-1|${P}size="
	"size=16777216e|${P}size="
	"size=99999999999999999999999|${P}size="
	"nr_inodes=|${P}Bad value for 'nr_inodes'"
	"nr_inodes=10%|${P}nr_inodes="
	"nr_inodes=-1|${P}nr_inodes="
	"nr_inodes=99999999999999999999999|${P}nr_inodes="
	"size=1m,size=zz|${P}size="
	# unknown keys
	"bogus=1|${P}Unknown parameter 'bogus'"
	"mode=0700,nosuchopt|${P}Unknown parameter 'nosuchopt'"
	"MODE=700|${P}Unknown parameter 'MODE'"
	"mode =700|${P}Unknown parameter 'mode '"
	"modes=700|${P}Unknown parameter 'modes'"
	"mode:700|${P}Unknown parameter 'mode:700'"
	"nomode|${P}Unknown parameter 'nomode'"
	"nonotrace|${P}Unknown parameter 'nonotrace'"
	"noinode64|${P}Unknown parameter 'noinode64'"
	# uid= and gid= take ids (tests/ids.sh has the rest)
	"uid=x|${P}Bad value for 'uid'"
	"gid=-1|${P}Bad value for 'gid'"
	# source= games (the VFS's messages)
	"source|Non-string source"
	"source=one,source=two|Multiple sources"
	"mode=0700,source=a,source=a|Multiple sources"
	"source=$S_4096|Multiple sources|-"
)

# mount(8) and mount(2) refuse option string number I (OPTS): non-zero
# exit, errno EINVAL, nothing mounted, and the kernel logged the message MSG
# naming the option meanwhile. (mount(8) here, mount(2) in the batch.)
refused_mount() {
	local i=$1 opts=$2 msg=$3 rc=0 out log
	if mount -t "$RAMFS_NAME" -o "$opts" none "$MNT" 2>&1; then
		abbrev "$opts"
		echo "mount(8) -o '$ABBREV' succeeded"
		umount "$MNT"
		rc=1
	fi
	out=${REFUSED[$i mount2]-}
	echo "mount(2): $out"
	[ "$out" = "mount: errno=EINVAL" ] || rc=1
	log=${REFUSED[$i dmesg]-}
	echo "dmesg:"
	show "$log"
	[[ $log == *"$msg"* ]] || {
		abbrev "$msg"
		echo "dmesg lacks '$ABBREV'"
		rc=1
	}
	# The reference, for the record: the C ramfs ignores unknown options and
	# masks mode= to 07777.
	echo "C ramfs: ${REFUSED[$i ramfs]-}"
	return "$rc"
}

# The new mount API refuses string I with EINVAL and its log has MSG (which
# names the option); MSG "-": fsconfig refused it itself and logged nothing.
refused_fsconfig() {
	local out=${REFUSED[$1 fsconfig]-} msg=$2 rc=0 nl=$'\n'
	show "$out"
	[[ $out =~ (^|$nl)fsconfig\(.*\):\ errno=EINVAL($|$nl) ]] || rc=1
	if [ "$msg" = - ]; then
		[[ $out != *"log:"* ]] || rc=1
	else
		[[ $out == *"log: e $msg"* ]] || {
			abbrev "$msg"
			echo "log lacks 'e $ABBREV'"
			rc=1
		}
	fi
	return "$rc"
}

# --- option strings the kernel accepts -------------------------------------
# mount(2) hands the file system one option at a time: the kernel splits the
# string at commas, drops empty options and options with an empty key
# ("=0700"), and kstrtouint() takes a leading "+" and leading zeros. A
# repeated option is applied again: the last one wins. Each string goes
# through mount(8) and mount(2); not through fsconfig, which has no commas.
# mount(8) (libmount) refuses a string that starts with "=" itself ("unsupported
# option format"), before any system call: "|-" at the end of the entry.
# OPTIONS|ROOT MODE|/proc/mounts OPTIONS[|-]
printf -v Z4000 '%4000s' '' && Z4000=${Z4000// /0}
ACCEPTED_OPTS=(
	"mode=0700,,|drwx------|rw,relatime,mode=700"
	",mode=0700|drwx------|rw,relatime,mode=700"
	",,mode=0700,,,|drwx------|rw,relatime,mode=700"
	",|drwxr-xr-x|rw,relatime"
	"=0700|drwxr-xr-x|rw,relatime|-"
	"mode=0700,=0711|drwx------|rw,relatime,mode=700"
	"mode=0700,mode=0711|drwx--x--x|rw,relatime,mode=711"
	"mode=0700,mode=0755|drwxr-xr-x|rw,relatime"
	"notrace,trace|drwxr-xr-x|rw,relatime,trace"
	"trace,notrace|drwxr-xr-x|rw,relatime"
	"trace,trace|drwxr-xr-x|rw,relatime,trace"
	"mode=0700,trace|drwx------|rw,relatime,mode=700,trace"
	"mode=+700|drwx------|rw,relatime,mode=700"
	"mode=0000000000000000000000700|drwx------|rw,relatime,mode=700"
	"mode=${Z4000}700|drwx------|rw,relatime,mode=700"
	"ro,mode=0700|drwx------|ro,relatime,mode=700"
	"size=1m|drwxr-xr-x|rw,relatime,size=1024k"
	"nr_inodes=10|drwxr-xr-x|rw,relatime,nr_inodes=10"
	"mode=0700,size=4097,nr_inodes=1k|drwx------|rw,relatime,mode=700,size=8k,nr_inodes=1024"
	"size=1m,size=0,nr_inodes=0|drwxr-xr-x|rw,relatime"
	"uid=0,gid=0|drwxr-xr-x|rw,relatime"
	"uid=1000,gid=+1000|drwxr-xr-x|rw,relatime,uid=1000,gid=1000"
	"inode32|drwxr-xr-x|rw,relatime,inode32"
	"inode32,inode64|drwxr-xr-x|rw,relatime"
)

# accepted VIA I ROOT SHOWN: option string I through VIA (mount8: the
# program mount(8); mount2) gave root mode ROOT and the options SHOWN.
accepted() {
	echo "(C ramfs through mount(2): ${ACCEPTED[mount2:ramfs $2]-})"
	is "root and options" "${ACCEPTED[$1:$RAMFS_NAME $2]-}" "$3 $4"
}

# mount8_refuses I: mount(8) refused option string I itself.
mount8_refuses() {
	local out=${ACCEPTED[mount8:$RAMFS_NAME $1]-}
	echo "$out"
	[[ $out == unmounted* && $out == *"unsupported option format"* ]]
}

# --- source= games -----------------------------------------------------------
# LINE I OF `ramfstest.mount sources`: the same on rust_ramfs and on the C
# ramfs.
SOURCE_GAMES=(
	"fsconfig source twice: fsconfig(source=two): errno=EINVAL; log: e Multiple sources"
	"fsconfig source as a flag: fsconfig(source): errno=EINVAL; log: e Non-string source"
	"fsconfig source of 255 bytes: mounted, source of 255 bytes"
	"fsconfig source of 256 bytes: fsconfig(source=<256 x s>): errno=EINVAL"
	"mount(2) source argument of 4095 bytes: mounted, source of 4095 bytes"
	"mount(2) source argument of 4096 bytes: mount: errno=EINVAL"
	"mount(2) source= option of 4000 bytes: mounted, source of 4000 bytes"
)

# --- the batches ---------------------------------------------------------------
# Every mount is on MNT, and unmounted before the next.
MNT=$SCRATCH/mnt
mkdir -p "$MNT"

# options OF-ARRAY: the option strings of an array of OPTIONS|... entries,
# in OPTS.
options() {
	local -n _entries=$1
	local entry
	OPTS=()
	for entry in "${_entries[@]}"; do
		OPTS+=("${entry%%|*}")
	done
}

# --- the plan ----------------------------------------------------------------

ktap_begin

declare -A GOOD=() REFUSED=() ACCEPTED=() SOURCES=()
options GOOD_MODES
batch GOOD probe "$MNT" "mount8:$RAMFS_NAME,mount8:ramfs" "${OPTS[@]}"
options BAD_OPTS
batch REFUSED refused "$RAMFS_NAME" "$MNT" "${OPTS[@]}"
options ACCEPTED_OPTS
batch ACCEPTED probe "$MNT" "mount8:$RAMFS_NAME,mount2:$RAMFS_NAME,mount2:ramfs" "${OPTS[@]}"
batch SOURCES sources "$MNT" "$RAMFS_NAME" ramfs

for i in "${!GOOD_MODES[@]}"; do
	IFS='|' read -r opts root shown <<<"${GOOD_MODES[i]}"
	probed "${GOOD[mount8:ramfs $i]-unmounted}"
	ref_opts=$P_OPTS
	probed "${GOOD[mount8:$RAMFS_NAME $i]-unmounted}"
	expect_ok "-o '${opts}': root is $root" is root "$P_ROOT" "$root"
	expect_ok "-o '${opts}': /proc/mounts shows $shown" is shown "$P_MODE" "$shown"
	expect_ok "-o '${opts}': /proc/mounts options are those of ramfs" is "options (ramfs's)" "$P_OPTS" "$ref_opts"
done

for i in "${!BAD_OPTS[@]}"; do
	IFS='|' read -r opts msg fmsg <<<"${BAD_OPTS[i]}"
	abbrev "$opts" && short=$ABBREV
	expect_ok "mount -o '$short' is refused: EINVAL, dmesg names it" refused_mount "$i" "$opts" "$msg"
	how="refused: EINVAL, the log names it"
	[ "${fmsg:-$msg}" != - ] || how="refused by fsconfig(2): EINVAL, nothing logged"
	expect_ok "fsconfig '$short' is $how" refused_fsconfig "$i" "${fmsg:-$msg}"
done

for i in "${!ACCEPTED_OPTS[@]}"; do
	IFS='|' read -r opts root shown mount8 <<<"${ACCEPTED_OPTS[i]}"
	abbrev "$opts" && short=$ABBREV
	if [ "$mount8" = - ]; then
		expect_ok "mount -o '$opts' is refused by mount(8) itself (unsupported option format)" \
			mount8_refuses "$i"
	else
		expect_ok "mount -o '$short' is accepted: root $root, options $shown" \
			accepted mount8 "$i" "$root" "$shown"
	fi
	expect_ok "mount(2) '$short' is accepted: root $root, options $shown" \
		accepted mount2 "$i" "$root" "$shown"
done

for i in "${!SOURCE_GAMES[@]}"; do
	expect_ok "${SOURCE_GAMES[i]%%: *}: as ramfs" \
		same_output "${SOURCES[$RAMFS_NAME $i]-}" "${SOURCES[ramfs $i]-}" "${SOURCE_GAMES[i]}"
done

ktap_finished
