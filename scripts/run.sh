#!/usr/bin/env bash
# THE app command. Installs the runtime dependencies and starts the dashboard.
#
# Usage: bash scripts/run.sh [streamlit run args...]   e.g. bash scripts/run.sh --server.port 8502
set -euo pipefail

cd "$(dirname "$0")/.."

PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q -r requirements.txt && exec python3 -m streamlit run streamlit_app.py "$@"
