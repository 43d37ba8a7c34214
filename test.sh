#!/bin/bash
# Runs every ztsdb test on this machine: installs missing Debian packages,
# builds, installs the extension, then runs unit tests, fuzz-corpus replay,
# pg_regress on a temporary instance and the TAP tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
make -j"$(nproc)"
if [ "$(id -u)" -eq 0 ]; then make install >/dev/null; else sudo make install >/dev/null; fi
scripts/as_pguser.sh make test
