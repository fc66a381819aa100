# The project's virtual environment, shared by scripts/run.sh and scripts/test.sh (sourced, not run).
#
# use_venv REQUIREMENTS_FILE  makes .venv from a Python 3.11 or newer and installs the file into it
# when it (or a file it includes) changed since the last install. Nothing is installed into the
# system's Python, so a distribution that refuses pip there (PEP 668, Debian 12) works the same as
# a pyenv Python. Afterwards $VENV_PYTHON is the environment's interpreter.
#
# Which Python: $PYTHON if set, else the first python3 on PATH, else python3.13 / 3.12 / 3.11.
# A .venv made from another interpreter, or one that no longer starts, is made again.

VENV_DIR=.venv

_venv_say() { echo "${0##*/}: $*" >&2; }

_venv_new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

_venv_pick_python() {
    local candidate
    for candidate in ${PYTHON:-python3 python3.13 python3.12 python3.11}; do
        if command -v "$candidate" >/dev/null 2>&1 && _venv_new_enough "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    _venv_say "no Python 3.11 or newer found (tried: ${PYTHON:-python3 python3.13 python3.12 python3.11})."
    _venv_say "install one (Debian: sudo apt-get install -y python3 python3-venv) or set PYTHON=/path/to/python3"
    return 1
}

# The interpreter a .venv was made from, as the real path of its executable.
_venv_base() { "$1" -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null; }

_venv_create() {
    local python=$1
    _venv_say "first run with $python ($("$python" --version 2>&1)): creating the project environment $VENV_DIR"
    if "$python" -m venv "$VENV_DIR" >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$VENV_DIR"
    # Debian and Ubuntu ship the venv module's pip bootstrap (ensurepip) in python3-venv.
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _venv_say "$python cannot make a virtual environment; installing Debian's python3-venv package"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv "$VENV_DIR" && return 0
        rm -rf "$VENV_DIR"
    fi
    _venv_say "$python cannot make a virtual environment. On Debian or Ubuntu: sudo apt-get install -y python3-venv"
    return 1
}

use_venv() {
    local requirements=$1 python stamp
    python=$(_venv_pick_python) || exit 1
    if [[ -x "$VENV_DIR/bin/python" ]] && _venv_new_enough "$VENV_DIR/bin/python"; then
        local made_from wanted
        made_from=$(sed -n 's/^executable *= *//p' "$VENV_DIR/pyvenv.cfg" 2>/dev/null)
        wanted=$(_venv_base "$python")
        if [[ -n "$made_from" && "$(realpath "$made_from" 2>/dev/null)" != "$wanted" ]]; then
            _venv_say "$VENV_DIR was made from $made_from, not $wanted: making it again"
            rm -rf "$VENV_DIR"
        fi
    elif [[ -e "$VENV_DIR" ]]; then
        _venv_say "$VENV_DIR does not start a Python 3.11 or newer: making it again"
        rm -rf "$VENV_DIR"
    fi
    if [[ ! -x "$VENV_DIR/bin/python" ]]; then
        _venv_create "$python" || exit 1
    fi
    VENV_PYTHON="$PWD/$VENV_DIR/bin/python"
    # Installed once per content of the requirements files (requirements-dev.txt includes requirements.txt).
    stamp="$VENV_DIR/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-${requirements%.txt}"
    if [[ ! -e "$stamp" ]]; then
        _venv_say "installing $requirements into $VENV_DIR (once; again only when a requirements file changes)"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_PYTHON" -m pip install -q -r "$requirements"
        touch "$stamp"
    fi
}
