"""When two answers are the same answer, however they were typed or stored.

A template remembers a digest of each answer it was exported with, so an import can tell
a cell a person edited from one they left alone without storing the answers twice.
"""

from __future__ import annotations

import hashlib
import json

from questionnaire.domain.conditions import AnswerValue

Comparable = str | float | tuple[str, ...] | None


def comparable(value: AnswerValue) -> Comparable:
    """Empty answers are one answer; choice order and 3 versus 3.0 do not matter."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return tuple(sorted(set(value)))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    return value


def same_answer(first: AnswerValue, second: AnswerValue) -> bool:
    return comparable(first) == comparable(second)


def answer_digest(value: AnswerValue) -> str:
    normalized = comparable(value)
    text = json.dumps(
        [type(normalized).__name__, normalized], ensure_ascii=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
