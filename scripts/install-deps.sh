#!/usr/bin/env bash
# Install the Debian packages ddbd needs to build, test and benchmark, and the
# npm packages of the JS client tests; only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config liblmdb-dev zlib1g-dev libzstd-dev libssl-dev libraft-dev libuv1-dev
          clang libclang-rt-14-dev
          python3 python3-boto3 python3-pytest awscli wrk curl openssl valgrind
          prometheus  # only tests/api/test_metrics.py (a real scraper)
          chromium)  # chromium: only tests/api/test_browser_cors.py (CORS from a real page)
# Node.js and npm only where the machine has none (an installed Node.js may
# come with its own npm, which Debian's npm package conflicts with).
if [ -f tests/js/package.json ] && ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ -f tests/js/package.json ] && [ ! -d tests/js/node_modules ]; then
  (cd tests/js && npm install --no-audit --no-fund --loglevel=error)
fi
