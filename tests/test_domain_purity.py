"""The layers stay apart: domain code without Streamlit, pages without clinical thresholds, no raw HTML,
no eval."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_MODULES = sorted(p for p in (ROOT / "dashboard").glob("*.py") if p.name != "ui.py")
PAGES = sorted((ROOT / "pages").glob("*.py"))
APP_FILES = [*sorted((ROOT / "dashboard").glob("*.py")), *PAGES, ROOT / "streamlit_app.py"]
# Counting and emptiness checks (``len(x) > 1``, ``shown == 0``) are not clinical thresholds.
HARMLESS_NUMBERS = {0, 1}


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_is_code_to_check() -> None:
    """The purity checks see the domain modules and the pages."""
    assert DOMAIN_MODULES and PAGES and (ROOT / "dashboard" / "ui.py").exists()


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=rel)
def test_domain_module_does_not_import_streamlit(path: Path) -> None:
    """A dashboard module other than dashboard/ui.py never imports streamlit."""
    imported = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    assert [name for name in imported if name == "streamlit" or name.startswith("streamlit.")] == []


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _number(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_page_compares_with_no_clinical_number(path: Path) -> None:
    """A page never compares a value with a number such as 25, 24, 34 or 15: thresholds live in the rules."""
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                value = _number(operand)
                if value is not None and value not in HARMLESS_NUMBERS:
                    found.append(f"line {node.lineno}: {value}")
    assert found == []


@pytest.mark.parametrize("path", APP_FILES, ids=rel)
def test_no_raw_html_is_allowed(path: Path) -> None:
    """No Streamlit call in the app passes unsafe_allow_html=True."""
    calls = [
        node.lineno
        for node in ast.walk(parse(path))
        if isinstance(node, ast.keyword)
        and node.arg == "unsafe_allow_html"
        and not (isinstance(node.value, ast.Constant) and node.value.value is False)
    ]
    text = re.findall(r"unsafe_allow_html\W+True", path.read_text(encoding="utf-8"))
    assert (calls, text) == ([], [])


@pytest.mark.parametrize("path", sorted((ROOT / "dashboard").glob("*.py")), ids=rel)
def test_domain_code_never_evaluates_strings(path: Path) -> None:
    """No dashboard module calls eval( or exec(: rule conditions are data, not code."""
    calls = [
        node.lineno
        for node in ast.walk(parse(path))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec"))
            or (isinstance(node.func, ast.Attribute) and node.func.attr in ("eval", "exec"))
        )
    ]
    text = re.findall(r"(?<![\w.])(?:eval|exec)\(", path.read_text(encoding="utf-8"))
    assert (calls, text) == ([], [])
