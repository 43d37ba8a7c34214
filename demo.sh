#!/bin/bash
# The main job, end to end, on a fresh machine: install packages, build,
# install, start a throwaway PostgreSQL cluster with ztsdb preloaded, create
# a ztsdb table, show its time and series columns, ingest with pgbench for a
# few seconds, run a range query and print ztsdb.stats().  The cluster is
# stopped and removed at the end.
#
# Every step prints its header first; the build's output goes to
# build/demo-build.log (its tail is shown if the build fails).
#
# ./demo.sh --check runs the same and then checks its output: a step header
# comes first and no compiler line appears, the table is called a ztsdb
# table (never a "hypertable"), the table layout is shown, and ztsdb.stats()'
# writes_per_sec is within a factor 2 of pgbench's rows per second.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--check" ]; then
	out=$(mktemp /tmp/ztsdb-demo-out.XXXXXX)
	status=0
	"$0" 2>&1 | tee "$out" || status=$?
	exec bash bench/demo_check.sh "$out" "$status"
fi

step() { echo "== $*"; }
log=build/demo-build.log
mkdir -p build

step "[1/3] packages (scripts/deps.sh)"
scripts/deps.sh

step "[2/3] build and install (output in $log)"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if ! { make -j"$(nproc)" && $SUDO make install; } >"$log" 2>&1; then
	echo "build failed; the last lines of $log:" >&2
	tail -n 30 "$log" >&2
	echo "full output: $(pwd)/$log" >&2
	exit 1
fi
echo "built and installed; log: $(pwd)/$log"

step "[3/3] throwaway cluster: a ztsdb table, pgbench, queries, stats"
exec scripts/as_pguser.sh bench/demo_cluster.sh "${DEMO_SECONDS:-5}"
