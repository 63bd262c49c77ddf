"""The rows of each table sheet of a country report, in the report's language.

Kept apart from the workbook writer so what a sheet says can be read and tested without
thinking about cells and formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from questionnaire.domain.answer_text import answer_cell, option_label
from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    Finding,
    FindingKind,
    ItemSnapshot,
)
from questionnaire.domain.bank import ArticleReference, BankCommitment
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.recommendations import recommendation_id, suggested_wording
from questionnaire.domain.reports.sheets import CellKind, Column
from questionnaire.domain.scoring.types import AssessmentScores, CommitmentScore
from questionnaire.domain.vocabulary import (
    FRAMEWORK_SCALE,
    NO,
    OTHER,
    PRACTICE_SCALE,
    STATUS_SCALE,
    TA_NEEDED_QUESTION,
    TA_OTHER_QUESTION,
    TA_PROVIDED_BY_QUESTION,
    TA_PROVIDED_QUESTION,
    TA_TYPES_QUESTION,
    TECHNICAL_ASSISTANCE_SCALE,
    YES,
)

Row = list[Any]
BEYOND_UNCAC_ORDER = 1_000  # after every chapter, whatever review_order the bank gives


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[Row]


@dataclass(frozen=True)
class CountryContext:
    """What every sheet needs: the snapshot, its scores by commitment, and the words."""

    snapshot: AssessmentSnapshot
    scores: AssessmentScores
    labels: Labels
    items: tuple[ItemSnapshot, ...]
    score_by_commitment: dict[str, CommitmentScore]

    @classmethod
    def build(
        cls, snapshot: AssessmentSnapshot, scores: AssessmentScores, labels: Labels
    ) -> CountryContext:
        items = tuple(sorted(snapshot.items, key=lambda item: item.commitment.paragraph))
        by_id = {score.commitment_id: score for score in scores.commitments}
        return cls(snapshot, scores, labels, items, by_id)

    @property
    def state_name(self) -> str:
        if self.labels.language == "zh":
            return self.snapshot.state_party_name_zh
        return self.snapshot.state_party_name_en

    def title(self, commitment: BankCommitment) -> str:
        return self.labels.bank_text(commitment.spec.title)

    def section(self, commitment: BankCommitment) -> str:
        return f"{commitment.section.number}. {self.labels.bank_text(commitment.section.title)}"

    def rating(self, scale_id: str, value: str | None) -> str:
        if value is None:
            return ""
        return option_label(self.snapshot.bank.scales.get(scale_id), value, self.labels.language)

    def chapter(self, reference: ArticleReference) -> str:
        return f"{reference.chapter.number}. {self.labels.bank_text(reference.chapter.title)}"

    def article(self, reference: ArticleReference) -> str:
        title = self.labels.bank_text(reference.article.title)
        link = self.labels.value_of("LinkType", reference.link)
        return f"{reference.ref} {title} ({link})"


def gap_analysis(context: CountryContext) -> Table:
    labels = context.labels
    columns = [
        Column(labels["col.section"], 22, CellKind.WRAP),
        Column(labels["col.paragraph"], 9, CellKind.INTEGER),
        Column(labels["col.commitment"], 30, CellKind.WRAP),
        Column(labels["col.source_text"], 50, CellKind.WRAP),
        Column(labels["col.uncac"], 24, CellKind.WRAP),
        Column(labels["col.irm_cycle"], 9),
        Column(labels["col.chapter"], 10),
        Column(labels["col.cluster"], 30, CellKind.WRAP),
        Column(labels["col.strength"], 12),
        Column(labels["col.weight"], 8, CellKind.DECIMAL),
        Column(labels["col.self_status"], 14, CellKind.WRAP),
        Column(labels["col.framework"], 16, CellKind.WRAP),
        Column(labels["col.practice"], 16, CellKind.WRAP),
        Column(labels["col.score"], 12, CellKind.PERCENT),
        Column(labels["col.gap"], 9, CellKind.PERCENT),
        Column(labels["col.basis"], 14, CellKind.WRAP),
        Column(labels["col.priority"], 10),
        Column(labels["col.observations"], 50, CellKind.WRAP),
        Column(labels["col.explanation"], 40, CellKind.WRAP),
    ]
    rows: list[Row] = []
    for item in context.items:
        commitment = item.commitment
        score = context.score_by_commitment.get(commitment.id)
        review = item.review
        rows.append(
            [
                context.section(commitment),
                commitment.paragraph,
                context.title(commitment),
                commitment.spec.text_zh,
                ", ".join(
                    f"{ref.ref} ({labels.value_of('LinkType', ref.link)})"
                    for ref in commitment.references
                ),
                ", ".join(str(cycle) for cycle in commitment.review_cycles),
                ", ".join(commitment.chapters),
                "; ".join(labels.bank_text(cluster.label) for cluster in commitment.clusters),
                labels.value(commitment.strength),
                commitment.weight,
                context.rating(STATUS_SCALE, item.status_answer),
                context.rating(FRAMEWORK_SCALE, review.framework and review.framework.value),
                context.rating(PRACTICE_SCALE, review.practice and review.practice.value),
                score.score if score else None,
                score.gap if score else None,
                labels.value(score.basis) if score else "",
                labels.value(score.priority) if score else "",
                review.observations,
                score.explanation if score else "",
            ]
        )
    return Table(columns, rows)


GAP_SCORE_COLUMN = 13  # where gap_analysis puts the score; the gap follows it


def _findings(context: CountryContext, kind: FindingKind) -> Iterator[tuple[ItemSnapshot, Finding]]:
    for item in context.items:
        for finding in item.review.findings:
            if finding.kind is kind:
                yield item, finding


def _commitment_columns(labels: Labels) -> list[Column]:
    return [
        Column(labels["col.section"], 22, CellKind.WRAP),
        Column(labels["col.paragraph"], 9, CellKind.INTEGER),
        Column(labels["col.commitment"], 30, CellKind.WRAP),
    ]


def _commitment_cells(context: CountryContext, commitment: BankCommitment) -> Row:
    return [context.section(commitment), commitment.paragraph, context.title(commitment)]


def good_practices(context: CountryContext) -> Table:
    labels = context.labels
    columns = [
        *_commitment_columns(labels),
        Column(labels["col.uncac"], 20, CellKind.WRAP),
        Column(labels["col.good_practice"], 80, CellKind.WRAP),
    ]
    rows = [
        [
            *_commitment_cells(context, item.commitment),
            ", ".join(ref.ref for ref in item.commitment.references),
            finding.text,
        ]
        for item, finding in _findings(context, FindingKind.GOOD_PRACTICE)
    ]
    return Table(columns, rows)


def challenges(context: CountryContext) -> Table:
    labels = context.labels
    snapshot = context.snapshot
    columns = [
        Column(labels["col.recommendation_id"], 20),
        *_commitment_columns(labels),
        Column(labels["col.strength"], 12),
        Column(labels["col.challenge"], 45, CellKind.WRAP),
        Column(labels["col.recommendation"], 45, CellKind.WRAP),
        Column(labels["col.suggested_wording"], 50, CellKind.WRAP),
        Column(labels["col.follow_up"], 14),
    ]
    rows: list[Row] = []
    position: dict[str, int] = {}
    for item, finding in _findings(context, FindingKind.CHALLENGE):
        commitment = item.commitment
        position[commitment.id] = position.get(commitment.id, 0) + 1
        rows.append(
            [
                recommendation_id(
                    finding,
                    snapshot.state_party_code,
                    snapshot.review_year,
                    commitment.paragraph,
                    position[commitment.id],
                ),
                *_commitment_cells(context, commitment),
                labels.value(commitment.strength),
                finding.text,
                finding.recommendation,
                suggested_wording(
                    labels,
                    commitment.strength,
                    context.state_name,
                    finding.recommendation,
                    commitment.paragraph,
                    context.title(commitment),
                ),
                labels.value(finding.follow_up),
            ]
        )
    return Table(columns, rows)


def technical_assistance(context: CountryContext) -> Table:
    """Needs the reviewers found and needs the state declared, sorted by type."""
    labels = context.labels
    columns = [
        Column(labels["col.ta_type"], 30, CellKind.WRAP),
        Column(labels["col.source"], 14),
        *_commitment_columns(labels),
        Column(labels["col.description"], 50, CellKind.WRAP),
        Column(labels["col.already_provided"], 12),
        Column(labels["col.provided_by"], 30, CellKind.WRAP),
    ]
    scale = context.snapshot.bank.scales.get(TECHNICAL_ASSISTANCE_SCALE)
    order = {option.value: index for index, option in enumerate(scale.options)} if scale else {}
    needs: list[tuple[str, int, Row]] = []
    for item in context.items:
        commitment = item.commitment
        for finding in item.review.findings:
            if finding.kind is FindingKind.TECHNICAL_ASSISTANCE:
                need_type = finding.technical_assistance_type
                needs.append(
                    (
                        need_type,
                        commitment.paragraph,
                        [
                            option_label(scale, need_type, labels.language),
                            labels["source.reviewers"],
                            *_commitment_cells(context, commitment),
                            finding.text,
                            labels.yes_no(finding.already_provided),
                            finding.provided_by,
                        ],
                    )
                )
        for need_type, description, provided, provided_by in declared_needs(item):
            needs.append(
                (
                    need_type,
                    commitment.paragraph,
                    [
                        option_label(scale, need_type, labels.language),
                        labels["source.state"],
                        *_commitment_cells(context, commitment),
                        description,
                        labels.yes_no(provided),
                        provided_by,
                    ],
                )
            )
    needs.sort(key=lambda need: (order.get(need[0], len(order)), need[1]))
    return Table(columns, [row for _, _, row in needs])


def declared_needs(item: ItemSnapshot) -> Iterator[tuple[str, str, bool | None, str]]:
    """(type, description, already provided, by whom) for each type the state asked for."""
    answers = item.answers
    if answers.get(TA_NEEDED_QUESTION) != YES:
        return
    types = answers.get(TA_TYPES_QUESTION)
    chosen = types if isinstance(types, list) and types else [""]
    provided_answer = answers.get(TA_PROVIDED_QUESTION)
    provided = None if provided_answer not in (YES, NO) else provided_answer == YES
    provided_by = str(answers.get(TA_PROVIDED_BY_QUESTION) or "")
    other = str(answers.get(TA_OTHER_QUESTION) or "")
    for need_type in chosen:
        yield need_type, other if need_type == OTHER else "", provided, provided_by


def by_article(context: CountryContext) -> Table:
    """Observations and findings under each article they touch, in the IRM's order."""
    labels = context.labels
    columns = [
        Column(labels["col.chapter"], 24, CellKind.WRAP),
        Column(labels["col.cluster"], 30, CellKind.WRAP),
        Column(labels["col.article"], 30, CellKind.WRAP),
        Column(labels["col.paragraph"], 9, CellKind.INTEGER),
        Column(labels["col.commitment"], 30, CellKind.WRAP),
        Column(labels["col.finding_kind"], 16),
        Column(labels["col.finding"], 50, CellKind.WRAP),
        Column(labels["col.recommendation"], 40, CellKind.WRAP),
        Column(labels["col.score"], 12, CellKind.PERCENT),
    ]
    placed: list[tuple[tuple[int, int, int, int], Row]] = []
    for item in context.items:
        entries = _review_entries(context, item)
        if not entries:
            continue
        commitment = item.commitment
        score = context.score_by_commitment.get(commitment.id)
        score_value = score.score if score else None
        places: list[tuple[tuple[int, int], list[str]]] = [
            (
                (ref.chapter.review_order, ref.article.number),
                [
                    context.chapter(ref),
                    labels.bank_text(ref.cluster.label) if ref.cluster else "",
                    context.article(ref),
                ],
            )
            for ref in commitment.references
        ] or [((BEYOND_UNCAC_ORDER, 0), [labels["value.beyond_uncac"], "", ""])]
        for place_key, place_cells in places:
            for entry_order, (kind_label, text, recommendation) in enumerate(entries):
                placed.append(
                    (
                        (*place_key, commitment.paragraph, entry_order),
                        [
                            *place_cells,
                            commitment.paragraph,
                            context.title(commitment),
                            kind_label,
                            text,
                            recommendation,
                            score_value,
                        ],
                    )
                )
    placed.sort(key=lambda entry: entry[0])
    return Table(columns, [row for _, row in placed])


