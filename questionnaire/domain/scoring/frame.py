"""Scoring many assessments at once from flat rows, for a full rescoring after a bank change.

The formulas are those of `scoring` (see its docstring), applied to whole columns: option
values become pandas categorical codes, codes index small arrays of option scores, and
roll-ups are weighted sums per (assessment, group) bin. Figures are identical to
`score_assessment`, to the last bit; only the explanations are left out.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import AssessmentSnapshot
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Scale, Strength
from questionnaire.domain.scoring.rollups import group_memberships, rollup_groups
from questionnaire.domain.scoring.rules import (
    DIVERGENCE_THRESHOLD,
    HIGH_PRIORITY_FRAMEWORK,
    MEDIUM_PRIORITY_GAP,
    TOLERANCE,
    RatingScales,
    ScoringError,
)
from questionnaire.domain.scoring.types import Dimension, Priority, ScoreBasis
from questionnaire.domain.vocabulary import (
    MEASURES_QUESTION,
    STATUS_NO,
    SUBSTANTIATED_STATUSES,
)


class ScoringRow(NamedTuple):
    """One commitment of one assessment, as a database query returns it."""

    assessment_id: int
    commitment_id: str
    status: str | None
    measures_present: bool  # the `measures` question has an answer
    framework: str | None
    practice: str | None


ROW_COLUMNS = ScoringRow._fields
COMMITMENT_COLUMNS = (
    "assessment_id",
    "commitment_id",
    "paragraph",
    "section_id",
    "strength",
    "weight",
    "self_status",
    "self_score",
    "unsubstantiated",
    "framework_score",
    "practice_score",
    "reviewer_score",
    "score",
    "basis",
    "gap",
    "priority",
    "divergence",
)
ROLLUP_COLUMNS = (
    "assessment_id",
    "dimension",
    "key",
    "label_zh",
    "label_en",
    "score",
    "gap",
    "answered",
    "asked",
    "weight_total",
)
BASIS_ORDER = (ScoreBasis.REVIEWER, ScoreBasis.SELF_ASSESSMENT, ScoreBasis.NONE)
PRIORITY_ORDER = (Priority.HIGH, Priority.MEDIUM, Priority.LOW, Priority.NONE)


@dataclass(frozen=True)
class FrameScores:
    """Per-commitment scores (CommitmentScore without the explanation) and roll-ups.

    Missing figures are NaN; text columns are categorical. Rows are ordered by assessment
    id, then bank order (commitments) or report order (roll-ups, as `rollup_groups`).
    """

    commitments: pd.DataFrame
    rollups: pd.DataFrame

    def sections(self) -> pd.DataFrame:
        return self.rollups[self.rollups["dimension"] == Dimension.SECTION.value]


def snapshot_rows(snapshot: AssessmentSnapshot) -> list[ScoringRow]:
    """The flat rows `score_many` reads, taken from one snapshot."""
    return [
        ScoringRow(
            snapshot.id,
            item.commitment.id,
            item.status_answer,
            is_answered(item.answers.get(MEASURES_QUESTION)),
            item.review.framework.value if item.review.framework else None,
            item.review.practice.value if item.review.practice else None,
        )
        for item in snapshot.items
    ]


@dataclass(frozen=True)
class _BankArrays:
    """The bank as arrays indexed by commitment position (bank order)."""

    ids: list[str]
    assessable: np.ndarray
    paragraph: np.ndarray
    weight: np.ndarray
    firm: np.ndarray  # strength is `commit`
    section: pd.Categorical
    strength: pd.Categorical
    # Every (group, member) pair: groups with at least one assessable commitment in report
    # order, the members of each in bank order.
    member_group: np.ndarray
    member_commitment: np.ndarray
    groups: dict[str, pd.Categorical]  # dimension, key, label_zh, label_en by group

    @classmethod
    def of(cls, bank: QuestionBank) -> _BankArrays:
        commitments = bank.commitments
        members: dict[tuple[Dimension, str], list[int]] = {}
        for position, commitment in enumerate(commitments):
            if not commitment.assessable:
                continue  # never scored, so kept out of the sums
            for key in group_memberships(commitment):
                members.setdefault(key, []).append(position)
        groups = [g for g in rollup_groups(bank) if (g.dimension, g.key) in members]
        member_lists = [members[(g.dimension, g.key)] for g in groups]
        return cls(
            ids=[c.id for c in commitments],
            assessable=np.array([c.assessable for c in commitments], dtype=bool),
            paragraph=np.array([c.paragraph for c in commitments], dtype=np.int64),
            weight=np.array([c.weight for c in commitments], dtype=np.float64),
            firm=np.array([c.strength is Strength.COMMIT for c in commitments], dtype=bool),
            section=pd.Categorical(
                [c.section.id for c in commitments], categories=[s.id for s in bank.sections]
            ),
            strength=pd.Categorical(
                [c.strength.value for c in commitments], categories=[s.value for s in Strength]
            ),
            member_group=np.array(
                [g for g, m in enumerate(member_lists) for _ in m], dtype=np.int64
            ),
            member_commitment=np.array([c for m in member_lists for c in m], dtype=np.int64),
            groups={
                "dimension": pd.Categorical(
                    [g.dimension.value for g in groups], [d.value for d in Dimension]
                ),
                **{
                    name: pd.Categorical([getattr(g, name) for g in groups])
                    for name in ("key", "label_zh", "label_en")
                },
            },
        )


_CACHE: dict[int, tuple[weakref.ref[QuestionBank], _BankArrays]] = {}
_CACHE_SIZE = 8


def _bank_arrays(bank: QuestionBank) -> _BankArrays:
    """Arrays of a bank, built once per bank object (a bank never changes once loaded)."""
    cached = _CACHE.get(id(bank))
    if cached is not None and cached[0]() is bank:
        return cached[1]
    arrays = _BankArrays.of(bank)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(bank)] = (weakref.ref(bank), arrays)
    return arrays


def score_many(bank: QuestionBank, rows: pd.DataFrame | Iterable[Sequence[object]]) -> FrameScores:
    """Scores of many assessments from flat rows (columns as `ScoringRow`).

    Rows of commitments that are not assessable are ignored, as in `score_assessment`.
    An empty `status` means unanswered; `framework` / `practice` empty means not rated.
    """
    scales = RatingScales.of(bank)
    arrays = _bank_arrays(bank)
    frame = _as_frame(rows)
    commitment = _codes(frame["commitment_id"], arrays.ids, "commitment_id")
    keep = arrays.assessable[commitment]
    frame, commitment = frame[keep], commitment[keep]
    assessment_code, assessment_ids = pd.factorize(frame["assessment_id"], sort=True)
    if (assessment_code < 0).any():
        raise ScoringError(
            f"assessment_id is empty in {(assessment_code < 0).sum()} rows; every row needs one"
        )
    _refuse_duplicates(assessment_code, commitment, assessment_ids, arrays.ids)
    order = np.lexsort((commitment, assessment_code))
    frame, commitment, assessment_code = (
        frame.iloc[order],
        commitment[order],
        assessment_code[order],
    )
    scores = _commitment_scores(frame, commitment, arrays, scales)
    commitments = _commitment_frame(
        assessment_ids.take(assessment_code), commitment, arrays, scales, scores
    )
    rollups = _rollups(assessment_code, assessment_ids, commitment, arrays, scores)
    return FrameScores(commitments, rollups)


def _as_frame(rows: pd.DataFrame | Iterable[Sequence[object]]) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        missing = [column for column in ROW_COLUMNS if column not in rows.columns]
        if missing:
            raise ScoringError(
                f"rows lack column {', '.join(missing)}; give {', '.join(ROW_COLUMNS)}"
            )
        return rows.loc[:, list(ROW_COLUMNS)].reset_index(drop=True)
    records = list(rows)
    widths = {len(record) for record in records}
    if widths - {len(ROW_COLUMNS)}:
        raise ScoringError(
            f"each row needs {len(ROW_COLUMNS)} values ({', '.join(ROW_COLUMNS)}); "
            f"got rows of {sorted(widths)}"
        )
    return pd.DataFrame.from_records(records, columns=list(ROW_COLUMNS))


def _codes(column: pd.Series, values: Sequence[str], name: str) -> np.ndarray:
    """Codes of `column` in `values` order, -1 for empty cells; refuses any other value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # recode the few categories, not the many cells: the fast path for bulk rescoring
        position = {value: index for index, value in enumerate(values)}
        categories = list(column.cat.categories)
        recode = np.array([*(position.get(c, -1) for c in categories), -1], dtype=np.int64)
        cell_codes = column.cat.codes.to_numpy()
        strays = [i for i, c in enumerate(categories) if recode[i] == -1 and c != ""]
        unknown = column[np.isin(cell_codes, strays)] if strays else column.iloc[:0]
        codes = recode[cell_codes]
    else:
        codes = pd.Index(values).get_indexer(column).astype(np.int64)
        leftover = column[codes == -1]
        unknown = leftover[leftover.notna() & (leftover != "")]
    if len(unknown):
        bad = sorted({str(value) for value in unknown})
        raise ScoringError(
            f"{name} {', '.join(map(repr, bad[:5]))} is not one of {', '.join(values[:8])}"
            f"{', …' if len(values) > 8 else ''}"
        )
    return codes


