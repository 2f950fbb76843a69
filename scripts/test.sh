#!/usr/bin/env bash
# Set up everything the suite needs on a fresh Debian machine, then run all of it:
# lint, config validation, unit + integration tests (sandbox over HTTP, Redis) and Playwright e2e.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh e2e -k bind`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/quietly.sh

# System packages: Chromium for e2e (Playwright can't download its own browser here), CJK fonts so
# screenshots of Chinese pages are readable, Redis for the multi-process store tests, PostgreSQL for the
# ledger's tests on its shared engine.
need=()
if [ -z "${KABAO_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then need+=(chromium); fi
if ! { command -v fc-list >/dev/null && fc-list :lang=zh | grep -q .; }; then need+=(fonts-wqy-microhei); fi
if ! command -v redis-server >/dev/null; then need+=(redis-server); fi
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then need+=(postgresql); fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  quietly "apt-get update" $sudo apt-get update
  quietly "installing ${need[*]} (Debian packages)" \
    env DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}"
fi
# The Debian packages start a system Redis on 6379 and a PostgreSQL cluster on 5432; the tests start their
# own on free ports (PostgreSQL as an unprivileged user, see tests/postgres_testing.py) and use neither.

quietly "Python environment in .venv" python3 -m venv .venv
quietly "upgrading pip" .venv/bin/python -m pip install --upgrade pip
quietly "installing Kabao and its test tools (pip install -e '.[test]')" .venv/bin/python -m pip install -e '.[test]'

quietly "ruff check" .venv/bin/ruff check .
quietly "kabao config validate wallet_config" .venv/bin/kabao config validate wallet_config
# pytest exits 5 when it collects nothing: with `set -e` an empty run fails instead of passing.
# Tests run in KABAO_TEST_WORKERS processes (pytest-xdist; default 2, the CI machine's cores; 0 = in this process):
# every worker starts its own sandbox, Redis and demo stack on free ports, so they share nothing.
workers="${KABAO_TEST_WORKERS:-2}"
# --dist worksteal: a worker that runs out of tests takes queued ones from the other (the e2e tests are long, so
# the default chunked hand-out can leave one worker idle for the last minute)
.venv/bin/python -m pytest -p no:cacheprovider -n "$workers" --dist worksteal "$@"
