#!/usr/bin/env bash
# Check that TOUR.md quotes the trace output the code prints today: its
# ```trace blocks, joined, must equal tests/trace-tour.txt, which
# tests/trace.sh compares with a live trace in the VM.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
quoted=$(awk '/^```trace$/ { on = 1; next } /^```$/ { on = 0 } on' "$top/TOUR.md")
if [ "$quoted" != "$(<"$top/tests/trace-tour.txt")" ]; then
	diff <(cat "$top/tests/trace-tour.txt") <(echo "$quoted") || true
	echo "tourcheck: TOUR.md's trace blocks differ from tests/trace-tour.txt" >&2
	exit 1
fi
echo "tourcheck: TOUR.md matches tests/trace-tour.txt"