def _refuse_duplicates(
    assessment: np.ndarray, commitment: np.ndarray, ids: pd.Index, commitment_ids: list[str]
) -> None:
    pair = assessment * len(commitment_ids) + commitment
    unique, counts = np.unique(pair, return_counts=True)
    if (counts > 1).any():
        first = unique[counts > 1][0]
        raise ScoringError(
            f"commitment {commitment_ids[first % len(commitment_ids)]} appears twice in "
            f"assessment {ids[first // len(commitment_ids)]}"
        )


def _lookup(scale: Scale, codes: np.ndarray) -> np.ndarray:
    """Option scores by code; NaN for options without a score and for empty cells (-1)."""
    table = [np.nan if option.score is None else option.score for option in scale.options]
    return np.array([*table, np.nan])[codes]


def _commitment_scores(
    frame: pd.DataFrame, commitment: np.ndarray, arrays: _BankArrays, scales: RatingScales
) -> dict[str, np.ndarray]:
    status_values = [option.value for option in scales.status.options]
    framework_values = [option.value for option in scales.framework.options]
    status = _codes(frame["status"], status_values, "status")
    framework = _codes(frame["framework"], framework_values, "framework")
    practice = _codes(frame["practice"], [o.value for o in scales.practice.options], "practice")
    self_score = _lookup(scales.status, status)
    framework_score = _lookup(scales.framework, framework)
    practice_score = _lookup(scales.practice, practice)
    rated = (~np.isnan(framework_score)).astype(np.float64) + ~np.isnan(practice_score)
    total = np.nan_to_num(framework_score) + np.nan_to_num(practice_score)
    reviewer = np.full(len(frame), np.nan)
    np.divide(total, rated, out=reviewer, where=rated > 0)
    reviewer /= scales.top
    unrated = np.isnan(reviewer)
    score = np.where(unrated, self_score, reviewer)
    gap = 1 - score
    is_no = _value_mask(status, status_values, {STATUS_NO})
    falls_short = _value_mask(framework, framework_values, HIGH_PRIORITY_FRAMEWORK)
    high = arrays.firm[commitment] & (falls_short | (unrated & is_no))
    scored = ~np.isnan(score)
    with np.errstate(invalid="ignore"):
        medium = gap >= MEDIUM_PRIORITY_GAP - TOLERANCE
        low = gap > TOLERANCE
        divergence = np.abs(self_score - reviewer) >= DIVERGENCE_THRESHOLD - TOLERANCE
    measures = frame["measures_present"].eq(True).to_numpy(dtype=bool)  # empty cells: False
    return {
        "status": status,
        "self_score": self_score,
        "unsubstantiated": _value_mask(status, status_values, SUBSTANTIATED_STATUSES) & ~measures,
        "framework_score": framework_score,
        "practice_score": practice_score,
        "reviewer_score": reviewer,
        "score": score,
        "basis": np.select([~unrated, scored], [0, 1], 2),
        "gap": gap,
        "priority": np.select([~scored, high, medium, low], [3, 0, 1, 2], 3),
        "divergence": divergence,
    }