def _review_entries(context: CountryContext, item: ItemSnapshot) -> list[tuple[str, str, str]]:
    labels = context.labels
    entries = []
    if item.review.observations:
        entries.append((labels["value.observations"], item.review.observations, ""))
    kinds = list(FindingKind)
    for finding in sorted(item.review.findings, key=lambda f: kinds.index(f.kind)):
        entries.append((labels.value(finding.kind), finding.text, finding.recommendation))
    return entries


def responses(context: CountryContext) -> Table:
    """Every answer, one row per question, in questionnaire order."""
    labels = context.labels
    columns = [
        Column(labels["col.paragraph"], 9, CellKind.INTEGER),
        Column(labels["col.question_id"], 30),
        Column(labels["col.question"], 60, CellKind.WRAP),
        Column(labels["col.answer"], 60, CellKind.WRAP),
    ]
    rows: list[Row] = []
    for item in context.items:
        commitment = item.commitment
        answered = {key for key, value in item.answers.items() if is_answered(value)}
        known = {question.id for question in commitment.questions}
        for question in commitment.questions:
            if question.id not in answered:
                continue
            value = item.answers[question.id]
            rows.append(
                [
                    commitment.paragraph,
                    question.key,
                    labels.bank_text(question.text),
                    answer_cell(question, value, labels.language),
                ]
            )
        for key in sorted(answered - known):  # answered under another bank version
            rows.append(
                [
                    commitment.paragraph,
                    f"{commitment.id}.{key}",
                    "",
                    answer_cell(None, item.answers[key], labels.language),
                ]
            )
    return Table(columns, rows)
