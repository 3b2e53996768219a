# xunit-results.awk: fstests' result.xml (check -R xunit) -> "TEST STATUS" lines,
# STATUS pass, notrun or fail, then "N passed, N failed, N skipped".
/^\t<testcase / {
	match($0, / name="[^"]*"/)
	name = substr($0, RSTART + 7, RLENGTH - 8)
	st = "pass"
	next
}
/^\t\t<skipped/ && name != "" { st = "notrun" }
/^\t\t<failure/ && name != "" { st = "fail" }
/^\t<\/testcase>/ && name != "" {
	print name, st
	n[st]++
	name = ""
}
END { printf "%d passed, %d failed, %d skipped\n", n["pass"], n["fail"], n["notrun"] }
