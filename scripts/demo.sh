#!/usr/bin/env bash
# Set up and run the demo: sandbox card system + host-app simulator + wallet, all on SQLite.
# Prints the URL to open. Ctrl-C stops everything. Extra arguments go to `kabao demo` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/kabao demo "$@"
