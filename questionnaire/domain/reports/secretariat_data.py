"""What the cross-country workbook says about each assessment, row by row.

The workbook is written in one pass over the assessments, so services can stream them
from the database; each function here turns one `CountryRow` into the cells of one
sheet, and the tallies keep the only state that spans countries (small counters).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from questionnaire.domain.answer_text import option_label
from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    FindingKind,
    ItemSnapshot,
    WorkflowStatus,
)
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Scale
from questionnaire.domain.reports.country_tables import declared_needs
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.regional_groups import regional_group_ids, regional_group_label
from questionnaire.domain.reports.sheets import CellKind, Column
from questionnaire.domain.scoring.types import AssessmentScores, Dimension
from questionnaire.domain.vocabulary import (
    CHALLENGES_QUESTION,
    CHALLENGES_SCALE,
    TECHNICAL_ASSISTANCE_SCALE,
)

Row = list[Any]
TIDY_COLUMNS = (
    "state_party_code",
    "regional_group",
    "review_year",
    "bank_id",
    "bank_version",
    "commitment_id",
    "paragraph",
    "question_id",
    "value",
)


@dataclass(frozen=True)
class CountryRow:
    """One assessment as the secretariat workbook reads it: metadata, scores and items."""

    state_party_code: str
    state_party_name_zh: str
    state_party_name_en: str
    regional_group: str
    review_year: int
    status: WorkflowStatus
    submitted_at: dt.datetime | None
    bank: QuestionBank
    scores: AssessmentScores
    items: tuple[ItemSnapshot, ...]

    @classmethod
    def from_snapshot(cls, snapshot: AssessmentSnapshot, scores: AssessmentScores) -> CountryRow:
        return cls(
            state_party_code=snapshot.state_party_code,
            state_party_name_zh=snapshot.state_party_name_zh,
            state_party_name_en=snapshot.state_party_name_en,
            regional_group=snapshot.regional_group,
            review_year=snapshot.review_year,
            status=snapshot.status,
            submitted_at=snapshot.submitted_at,
            bank=snapshot.bank,
            scores=scores,
            items=snapshot.items,
        )


@dataclass(frozen=True)
class Layout:
    """Columns fixed before the first data row, as constant-memory writing requires.

    They come from the bank of the first assessment: a later assessment answered under
    another bank version shows only the commitments and sections that bank also has.
    """

    labels: Labels
    section_ids: tuple[str, ...] = ()
    section_titles: tuple[str, ...] = ()
    commitment_ids: tuple[str, ...] = ()
    paragraphs: tuple[int, ...] = ()
    ta_scale: Scale | None = None
    challenge_scale: Scale | None = None

    @classmethod
    def from_bank(cls, bank: QuestionBank | None, labels: Labels) -> Layout:
        if bank is None:
            return cls(labels)
        commitments = sorted(bank.assessable(), key=lambda commitment: commitment.paragraph)
        return cls(
            labels,
            tuple(section.id for section in bank.sections),
            tuple(f"{s.number}. {labels.bank_text(s.title)}" for s in bank.sections),
            tuple(commitment.id for commitment in commitments),
            tuple(commitment.paragraph for commitment in commitments),
            bank.scales.get(TECHNICAL_ASSISTANCE_SCALE),
            bank.scales.get(CHALLENGES_SCALE),
        )

    def name(self, row: CountryRow) -> str:
        if self.labels.language == "zh":
            return row.state_party_name_zh
        return row.state_party_name_en

    def _state_columns(self) -> list[Column]:
        labels = self.labels
        return [
            Column(labels["col.code"], 7),
            Column(labels["col.state_party"], 28),
            Column(labels["col.regional_group"], 24),
        ]

    def _state_cells(self, row: CountryRow) -> Row:
        return [
            row.state_party_code,
            self.name(row),
            regional_group_label(row.regional_group, self.labels),
        ]

    def section_matrix_columns(self) -> list[Column]:
        return [
            *self._state_columns(),
            Column(self.labels["summary.overall"], 10, CellKind.PERCENT),
            *(Column(title, 14, CellKind.PERCENT) for title in self.section_titles),
        ]

    def section_matrix_row(self, row: CountryRow) -> Row:
        by_section = {r.key: r.score for r in row.scores.by_dimension(Dimension.SECTION)}
        overall = [r.score for r in row.scores.rollups if r.dimension is Dimension.OVERALL]
        return [
            *self._state_cells(row),
            overall[0] if overall else None,
            *(by_section.get(section_id) for section_id in self.section_ids),
        ]

    def commitment_matrix_columns(self) -> list[Column]:
        return [
            *self._state_columns(),
            *(Column(self.labels.paragraph(p), 6, CellKind.PERCENT) for p in self.paragraphs),
        ]

    def commitment_matrix_row(self, row: CountryRow) -> Row:
        by_commitment = {score.commitment_id: score.score for score in row.scores.commitments}
        return [*self._state_cells(row), *(by_commitment.get(c) for c in self.commitment_ids)]

    def progress_columns(self) -> list[Column]:
        labels = self.labels
        return [
            *self._state_columns(),
            Column(labels["col.review_year"], 9, CellKind.INTEGER),
            Column(labels["col.bank_version"], 12),
            Column(labels["col.status"], 18),
            Column(labels["col.answered"], 9, CellKind.INTEGER),
            Column(labels["col.asked"], 9, CellKind.INTEGER),
            Column(labels["col.coverage"], 10, CellKind.PERCENT),
            Column(labels["col.questions_answered"], 12, CellKind.INTEGER),
            Column(labels["col.submitted"], 12, CellKind.DATE),
        ]

    def progress_row(self, row: CountryRow) -> Row:
        overall = [r for r in row.scores.rollups if r.dimension is Dimension.OVERALL]
        answered = overall[0].answered if overall else 0
        asked = overall[0].asked if overall else len(row.items)
        return [
            *self._state_cells(row),
            row.review_year,
            f"{row.bank.id} v{row.bank.version}",
            self.labels.value(row.status),
            answered,
            asked,
            answered / asked if asked else 0.0,
            questions_answered(row),
            row.submitted_at,
        ]


@dataclass(frozen=True)
class CountryPart:
    """Everything one assessment adds to the cross-country workbook, as plain values.

    Workers of the task queue compute the parts of many assessments side by side; one
    writer then lays them out in order. A part travels as JSON (`to_json`), so it holds
    only text, numbers, None and dates.
    """

    section_row: Row
    commitment_row: Row
    progress_row: Row
    tidy_rows: tuple[Row, ...]
    state_party_code: str
    regional_group: str
    needs: tuple[str, ...]
    challenges: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "section_row": [_encode(value) for value in self.section_row],
            "commitment_row": [_encode(value) for value in self.commitment_row],
            "progress_row": [_encode(value) for value in self.progress_row],
            # Stored answer values only (text, numbers, booleans): JSON as they are.
            "tidy_rows": list(self.tidy_rows),
            "state_party_code": self.state_party_code,
            "regional_group": self.regional_group,
            "needs": list(self.needs),
            "challenges": list(self.challenges),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CountryPart:
        return cls(
            section_row=[_decode(value) for value in data["section_row"]],
            commitment_row=[_decode(value) for value in data["commitment_row"]],
            progress_row=[_decode(value) for value in data["progress_row"]],
            tidy_rows=tuple(data["tidy_rows"]),
            state_party_code=data["state_party_code"],
            regional_group=data["regional_group"],
            needs=tuple(data["needs"]),
            challenges=tuple(data["challenges"]),
        )


def country_part(layout: Layout, row: CountryRow) -> CountryPart:
    """The cells and tallied values of one assessment, laid out by `layout`."""
    challenges: list[str] = []
    for item in row.items:
        chosen = item.answers.get(CHALLENGES_QUESTION)
        if isinstance(chosen, list):
            challenges.extend(chosen)
    return CountryPart(
        section_row=layout.section_matrix_row(row),
        commitment_row=layout.commitment_matrix_row(row),
        progress_row=layout.progress_row(row),
        tidy_rows=tuple(tidy_rows(row)),
        state_party_code=row.state_party_code,
        regional_group=row.regional_group,
        needs=tuple(need_type for _, need_type in sorted(_needs_of(row))),
        challenges=tuple(challenges),
    )


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
    return value


def questions_answered(row: CountryRow) -> int:
    return sum(is_answered(value) for item in row.items for value in item.answers.values())


def tidy_rows(row: CountryRow) -> Iterator[Row]:
    """One row per answered question, raw stored values, for pandas or Power BI."""
    for item in row.items:
        commitment = item.commitment
        keys = {question.id: question.key for question in commitment.questions}
        for question_id, value in item.answers.items():
            if not is_answered(value):
                continue
            yield [
                row.state_party_code,
                row.regional_group,
                row.review_year,
                row.bank.id,
                row.bank.version,
                commitment.id,
                commitment.paragraph,
                keys.get(question_id) or f"{commitment.id}.{question_id}",
                "; ".join(value) if isinstance(value, list) else value,
            ]


def _needs_of(row: CountryRow) -> set[tuple[str, str]]:
    """(commitment, type) needs, counted once when both state and reviewers name them."""
    needs: set[tuple[str, str]] = set()
    for item in row.items:
        for finding in item.review.findings:
            if finding.kind is FindingKind.TECHNICAL_ASSISTANCE:
                needs.add((item.commitment.id, finding.technical_assistance_type))
        for need_type, _, _, _ in declared_needs(item):
            needs.add((item.commitment.id, need_type))
    return needs


@dataclass
class OptionTally:
    """Counts of scale options by regional group, plus how many states named each."""

    scale: Scale | None
    labels: Labels
    by_group: Counter[tuple[str, str]] = field(default_factory=Counter)
    states: dict[str, set[str]] = field(default_factory=dict)

    def add(self, code: str, group: str, values: list[str]) -> None:
        for value in values:
            self.by_group[(value, group)] += 1
            self.states.setdefault(value, set()).add(code)

    def values(self) -> list[str]:
        known = [option.value for option in self.scale.options] if self.scale else []
        extra = sorted({value for value, _ in self.by_group} - set(known))
        return known + extra

    def total(self, value: str) -> int:
        return sum(count for (v, _), count in self.by_group.items() if v == value)

    def columns(self, first_title: str, *, totals_first: bool) -> list[Column]:
        labels = self.labels
        groups = [
            Column(regional_group_label(group, labels), 14, CellKind.INTEGER)
            for group in self.groups()
        ]
        totals = [
            Column(
                labels["col.mentions"] if totals_first else labels["col.total"],
                10,
                CellKind.INTEGER,
            ),
            Column(labels["col.states"], 10, CellKind.INTEGER),
        ]
        first = Column(first_title, 40, CellKind.WRAP)
        return [first, *totals, *groups] if totals_first else [first, *groups, *totals]

    def groups(self) -> list[str]:
        known = regional_group_ids()
        return known + sorted({group for _, group in self.by_group} - set(known))

    def row(self, value: str, *, totals_first: bool) -> Row:
        by_group = [self.by_group.get((value, group), 0) for group in self.groups()]
        totals = [self.total(value), len(self.states.get(value, ()))]
        label = option_label(self.scale, value, self.labels.language) if value else "—"
        return [label, *totals, *by_group] if totals_first else [label, *by_group, *totals]


def needs_tally(layout: Layout) -> OptionTally:
    return OptionTally(layout.ta_scale, layout.labels)


def add_needs(tally: OptionTally, part: CountryPart) -> None:
    tally.add(part.state_party_code, part.regional_group, list(part.needs))


def needs_table(tally: OptionTally) -> list[Row]:
    """Needs by type and regional group, with a grand-total row under them."""
    rows = [tally.row(value, totals_first=False) for value in tally.values()]
    group_totals = [
        sum(count for (_, group), count in tally.by_group.items() if group == g)
        for g in tally.groups()
    ]
    all_states = set().union(*tally.states.values()) if tally.states else set()
    rows.append([tally.labels["col.total"], *group_totals, sum(group_totals), len(all_states)])
    return rows


def challenge_tally(layout: Layout) -> OptionTally:
    return OptionTally(layout.challenge_scale, layout.labels)


def add_challenges(tally: OptionTally, part: CountryPart) -> None:
    tally.add(part.state_party_code, part.regional_group, list(part.challenges))


def challenge_table(tally: OptionTally) -> list[Row]:
    """Challenges from the most to the least often named."""
    values = sorted(tally.values(), key=lambda value: -tally.total(value))
    return [tally.row(value, totals_first=True) for value in values]
