#!/usr/bin/env bash
# Set up and run the demo: sandbox card system + host-app simulator + wallet, all on SQLite.
# Prints the URL to open. Ctrl-C stops everything. Extra arguments go to `kabao demo` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/quietly.sh
quietly "Python environment in .venv" python3 -m venv .venv
quietly "upgrading pip" .venv/bin/python -m pip install --upgrade pip
quietly "installing Kabao (pip install -e .)" .venv/bin/python -m pip install -e .
exec .venv/bin/kabao demo "$@"
