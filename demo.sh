#!/bin/bash
# The main job, end to end, on a fresh machine: install packages, build,
# install, start a throwaway PostgreSQL cluster with ztsdb preloaded, create
# a hypertable, ingest with pgbench for a few seconds, run a range query and
# print ztsdb.stats().  The cluster is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
make -j"$(nproc)"
if [ "$(id -u)" -eq 0 ]; then make install >/dev/null; else sudo make install >/dev/null; fi
exec scripts/as_pguser.sh bench/demo_cluster.sh "${DEMO_SECONDS:-5}"
