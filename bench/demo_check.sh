#!/bin/bash
# Checks the output of ./demo.sh (demo.sh --check calls it with the output
# file and the demo's exit status): the demo succeeded, a step header comes
# first and no compiler line appears anywhere, the table is a "ztsdb table"
# (never a "hypertable"), its layout is shown (ztsdb.table_layout), and
# ztsdb.stats()' writes_per_sec is within a factor 2 of pgbench's rows per
# second.  Prints one line per check; exits 1 if any fails.
set -uo pipefail
out=$1
demo_status=${2:-0}
fail=0
check() {
	if [ "$2" = ok ]; then echo "check ok:     $1"; else echo "check FAILED: $1${3:+ ($3)}"; fail=1; fi
}

echo "== demo --check ($out)"
[ "$demo_status" -eq 0 ] && r=ok || r=bad
check "the demo exited with status 0" $r "status $demo_status"

first=$(grep -m1 -v '^[[:space:]]*$' "$out")
[[ "$first" == "== "* ]] && r=ok || r=bad
check "the first line is a step header" $r "first line: $first"

compiler=$(grep -cE '^(g\+\+|gcc|clang|clang\+\+|cc|c\+\+)(-[0-9]+)? |^make(\[[0-9]+\])?: |^/usr/bin/(g\+\+|gcc|clang)' "$out")
[ "$compiler" -eq 0 ] && r=ok || r=bad
check "no compiler or make lines in the output" $r "$compiler lines"

hyper=$(grep -ci hypertable "$out")
[ "$hyper" -eq 0 ] && r=ok || r=bad
check "\"hypertable\" does not appear" $r "$hyper lines"

grep -q '== a ztsdb table' "$out" && r=ok || r=bad
check "the table is introduced as a ztsdb table" $r

grep -qE '^ *time_column *\|' "$out" && r=ok || r=bad
check "the table layout is shown (ztsdb.table_layout: time_column, series_column)" $r \
	"needs ztsdb.table_layout(), from the series-column change"

ratio=$(sed -n 's/^rate ratio (ztsdb \/ pgbench): \([0-9.]*\)$/\1/p' "$out" | head -n 1)
if [ -n "$ratio" ] && awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5 && r <= 2) }'; then r=ok; else r=bad; fi
check "writes_per_sec within a factor 2 of pgbench's rows/s" $r "ratio ${ratio:-missing}"

exit $fail
