#!/bin/bash
# Fails when a regression test file is not listed in test/schedule, or the
# schedule names a test without a file, so no test is silently skipped.
set -e
cd "$(dirname "$0")/.."
status=0
for f in sql/*.sql; do
	name=$(basename "$f" .sql)
	case "$name" in ztsdb--*) continue ;; esac
	grep -qw "$name" test/schedule || { echo "sql/$name.sql is not in test/schedule" >&2; status=1; }
	[ -f "expected/$name.out" ] || { echo "expected/$name.out is missing" >&2; status=1; }
done
for name in $(sed -n 's/^test: //p' test/schedule); do
	[ -f "sql/$name.sql" ] || { echo "test/schedule names $name, but sql/$name.sql does not exist" >&2; status=1; }
done
exit $status
