"""Three-valued (Kleene) evaluation of rule conditions over a case's facts.

``True`` / ``False`` / ``None`` stand for met / not met / cannot tell. An unknown input
makes a test ``None``; ``all`` is false as soon as one part is false, ``any`` is true as
soon as one part is true, and otherwise an unknown part leaves the whole unknown. So an
unknown answer can never be read as absent: it can only leave a verdict open.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from dashboard.facts import FACTS, ONE_OF, UNKNOWN, Interval, show_value
from dashboard.kb import AllOf, AnyOf, Condition, Leaf, NotOf, RuleRef

Truth = bool | None

_OP_WORDS = {
    "is": "",
    "is_not": "not",
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "in": "is one of",
}


@dataclass(frozen=True, slots=True)
class Used:
    """One test inside a rule: what it asked, the value it found, and its answer."""

    fact: str
    label: str  # e.g. "Shortest cervical length before 24+0"
    needs: str  # e.g. "< 25 mm"
    value: str  # the case's value in words, with unit
    result: Truth
    inputs: tuple[str, ...]  # case fields it read

    @property
    def test(self) -> str:
        return f"{self.label} {self.needs}"


def _compare(op: str, have: Any, want: Any) -> Truth:
    if have is UNKNOWN:
        return None
    if isinstance(have, Interval):
        low, high = have.low, have.high
        if op == "ge":
            return True if low >= want else (False if high < want else None)
        if op == "gt":
            return True if low > want else (False if high <= want else None)
        if op == "le":
            return True if high <= want else (False if low > want else None)
        if op == "lt":
            return True if high < want else (False if low >= want else None)
        if op == "eq":
            return True if low == high == want else (False if not (low <= want <= high) else None)
        if op == "ne":
            return False if low == high == want else (True if not (low <= want <= high) else None)
        return None
    if op == "is" or op == "eq":
        return have == want
    if op == "is_not" or op == "ne":
        return have != want
    if op == "in":
        return have in want
    if op == "lt":
        return have < want
    if op == "le":
        return have <= want
    if op == "gt":
        return have > want
    if op == "ge":
        return have >= want
    raise ValueError(f"unknown operator {op}")  # the loader refuses these; kept for safety


@lru_cache(maxsize=4096)
def describe_need(leaf: Leaf) -> str:
    """What the test requires, in words: '≥ 1 losses', 'is present', '< 25 mm'."""
    spec = FACTS[leaf.fact]
    if spec.kind == "ga":
        value = f"{leaf.value // 7}+{leaf.value % 7} weeks"
    elif spec.kind == "number":
        unit = ONE_OF.get(spec.unit, spec.unit) if leaf.value == 1 else spec.unit
        value = f"{leaf.value:g} {unit}" if unit else f"{leaf.value:g}"
    elif isinstance(leaf.value, tuple):
        value = ", ".join(v.replace("_", " ") for v in leaf.value)
    else:
        value = str(leaf.value).replace("_", " ")
    return f"{_OP_WORDS[leaf.op]} {value}".strip()


def evaluate(
    cond: Condition | None,
    facts: dict[str, Any],
    rule_outcome: Callable[[str], Truth],
    used: list[Used] | None = None,
) -> Truth:
    """The condition's truth for these facts; each test it makes is appended to ``used``."""
    if cond is None:
        return True
    if isinstance(cond, Leaf):
        have = facts[cond.fact]
        result = _compare(cond.op, have, cond.value)
        if used is not None:
            spec = FACTS[cond.fact]
            used.append(Used(cond.fact, spec.label, describe_need(cond), show_value(spec, have), result, spec.inputs))
        return result
    if isinstance(cond, RuleRef):
        return rule_outcome(cond.rule)
    if isinstance(cond, NotOf):
        inner = evaluate(cond.term, facts, rule_outcome, used)
        return None if inner is None else not inner
    results = [evaluate(term, facts, rule_outcome, used) for term in cond.terms]
    if isinstance(cond, AllOf):
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    assert isinstance(cond, AnyOf)
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else None


# --------------------------------------------------------------------------- compiled form
#
# The same semantics as ``evaluate``, compiled once per knowledge base into nested closures
# so the per-case work is a few dictionary look-ups and comparisons (the engine's hot path).
# ``tests/test_rules.py`` checks the two agree on every rule.

Compiled = Callable[[dict[str, Any], Callable[[str], Truth], list[Used]], Truth]


VALUES_PER_TEST = 256  # distinct values remembered per test: a case's answers change one at a time


def compile_condition(cond: Condition | None, memos: list[dict[Any, Used]] | None = None) -> Compiled:
    """``cond`` as a closure; each test's memory of the values it has seen is appended to ``memos``."""
    memos = [] if memos is None else memos
    if cond is None:
        return lambda facts, outcome, used: True
    if isinstance(cond, Leaf):
        spec = FACTS[cond.fact]
        fact, op, want = cond.fact, cond.op, cond.value
        label, needs, inputs = spec.label, describe_need(cond), spec.inputs
        # A test's answer and its line in the trace depend only on the fact's value, so each
        # distinct value is worked out once per knowledge base; ``Used`` is immutable and shared.
        # Measurements take endless values, so at most VALUES_PER_TEST are kept (then forgotten).
        unknown = Used(fact, label, needs, show_value(spec, UNKNOWN), None, inputs)
        cache: dict[Any, Used] = {}
        memos.append(cache)

        def leaf(facts: dict[str, Any], outcome: Callable[[str], Truth], used: list[Used]) -> Truth:
            have = facts[fact]
            if have is UNKNOWN:
                hit = unknown
            else:
                key = (have.low, have.high) if type(have) is Interval else have
                hit = cache.get(key)
                if hit is None:
                    if len(cache) >= VALUES_PER_TEST:
                        cache.clear()
                    shown = show_value(spec, have)
                    hit = cache[key] = Used(fact, label, needs, shown, _compare(op, have, want), inputs)
            used.append(hit)
            return hit.result

        return leaf
    if isinstance(cond, RuleRef):
        rule_id = cond.rule
        return lambda facts, outcome, used: outcome(rule_id)
    if isinstance(cond, NotOf):
        inner = compile_condition(cond.term, memos)

        def negate(facts: dict[str, Any], outcome: Callable[[str], Truth], used: list[Used]) -> Truth:
            value = inner(facts, outcome, used)
            return None if value is None else not value

        return negate
    terms = tuple(compile_condition(t, memos) for t in cond.terms)
    if isinstance(cond, AllOf):

        def all_of(facts: dict[str, Any], outcome: Callable[[str], Truth], used: list[Used]) -> Truth:
            saw_unknown = saw_false = False
            for term in terms:
                value = term(facts, outcome, used)
                if value is False:
                    saw_false = True
                elif value is None:
                    saw_unknown = True
            return False if saw_false else (None if saw_unknown else True)

        return all_of

    def any_of(facts: dict[str, Any], outcome: Callable[[str], Truth], used: list[Used]) -> Truth:
        saw_unknown = saw_true = False
        for term in terms:
            value = term(facts, outcome, used)
            if value is True:
                saw_true = True
            elif value is None:
                saw_unknown = True
        return True if saw_true else (None if saw_unknown else False)

    return any_of
