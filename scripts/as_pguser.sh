#!/bin/bash
# Runs a command from this tree as a user PostgreSQL's tools accept (initdb
# refuses root).  As root: copies the tree to a fresh directory owned by
# the postgres user and runs the command there with runuser.  Otherwise it
# just runs the command here.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	cd "$top" && exec "$@"
fi
work=$(mktemp -d /tmp/ztsdb-run.XXXXXX)
rsync -a --exclude .git --exclude /tmp_check --exclude /build "$top"/ "$work"/
chown -R postgres:postgres "$work"
status=0
runuser -u postgres -- bash -c 'cd "$1" && shift && exec "$@"' bash "$work" "$@" || status=$?
# bring results back for inspection
for d in build/regress build/isolation build/fuzz bench/results tmp_check; do
	if [ -d "$work/$d" ]; then mkdir -p "$top/$d"; rsync -a "$work/$d"/ "$top/$d"/; fi
done
rm -rf "$work"
exit $status
