#!/bin/bash
# Installs what building and testing ztsdb needs, from Debian's packages.
# Does nothing for packages already present.
set -euo pipefail
pkgs=(build-essential g++ clang-14 postgresql-15 postgresql-server-dev-15 liburing-dev
      libipc-run-perl libgtest-dev googletest libbenchmark-dev gnuplot-nox rsync python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing: ${missing[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
