"""What an import would do, shown before anything is saved.

A conflict is an answer edited in the file whose online version moved on after the
template was exported: someone changed it in both places. Conflicts are listed for a
person to settle and never applied; only new and changed answers are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from questionnaire.domain.answers import is_answered
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline.parsing import ImportedAnswer
from questionnaire.domain.offline.values import same_answer


class ChangeKind(StrEnum):
    NEW = "new"  # no answer online, one in the file
    CHANGED = "changed"  # the file replaces (or clears) the online answer
    UNCHANGED = "unchanged"  # the file brings nothing new for this question
    CONFLICT = "conflict"  # edited in the file and online since export: not applied


@dataclass(frozen=True)
class Change:
    answer: ImportedAnswer
    kind: ChangeKind
    current_value: AnswerValue
    exported_version: int
    current_version: int

    @property
    def question_key(self) -> str:
        return self.answer.question_key


@dataclass(frozen=True)
class ChangePreview:
    changes: tuple[Change, ...]

    def of_kind(self, kind: ChangeKind | str) -> list[Change]:
        """Templates pass the kind as text ("new"), which an identity test never matched."""
        wanted = ChangeKind(kind)
        return [change for change in self.changes if change.kind is wanted]

    @property
    def to_apply(self) -> list[Change]:
        """New and changed answers: the only ones an import saves."""
        return [c for c in self.changes if c.kind in (ChangeKind.NEW, ChangeKind.CHANGED)]

    @property
    def conflicts(self) -> list[Change]:
        return self.of_kind(ChangeKind.CONFLICT)

    def kinds(self) -> dict[str, ChangeKind]:
        """Question key → kind, the form tests and summaries read most easily."""
        return {change.question_key: change.kind for change in self.changes}


def preview_changes(
    imported: Sequence[ImportedAnswer],
    current_values: Mapping[str, AnswerValue],
    current_versions: Mapping[str, int],
    exported_versions: Mapping[str, int],
) -> ChangePreview:
    """Classify each imported answer; all mappings are keyed by bank-wide question key.

    A missing version counts as 0 (never saved).
    """
    return ChangePreview(
        tuple(
            _classify(
                answer,
                current_values.get(answer.question_key),
                exported_versions.get(answer.question_key, 0),
                current_versions.get(answer.question_key, 0),
            )
            for answer in imported
        )
    )


def _classify(
    answer: ImportedAnswer, current: AnswerValue, exported_version: int, current_version: int
) -> Change:
    if same_answer(answer.value, current) or not answer.edited_in_file:
        kind = ChangeKind.UNCHANGED  # left alone in the file: the online answer stands
    elif current_version != exported_version:
        kind = ChangeKind.CONFLICT
    elif is_answered(current):
        kind = ChangeKind.CHANGED
    else:
        kind = ChangeKind.NEW
    return Change(answer, kind, current, exported_version, current_version)
