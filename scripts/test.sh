#!/usr/bin/env bash
# THE test command. Makes the project environment .venv (scripts/venv.sh) with the test
# dependencies, makes sure Debian's Chromium is present for the browser tests (installing it when
# we can, failing when we cannot: browser tests are never skipped), then runs pytest across two
# workers in that environment.
#
# Usage: bash scripts/test.sh [pytest args...]   e.g. bash scripts/test.sh tests/browser -v
#        PYTHON=/usr/bin/python3 bash scripts/test.sh  (a particular Python 3.11 or newer)
#        VENV_DIR=.venv-other bash scripts/test.sh  (the environment elsewhere; default .venv)
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/venv.sh

use_venv requirements-dev.txt

CHROMIUM=/usr/bin/chromium
if [[ ! -x "$CHROMIUM" ]]; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: $CHROMIUM missing; installing Debian's chromium package" >&2
        apt-get update
        DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
    fi
fi
if [[ ! -x "$CHROMIUM" ]]; then
    echo "test.sh: $CHROMIUM not found. Browser tests need Debian's Chromium:" >&2
    echo "         sudo apt-get install -y chromium   (never 'playwright install')" >&2
    exit 1
fi

# Each browser test server binds its own free port, so xdist workers do not collide.
exec "$VENV_PYTHON" -m pytest -n 2 "$@"
