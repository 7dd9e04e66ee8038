#!/usr/bin/env bash
# Sets up Lantern (virtual environment, packages), builds the index from the corpus when it is
# missing or was built by a version of another schema, and serves it with gunicorn at
# http://127.0.0.1:8000 (PORT changes the port).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
. scripts/venv.sh ""
port_is_free='import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))'
if ! .venv/bin/python -c "$port_is_free" "$PORT" 2>/dev/null; then
  echo "error: port $PORT on 127.0.0.1 is taken; stop what uses it, or run PORT=8001 $0" >&2
  exit 1
fi
.venv/bin/python -m indexer build
echo "Starting Lantern at http://127.0.0.1:$PORT/ (Ctrl-C stops it)"
exec .venv/bin/gunicorn --bind "127.0.0.1:$PORT" 'app:create_app()'
