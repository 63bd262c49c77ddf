"""Conditions that decide whether a question is asked.

A condition is a small expression over question ids, e.g. ``status in ('in_part', 'no')``
or ``ta_needed == 'yes' and 'other' in ta_types``. It is parsed with Python's own parser,
then every node is checked against a short allow-list and evaluated by this module, never
by ``eval``: the bank is data a secretariat edits, and must not be able to run code.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AnswerValue = str | float | list[str] | None

_COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class ConditionError(ValueError):
    """A condition that cannot be parsed or uses something outside the allowed grammar."""


@dataclass(frozen=True)
class Condition:
    source: str
    tree: ast.expr
    names: frozenset[str]

    def holds(self, answers: Mapping[str, AnswerValue]) -> bool:
        """Whether the question is asked, given the answers of the same commitment.

        An unanswered question compares as empty, so a follow-up stays hidden until
        the question it depends on has an answer.
        """
        return bool(_evaluate(self.tree, answers))


def parse_condition(source: str) -> Condition:
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as error:
        raise ConditionError(f"cannot parse condition {source!r}: {error.msg}") from None
    names: set[str] = set()
    _check(tree, names, source)
    return Condition(source, tree, frozenset(names))


def _check(node: ast.AST, names: set[str], source: str) -> None:
    match node:
        case ast.BoolOp(values=values):
            for value in values:
                _check(value, names, source)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            _check(operand, names, source)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            if not all(isinstance(op, _COMPARISONS) for op in ops):
                raise ConditionError(f"condition {source!r} uses an operator that is not allowed")
            for part in (left, *comparators):
                _check(part, names, source)
        case ast.Name(id=name):
            names.add(name)
        case ast.Constant(value=value) if isinstance(value, str | int | float) and not isinstance(
            value, bool
        ):
            pass
        case ast.Tuple(elts=elements) | ast.List(elts=elements):
            for element in elements:
                if not isinstance(element, ast.Constant):
                    raise ConditionError(f"condition {source!r}: a list may hold only literals")
        case _:
            raise ConditionError(
                f"condition {source!r} uses {type(node).__name__}, which is not allowed; "
                "use question ids, quoted literals, ==, !=, in, not in, <, >, and, or, not"
            )


def _evaluate(node: ast.expr, answers: Mapping[str, AnswerValue]) -> Any:
    match node:
        case ast.BoolOp(op=ast.And(), values=values):
            return all(_evaluate(value, answers) for value in values)
        case ast.BoolOp(op=ast.Or(), values=values):
            return any(_evaluate(value, answers) for value in values)
        case ast.UnaryOp(operand=operand):
            return not _evaluate(operand, answers)
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            current = _evaluate(left, answers)
            for op, comparator in zip(ops, comparators, strict=True):
                other = _evaluate(comparator, answers)
                if not _compare(op, current, other):
                    return False
                current = other
            return True
        case ast.Name(id=name):
            return answers.get(name)
        case ast.Constant(value=value):
            return value
        case ast.Tuple(elts=elements) | ast.List(elts=elements):
            return tuple(_evaluate(element, answers) for element in elements)
    raise ConditionError(f"unexpected {type(node).__name__}")  # excluded by _check


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    match op:
        case ast.Eq():
            return left == right
        case ast.NotEq():
            return left != right
        case ast.In():
            return right is not None and left is not None and left in right
        case ast.NotIn():
            return right is None or left is None or left not in right
    if not isinstance(left, int | float) or not isinstance(right, int | float):
        return False  # an unanswered or non-numeric answer satisfies no ordering
    match op:
        case ast.Lt():
            return left < right
        case ast.LtE():
            return left <= right
        case ast.Gt():
            return left > right
        case ast.GtE():
            return left >= right
    return False


_OPERATOR_NAMES: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}


def condition_data(condition: Condition) -> list[Any]:
    """The checked condition as JSON-ready data, for the page's script to evaluate.

    The browser shows a follow-up question as soon as its condition holds, without
    waiting for a save. It does not parse the bank's text itself: it walks this tree,
    built from the same parsed and checked expression the server evaluates, with the same
    rules (static/conditions.js; a browser test compares both over every bank condition).
    Each node is a list whose first element names it:
    ``["and", ...]``, ``["or", ...]``, ``["not", node]``,
    ``["compare", left, [[operator, right], ...]]``, ``["answer", question_id]``,
    ``["literal", value]``, ``["tuple", [values]]``.
    """
    return _as_data(condition.tree)


def _as_data(node: ast.expr) -> list[Any]:
    match node:
        case ast.BoolOp(op=ast.And(), values=values):
            return ["and", *(_as_data(value) for value in values)]
        case ast.BoolOp(op=ast.Or(), values=values):
            return ["or", *(_as_data(value) for value in values)]
        case ast.UnaryOp(operand=operand):
            return ["not", _as_data(operand)]
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            pairs = [
                [_OPERATOR_NAMES[type(op)], _as_data(comparator)]
                for op, comparator in zip(ops, comparators, strict=True)
            ]
            return ["compare", _as_data(left), pairs]
        case ast.Name(id=name):
            return ["answer", name]
        case ast.Constant(value=value):
            return ["literal", value]
        case ast.Tuple(elts=elements) | ast.List(elts=elements):
            return [
                "tuple",
                [element.value for element in elements if isinstance(element, ast.Constant)],
            ]
    raise ConditionError(f"unexpected {type(node).__name__}")  # excluded by _check
