"""The set-up: the README's two commands, scripts/venv.sh's choice of Python and its environment.

venv.sh runs here against fake interpreters on a PATH of their own: each answers venv.sh's probe
with the version it pretends to be, makes a stub environment for ``-m venv`` and logs what
``-m pip`` is asked to install, so nothing is downloaded and every case takes milliseconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [*sorted((REPO_ROOT / "scripts").glob("*.sh")), REPO_ROOT / ".ci" / "run"]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")

# What venv.sh and a fake interpreter call, linked into the fake PATH (and nothing called python).
TOOLS = ["bash", "cat", "chmod", "cut", "id", "mkdir", "realpath", "rm", "sed", "sha256sum"]

# A fake interpreter. Its probe answer comes from the real one's shape: version, then real path.
FAKE_PYTHON = """#!/bin/bash
version={version}
base={base}
log={log}
case "$1" in
    -c) case "$2" in
            *version_info*) printf '%s\\n%s\\n' "$version" "$base"; exit {probe_status} ;;
            *ensurepip*) exit {ensurepip_status} ;;
            *) exit 0 ;;
        esac ;;
    -m) case "$2" in
            venv) [[ {venv_status} -eq 0 ]] || {{ echo "Error: ensurepip is not available" >&2; exit 1; }}
                  mkdir -p "$3/bin"
                  printf 'home = %s\\nexecutable = %s\\n' "${{base%/*}}" "$base" >"$3/pyvenv.cfg"
                  sed "s|^log=.*|log=$log|" "$base" >"$3/bin/python" && chmod +x "$3/bin/python" ;;
            pip) shift 2; echo "$*" >>"$log" ;;
        esac ;;
esac
"""


class Machine:
    """A repository copy with fake interpreters and nothing else on PATH."""

    def __init__(self, root: Path) -> None:
        self.repo = root / "repo"
        self.bin = root / "bin"
        self.pip_log = root / "pip.log"
        (self.repo / "scripts").mkdir(parents=True)
        self.bin.mkdir()
        shutil.copy(REPO_ROOT / "scripts" / "venv.sh", self.repo / "scripts")
        for name in ("requirements.txt", "requirements-dev.txt"):
            shutil.copy(REPO_ROOT / name, self.repo)
        for tool in TOOLS:
            (self.bin / tool).symlink_to(shutil.which(tool))

    def python(self, name: str, version: str, *, ensurepip: bool = True) -> Path:
        """Puts a fake interpreter on PATH under this name, answering as this version."""
        path = self.bin.resolve() / name
        old = tuple(int(part) for part in version.split(".")[:2]) < (3, 11)
        path.write_text(
            FAKE_PYTHON.format(
                version=version,
                base=path,
                log=self.pip_log,
                probe_status=int(old),
                ensurepip_status=int(not ensurepip),
                venv_status=int(not ensurepip),
            ),
            encoding="utf-8",
        )
        path.chmod(0o755)
        return path

    def use_venv(self, requirements: str = "requirements.txt", **env: str) -> subprocess.CompletedProcess[str]:
        """Sources venv.sh as run.sh does and calls use_venv; stdout is $VENV_PYTHON."""
        script = 'set -euo pipefail; source scripts/venv.sh; use_venv "$1"; echo "$VENV_PYTHON"'
        return subprocess.run(
            [str(self.bin / "bash"), "-c", script, "run.sh", requirements],
            cwd=self.repo, env={"PATH": str(self.bin), **env}, capture_output=True, text=True, timeout=20,
        )  # fmt: skip

    def shell(self, command: str) -> None:
        """Runs a command in the repository copy with the fake PATH."""
        subprocess.run([str(self.bin / "bash"), "-c", command], cwd=self.repo, env={"PATH": str(self.bin)}, check=True)

    def installs(self) -> list[str]:
        return self.pip_log.read_text().splitlines() if self.pip_log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def set_up_section() -> str:
    return README.split("## The two commands\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_script_parses(script: Path) -> None:
    """Every set-up and CI script is valid bash."""
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_readme_has_exactly_the_two_set_up_commands() -> None:
    """The README's set-up block is `bash scripts/run.sh` and `bash scripts/test.sh`, nothing else."""
    blocks = re.findall(r"```bash\n(.*?)```", set_up_section(), flags=re.S)
    commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    assert [c for c in commands if c] == ["bash scripts/run.sh", "bash scripts/test.sh"]


