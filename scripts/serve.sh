#!/usr/bin/env bash
# Sets up Lantern (virtual environment, packages), builds the index from the corpus when it is
# missing or was built by a version of another schema, and serves it with gunicorn at
# http://127.0.0.1:8000 (PORT changes the port).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh ""
.venv/bin/python -m indexer build --if-outdated
echo "Lantern is at http://127.0.0.1:${PORT:-8000}/ (Ctrl-C stops it)"
exec .venv/bin/gunicorn --bind "127.0.0.1:${PORT:-8000}" 'app:create_app()'
