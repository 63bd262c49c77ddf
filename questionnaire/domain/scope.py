"""Which commitments a questionnaire asks: the secretariat's choice of scope from the bank."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.bank.schema import Strength


class ScopeError(ValueError):
    """A scope that names something the bank does not have, or selects nothing."""


@dataclass(frozen=True)
class Scope:
    """Filters combine with AND; an empty filter does not restrict.

    By default only commitments a state acts on are asked (`assessable_only`).
    """

    sections: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    review_cycles: tuple[int, ...] = ()
    chapters: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    assessable_only: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in data.items()
        }


def select_commitments(bank: QuestionBank, scope: Scope) -> list[BankCommitment]:
    """The commitments of `bank` within `scope`, in paragraph order; never an empty list."""
    _check(bank, scope)
    chosen = [
        commitment
        for commitment in bank.commitments
        if commitment.assessable
        and (not scope.sections or commitment.section.id in scope.sections)
        and (not scope.themes or set(scope.themes) & set(commitment.spec.themes))
        and (not scope.review_cycles or set(scope.review_cycles) & set(commitment.review_cycles))
        and (not scope.chapters or set(scope.chapters) & set(commitment.chapters))
        and (not scope.strengths or commitment.strength.value in scope.strengths)
    ]
    if not chosen:
        raise ScopeError("this scope selects no commitment a state can be asked about; widen it")
    return chosen


def _check(bank: QuestionBank, scope: Scope) -> None:
    sections = {section.id for section in bank.sections}
    chapters = {chapter.number for chapter in bank.uncac.chapters}
    unknown = (
        [f"section {s!r}" for s in scope.sections if s not in sections]
        + [f"theme {t!r}" for t in scope.themes if t not in bank.themes]
        + [f"IRM cycle {c!r}" for c in scope.review_cycles if c not in (1, 2)]
        + [f"chapter {c!r}" for c in scope.chapters if c not in chapters]
        + [f"strength {s!r}" for s in scope.strengths if s not in {x.value for x in Strength}]
    )
    if unknown:
        raise ScopeError("unknown " + ", ".join(unknown))
    if not scope.assessable_only:
        raise ScopeError(
            "only commitments a state acts on can be asked; the others stay in the bank as context"
        )
