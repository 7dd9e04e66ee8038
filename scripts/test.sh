#!/usr/bin/env bash
# Sets up Lantern with its development packages and runs the whole test suite (pytest).
# Page tests drive Debian's Chromium; run as root, this script installs it when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh '[dev]'
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the page tests ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# axe-core for the accessibility tests: the npm package, at the version the lock file pins.
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/a11y --silent --no-audit --no-fund >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
