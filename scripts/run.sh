#!/usr/bin/env bash
# THE app command. Makes the project environment .venv (scripts/venv.sh) with the runtime
# dependencies, then starts the dashboard on http://localhost:8501 (loopback only, as configured).
#
# Usage: bash scripts/run.sh [streamlit run args...]   e.g. bash scripts/run.sh --server.port 8502
#        PYTHON=/usr/bin/python3 bash scripts/run.sh     (a particular Python 3.11 or newer)
#        VENV_DIR=.venv-other bash scripts/run.sh       (the environment elsewhere; default .venv)
set -euo pipefail

cd "$(dirname "$0")/.."
source scripts/venv.sh

use_venv requirements.txt
exec "$VENV_PYTHON" -m streamlit run streamlit_app.py "$@"