def _value_mask(codes: np.ndarray, values: Sequence[str], chosen: Iterable[str]) -> np.ndarray:
    wanted = np.array([*(value in set(chosen) for value in values), False])
    return wanted[codes]


def _commitment_frame(
    assessment_ids: pd.Index,
    commitment: np.ndarray,
    arrays: _BankArrays,
    scales: RatingScales,
    scores: dict[str, np.ndarray],
) -> pd.DataFrame:
    status_values = [option.value for option in scales.status.options]
    columns = {
        "assessment_id": assessment_ids.to_numpy(),
        "commitment_id": pd.Categorical.from_codes(commitment, categories=arrays.ids),
        "paragraph": arrays.paragraph[commitment],
        "section_id": arrays.section.take(commitment),
        "strength": arrays.strength.take(commitment),
        "weight": arrays.weight[commitment],
        "self_status": pd.Categorical.from_codes(scores["status"], categories=status_values),
        "basis": pd.Categorical.from_codes(
            scores["basis"], categories=[b.value for b in BASIS_ORDER]
        ),
        "priority": pd.Categorical.from_codes(
            scores["priority"], categories=[p.value for p in PRIORITY_ORDER]
        ),
    }
    columns |= {
        name: scores[name] for name in COMMITMENT_COLUMNS if name not in columns and name in scores
    }
    return pd.DataFrame({name: columns[name] for name in COMMITMENT_COLUMNS})


