# shellcheck shell=bash
# The project's virtual environment, shared by scripts/run.sh and scripts/test.sh (sourced, not run).
#
# use_venv REQUIREMENTS_FILE  makes the environment from a Python 3.11 or newer and installs the file
# into it when a requirements file changed since the last install. Nothing is installed into the
# system's Python, so a distribution that refuses pip there (PEP 668: Debian 12, Ubuntu 23.04+)
# works the same as a pyenv Python. Afterwards $VENV_PYTHON is the environment's interpreter.
#
# Which Python: $PYTHON if set (and nothing else), else the first of python3, python3.14 ... python3.11
# on PATH that is 3.11 or newer. Where: $VENV_DIR, default .venv in the repository root.
# An environment made from another interpreter, or one that no longer starts or has lost pip, is
# made again; an interrupted install is finished on the next run.

VENV_DIR=${VENV_DIR:-.venv}

_venv_say() { echo "${0##*/}: $*" >&2; }

# Prints a Python's version and the real path of its executable, one per line; fails (after
# printing what it could) when it does not start or is older than 3.11.
_venv_probe() {
    "$1" -c 'import os, sys
print("%d.%d.%d" % sys.version_info[:3])
print(os.path.realpath(sys.executable))
sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

# Sets _venv_base (real path of the chosen interpreter) and _venv_version, or says why none fits.
_venv_pick_python() {
    local candidate probe found=()
    local candidates=(python3 python3.14 python3.13 python3.12 python3.11)
    [[ -n "${PYTHON:-}" ]] && candidates=("$PYTHON")
    for candidate in "${candidates[@]}"; do
        if ! command -v "$candidate" >/dev/null 2>&1; then
            found+=("$candidate: not found")
        elif probe=$(_venv_probe "$candidate"); then
            _venv_version=${probe%%$'\n'*}
            _venv_base=${probe#*$'\n'}
            return 0
        elif [[ -n "$probe" ]]; then
            found+=("$candidate: Python ${probe%%$'\n'*}")
        else
            found+=("$candidate: does not start")
        fi
    done
    if [[ -n "${PYTHON:-}" ]]; then
        _venv_say "PYTHON=$PYTHON cannot be used (${found[0]#*: }); the dashboard needs Python 3.11 or newer."
    else
        local tried
        printf -v tried '%s; ' "${found[@]}"
        _venv_say "no Python 3.11 or newer found (${tried%; })."
    fi
    _venv_say "Install one (Debian 12 / Ubuntu 23.04+: sudo apt-get install -y python3 python3-venv) or set PYTHON=/path/to/python3.11"
    return 1
}

# Why an existing environment cannot be kept, or nothing when it can.
_venv_unusable() {
    local made_from
    if [[ ! -x "$VENV_DIR/bin/python" ]] || ! _venv_probe "$VENV_DIR/bin/python" >/dev/null; then
        echo "does not start a Python 3.11 or newer"
        return
    fi
    made_from=$(sed -n 's/^executable *= *//p' "$VENV_DIR/pyvenv.cfg" 2>/dev/null)
    if [[ -z "$made_from" ]]; then
        echo "does not say which Python made it"
    elif [[ "$(realpath "$made_from" 2>/dev/null)" != "$_venv_base" ]]; then
        echo "was made from $made_from, not $_venv_base"
    elif ! "$VENV_DIR/bin/python" -c 'import pip' 2>/dev/null; then
        echo "has no pip (an interrupted first run?)"
    fi
}

_venv_create() {
    local output package
    if output=$("$_venv_base" -m venv "$VENV_DIR" 2>&1); then
        return 0
    fi
    rm -rf "$VENV_DIR"
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) apart, in python3.X-venv; install the
    # one for this interpreter (python3-venv is only the default python3's).
    package="python${_venv_version%.*}-venv"
    if ! "$_venv_base" -c 'import ensurepip' 2>/dev/null && [[ "$_venv_base" == /usr/bin/* ]] &&
        [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _venv_say "$_venv_base cannot make a virtual environment without Debian's $package package; installing it"
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null &&
            output=$("$_venv_base" -m venv "$VENV_DIR" 2>&1); then
            return 0
        fi
        rm -rf "$VENV_DIR"
    fi
    [[ -n "$output" ]] && echo "$output" >&2
    _venv_say "$_venv_base cannot make a virtual environment. On Debian or Ubuntu: sudo apt-get install -y $package"
    return 1
}

use_venv() {
    local requirements=$1 why stamp digest first="first run: "
    _venv_pick_python || exit 1
    if [[ -e "$VENV_DIR" || -L "$VENV_DIR" ]]; then
        first=""
        why=$(_venv_unusable)
        if [[ -n "$why" ]]; then
            _venv_say "$VENV_DIR $why: making it again"
            rm -rf "$VENV_DIR"
        fi
    fi
    if [[ ! -e "$VENV_DIR" ]]; then
        _venv_say "${first}making the project environment $VENV_DIR with $_venv_base (Python $_venv_version); nothing is installed outside it"
        _venv_create || exit 1
    fi
    case $VENV_DIR in
        /*) VENV_PYTHON=$VENV_DIR/bin/python ;;
        *) VENV_PYTHON=$PWD/$VENV_DIR/bin/python ;;
    esac
    # One stamp per requirements file, holding a digest of every requirements file (requirements-dev.txt
    # includes requirements.txt); a digest that differs, going back to an older content too, reinstalls.
    stamp="$VENV_DIR/.installed-${requirements%.txt}"
    digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]]; then
        if [[ -e "$stamp" ]]; then
            _venv_say "a requirements file changed: installing $requirements into $VENV_DIR again"
        else
            _venv_say "installing $requirements into $VENV_DIR (a minute or two the first time; later runs skip this until a requirements file changes)"
        fi
        rm -f "$stamp"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV_PYTHON" -m pip install -q -r "$requirements"
        echo "$digest" >"$stamp"
    fi
}
