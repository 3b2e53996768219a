#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make lint`: the checks of the test code that need no kernel, run by
# `make check` before it builds or boots anything, so that a slip in a test
# shows in seconds, not after a VM boot:
#   - the tests' Python package (tests/ramfstest): byte-compiled by the
#     interpreter the guest runs (/usr/bin/python3), then pyflakes (unused
#     or undefined names, imports...), as are the bench's reports (bench/);
#   - the shell scripts: shellcheck, warnings and errors.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
[ -x "$python" ] || python=python3
rc=0

echo "lint: python: byte-compile tests/ramfstest"
"$python" -m compileall -q "$top/tests/ramfstest" || rc=1
echo "lint: python: pyflakes tests/ramfstest bench"
"$python" -m pyflakes "$top/tests/ramfstest" "$top/bench" || rc=1
echo "lint: shellcheck"
shellcheck -S warning -x "$top"/scripts/*.sh "$top"/tests/*.sh "$top"/bench/*.sh "$top"/.ci/run || rc=1

[ "$rc" -eq 0 ] || echo "lint: FAILED (see above); nothing was built or booted"
exit "$rc"