def _rollups(
    assessment: np.ndarray,
    assessment_ids: pd.Index,
    commitment: np.ndarray,
    arrays: _BankArrays,
    scores: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Σ w·score, Σ w, answered and asked per (assessment, group)."""
    score = scores["score"]
    weight = arrays.weight[commitment]
    scored = ~np.isnan(score)
    counted = scored & (weight > 0)
    assessment_count = len(assessment_ids)
    group_count = len(arrays.groups["key"])
    # bincount walks its input in order: for each (group, assessment) bin it adds the
    # members one by one in bank order, as rollups._roll_up_group does, so the float sums
    # agree to the last bit.
    bins = (arrays.member_group[:, None] * assessment_count + np.arange(assessment_count)).ravel()
    size = group_count * assessment_count

    def per_bin(values: np.ndarray) -> np.ndarray:
        by_commitment = np.zeros((len(arrays.ids), assessment_count))
        by_commitment[commitment, assessment] = values
        sums = np.bincount(bins, by_commitment[arrays.member_commitment].ravel(), size)
        return sums.reshape(group_count, assessment_count).T.ravel()  # assessment first

    numerator = per_bin(np.where(counted, weight * np.nan_to_num(score), 0.0))
    weight_total = per_bin(np.where(counted, weight, 0.0))
    answered = per_bin(scored.astype(np.float64))
    asked = per_bin(np.ones(len(commitment)))
    present = np.flatnonzero(asked)
    rollup_score = np.full(len(present), np.nan)
    np.divide(
        numerator[present], weight_total[present], out=rollup_score, where=weight_total[present] > 0
    )
    group = present % group_count
    return pd.DataFrame(
        {
            "assessment_id": assessment_ids.take(present // group_count).to_numpy(),
            **{name: column.take(group) for name, column in arrays.groups.items()},
            "score": rollup_score,
            "gap": 1 - rollup_score,
            "answered": answered[present].astype(np.int64),
            "asked": asked[present].astype(np.int64),
            "weight_total": weight_total[present],
        }
    )