def test_ci_runs_the_readme_test_command_first() -> None:
    """.ci/run's first call of scripts/test.sh is the README's, with no arguments."""
    calls = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines() if "scripts/test.sh" in line]
    assert calls[0] == "bash scripts/test.sh"


@pytest.mark.parametrize("path", [".venv/", ".venv-distro/"])
def test_the_environments_are_not_tracked(path: str) -> None:
    """Git ignores .venv and CI's .venv-distro."""
    result = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO_ROOT)
    assert result.returncode == 0, f"{path} is not in .gitignore"


def test_the_probe_reads_a_real_interpreter() -> None:
    """venv.sh's probe, run on this Python, gives its version and the real path of its executable."""
    result = subprocess.run(
        ["bash", "-c", 'source scripts/venv.sh; _venv_probe "$1"', "probe", sys.executable],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    version = ".".join(str(part) for part in sys.version_info[:3])
    assert result.returncode == 0 and result.stdout == f"{version}\n{os.path.realpath(sys.executable)}\n"


def test_the_first_python3_that_is_new_enough_is_taken(machine: Machine) -> None:
    """python3 at 3.9 is passed over for python3.12, which makes the environment."""
    machine.python("python3", "3.9.2")
    py312 = machine.python("python3.12", "3.12.1")
    result = machine.use_venv()
    assert result.returncode == 0, result.stderr
    assert f"executable = {py312}" in (machine.repo / ".venv" / "pyvenv.cfg").read_text()
    assert result.stdout.strip() == str(machine.repo / ".venv" / "bin" / "python")


def test_a_first_run_says_what_it_does_as_the_readme_shows(machine: Machine) -> None:
    """A first run's messages are the README's, for this interpreter."""
    py = machine.python("python3", "3.11.2")
    result = machine.use_venv()
    shown = re.search(r"```text\n(.*?)```", set_up_section(), flags=re.S).group(1)
    assert result.stderr == shown.replace("/usr/bin/python3.11", str(py))
    assert machine.installs() == ["install -q -r requirements.txt"]


def test_an_older_python_is_refused_by_name(machine: Machine) -> None:
    """With only a Python 3.9, nothing is made and the message says what was found and what to do."""
    machine.python("python3", "3.9.2")
    result = machine.use_venv()
    assert result.returncode == 1
    assert "no Python 3.11 or newer found (python3: Python 3.9.2; python3.14: not found;" in result.stderr
    assert "PYTHON=" in result.stderr and "python3-venv" in result.stderr
    assert not (machine.repo / ".venv").exists()


def test_python_set_to_an_older_one_is_refused_though_a_newer_one_is_on_path(machine: Machine) -> None:
    """PYTHON is taken as asked: an old one is refused, not swapped for another."""
    old = machine.python("python3.10", "3.10.4")
    machine.python("python3", "3.12.1")
    result = machine.use_venv(PYTHON=str(old))
    assert result.returncode == 1
    assert f"PYTHON={old} cannot be used (Python 3.10.4); the dashboard needs Python 3.11 or newer" in result.stderr


def test_python_that_does_not_exist_is_named(machine: Machine) -> None:
    """PYTHON naming no program says so."""
    result = machine.use_venv(PYTHON="python3.99")
    assert result.returncode == 1 and "PYTHON=python3.99 cannot be used (not found)" in result.stderr


def test_a_re_run_installs_nothing_and_says_nothing(machine: Machine) -> None:
    """The second run with the same requirements neither installs nor prints."""
    machine.python("python3", "3.11.2")
    machine.use_venv()
    again = machine.use_venv()
    assert again.returncode == 0 and again.stderr == ""
    assert len(machine.installs()) == 1


def test_a_changed_requirements_file_installs_again_and_so_does_its_revert(machine: Machine) -> None:
    """Editing a requirements file reinstalls; putting it back reinstalls too (pins may have moved)."""
    machine.python("python3", "3.11.2")
    machine.use_venv("requirements-dev.txt")
    requirements = machine.repo / "requirements.txt"
    original = requirements.read_text()
    requirements.write_text(original + "rich>=13,<15\n")
    changed = machine.use_venv("requirements-dev.txt")
    assert "a requirements file changed: installing requirements-dev.txt into .venv again" in changed.stderr
    requirements.write_text(original)
    machine.use_venv("requirements-dev.txt")
    assert machine.installs() == ["install -q -r requirements-dev.txt"] * 3


def test_each_requirements_file_is_installed_once(machine: Machine) -> None:
    """The test command's install does not stand in for the app's, nor the reverse."""
    machine.python("python3", "3.11.2")
    for requirements in ("requirements-dev.txt", "requirements.txt", "requirements-dev.txt", "requirements.txt"):
        machine.use_venv(requirements)
    assert machine.installs() == ["install -q -r requirements-dev.txt", "install -q -r requirements.txt"]


def test_an_environment_from_another_interpreter_is_made_again(machine: Machine) -> None:
    """Switching PYTHON remakes .venv from the new interpreter and installs into it afresh."""
    first = machine.python("python3.11", "3.11.2")
    second = machine.python("python3.12", "3.12.1")
    machine.use_venv(PYTHON=str(first))
    result = machine.use_venv(PYTHON=str(second))
    assert f".venv was made from {first}, not {second}: making it again" in result.stderr
    assert f"executable = {second}" in (machine.repo / ".venv" / "pyvenv.cfg").read_text()
    assert len(machine.installs()) == 2


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("rm .venv/bin/python", "does not start a Python 3.11 or newer"),
        ("sed -i /^executable/d .venv/pyvenv.cfg", "does not say which Python made it"),
        ("rm -r .venv; mkdir .venv", "does not start a Python 3.11 or newer"),
    ],
)
def test_a_broken_environment_is_made_again(machine: Machine, damage: str, reason: str) -> None:
    """A .venv that cannot be trusted is removed and made again, saying why."""
    machine.python("python3", "3.11.2")
    machine.use_venv()
    machine.shell(damage)
    result = machine.use_venv()
    assert result.returncode == 0 and f".venv {reason}: making it again" in result.stderr
    assert (machine.repo / ".venv" / "bin" / "python").exists() and len(machine.installs()) == 2


def test_venv_dir_puts_the_environment_elsewhere(machine: Machine, tmp_path: Path) -> None:
    """VENV_DIR, relative or absolute, is where the environment goes and where $VENV_PYTHON points."""
    machine.python("python3", "3.11.2")
    relative = machine.use_venv(VENV_DIR=".venv-ci")
    absolute = machine.use_venv(VENV_DIR=str(tmp_path / "env"))
    assert relative.stdout.strip() == str(machine.repo / ".venv-ci" / "bin" / "python")
    assert absolute.stdout.strip() == str(tmp_path / "env" / "bin" / "python")
    assert not (machine.repo / ".venv").exists()


def test_a_python_that_cannot_make_an_environment_names_the_package(machine: Machine) -> None:
    """Without ensurepip, venv's error is shown with the Debian package for that version; nothing is left."""
    machine.python("python3", "3.12.1", ensurepip=False)
    result = machine.use_venv()
    assert result.returncode == 1
    assert "ensurepip is not available" in result.stderr
    assert "sudo apt-get install -y python3.12-venv" in result.stderr
    assert not (machine.repo / ".venv").exists()
