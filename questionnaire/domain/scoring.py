"""Scoring: one assessment's answers and reviews turned into figures a report can explain.

These scores are this application's own internal measure; the IRM itself rates nothing.
Only assessable commitments present in the assessment count. For each commitment:

- self score s = score of the `implementation_status` option chosen in the bank scale
  (Yes 1, Yes in part 0.5, No 0); Not applicable or unanswered → none (excluded).
- unsubstantiated = status is Yes or Yes in part and the `measures` answer is empty.
- framework f = score of the `framework_rating` option (fully 3, largely 2, partially 1,
  not implemented 0; not applicable → none); practice p = score of the `practice_rating`
  option (high 3, substantial 2, moderate 1, low 0; insufficient evidence → none).
  The numbers are read from the bank scales, not written into the code.
- reviewer score r = (mean of the rated axes among f and p) / 3; none if neither is rated.
- score = r if r exists, else s; basis = reviewer, self-assessment or none. gap = 1 − score.
- priority = HIGH if the commitment's strength is `commit` and (framework is partially or
  not implemented, or (no reviewer rating and status is No)); else MEDIUM if gap ≥ 0.5;
  else LOW if gap > 0; else NONE. NONE whenever there is no score.
- divergence = s and r both exist and |s − r| ≥ 0.5.
- weight w = the commitment's weight in the bank: its strength's default
  (`strength_weights`), unless the commitment sets its own `weight`.

Roll-ups, overall ("all") and by section, theme, UNCAC chapter, article and IRM cluster
(a commitment counts once in every group it belongs to, however many references it has):

- score = Σ w·score / Σ w over members with a score and w > 0; members not applicable,
  unanswered or of weight 0 are out of both sums. No score when Σ w = 0. gap = 1 − score.
- asked = assessable members in the assessment; answered = members with a score;
  coverage = answered / asked.
- labels (zh / en) come from the bank: section titles, theme labels, UNCAC chapter and
  article titles, IRM cluster labels; overall is 总体 / Overall. Groups are listed overall,
  sections, themes, chapters (IRM review order), articles, clusters; only groups with at
  least one commitment in the assessment appear.

Every figure carries an explanation, e.g. "score 0.67 = reviewer (framework 2/3 +
practice 2/3)/2; self Yes (1.0) differs by 0.33; gap 0.33, priority low (gap > 0);
weight 1.0 (commit); bank pd2021 v1" or "Σ w·score / Σ w = 3.20 / 4.70 = 0.68 over 5 of 6
commitments; excluded: p12 (not applicable), p13 (unanswered)".

Thresholds (0.5, > 0) are compared with a 1e-9 tolerance, so 0.5 computed as 0.4999…
counts as 0.5. Sums run in bank order so that `scoring_frame` gives identical figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import AssessmentSnapshot, ItemSnapshot
from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.bank_schema import Scale, Strength
from questionnaire.domain.score_types import (
    AssessmentScores,
    CommitmentScore,
    Dimension,
    Priority,
    RollUp,
    ScoreBasis,
)

STATUS_SCALE = "implementation_status"
FRAMEWORK_SCALE = "framework_rating"
PRACTICE_SCALE = "practice_rating"
STATUS_QUESTION = "status"
MEASURES_QUESTION = "measures"
STATUS_NOT_APPLICABLE = "not_applicable"
STATUS_NO = "no"
SUBSTANTIATED_STATUSES = frozenset({"yes", "in_part"})
HIGH_PRIORITY_FRAMEWORK = frozenset({"partially", "not_implemented"})
MEDIUM_PRIORITY_GAP = 0.5
DIVERGENCE_THRESHOLD = 0.5
TOLERANCE = 1e-9
OVERALL_KEY = "all"
OVERALL_LABEL_ZH = "总体"
OVERALL_LABEL_EN = "Overall"


class ScoringError(ValueError):
    """An assessment that cannot be scored against its bank; the message says what to fix."""


@dataclass(frozen=True)
class RatingScales:
    """The three bank scales scoring reads, with the top of the reviewer scales."""

    status: Scale
    framework: Scale
    practice: Scale
    top: float  # the best reviewer rating (3): reviewer score = mean rating / top

    @classmethod
    def of(cls, bank: QuestionBank) -> RatingScales:
        missing = [
            name
            for name in (STATUS_SCALE, FRAMEWORK_SCALE, PRACTICE_SCALE)
            if name not in bank.scales
        ]
        if missing:
            raise ScoringError(
                f"bank {bank.id} v{bank.version} has no scale {', '.join(missing)}; "
                "scoring reads its option scores from there"
            )
        framework, practice = bank.scales[FRAMEWORK_SCALE], bank.scales[PRACTICE_SCALE]
        tops = {_top(framework), _top(practice)}
        if len(tops) != 1 or next(iter(tops)) <= 0:
            raise ScoringError(
                f"scales {FRAMEWORK_SCALE} and {PRACTICE_SCALE} must share the same positive "
                f"best score; they have {sorted(tops)}"
            )
        return cls(bank.scales[STATUS_SCALE], framework, practice, tops.pop())


def _top(scale: Scale) -> float:
    return max((option.score for option in scale.options if option.score is not None), default=0)


def _option_scores(scale: Scale) -> dict[str, float | None]:
    """Score of every option value; None for options that are left out (N/A, no evidence)."""
    return {option.value: option.score for option in scale.options}


def _option_label(scale: Scale, value: str) -> str:
    return next(option.label.en for option in scale.options if option.value == value)


def _option_score(scale: Scale, value: str | None, what: str) -> float | None:
    if value is None:
        return None
    scores = _option_scores(scale)
    if value not in scores:
        raise ScoringError(
            f"{what} {value!r} is not an option of scale {scale.id} "
            f"({', '.join(scores)}); correct the answer or reload the bank it was given in"
        )
    return scores[value]


def _short_id(commitment: BankCommitment) -> str:
    return f"p{commitment.paragraph}"


@dataclass(frozen=True)
class RollUpGroup:
    """One group a roll-up is computed for, in report order."""

    dimension: Dimension
    key: str
    label_zh: str
    label_en: str


def rollup_groups(bank: QuestionBank) -> tuple[RollUpGroup, ...]:
    """Every group of the bank: overall, sections, themes, chapters (IRM order), articles,
    clusters. Reports list them in this order."""
    chapters = sorted(bank.uncac.chapters, key=lambda chapter: chapter.review_order)
    return (
        RollUpGroup(Dimension.OVERALL, OVERALL_KEY, OVERALL_LABEL_ZH, OVERALL_LABEL_EN),
        *(RollUpGroup(Dimension.SECTION, s.id, s.title.zh, s.title.en) for s in bank.sections),
        *(RollUpGroup(Dimension.THEME, t.id, t.label.zh, t.label.en) for t in bank.themes.values()),
        *(RollUpGroup(Dimension.CHAPTER, c.number, c.title.zh, c.title.en) for c in chapters),
        *(
            RollUpGroup(Dimension.ARTICLE, str(number), a.title.zh, a.title.en)
            for number, a in sorted(bank.uncac.articles.items())
        ),
        *(
            RollUpGroup(Dimension.CLUSTER, c.id, c.label.zh, c.label.en)
            for c in bank.uncac.clusters
        ),
    )


def group_memberships(commitment: BankCommitment) -> list[tuple[Dimension, str]]:
    """The groups a commitment belongs to, each once."""
    keys = [(Dimension.OVERALL, OVERALL_KEY), (Dimension.SECTION, commitment.section.id)]
    keys += [(Dimension.THEME, theme) for theme in commitment.spec.themes]
    keys += [(Dimension.CHAPTER, chapter) for chapter in commitment.chapters]
    keys += [(Dimension.ARTICLE, str(ref.article.number)) for ref in commitment.references]
    keys += [(Dimension.CLUSTER, cluster.id) for cluster in commitment.clusters]
    return list(dict.fromkeys(keys))


def score_assessment(snapshot: AssessmentSnapshot) -> AssessmentScores:
    """Scores of every assessable commitment in the snapshot and of every group they form."""
    bank = snapshot.bank
    scales = RatingScales.of(bank)
    items = _scorable_items(snapshot)
    scores = tuple(score_item(item, scales, bank) for item in items)
    return AssessmentScores(
        assessment_id=snapshot.id,
        bank_id=bank.id,
        bank_version=bank.version,
        commitments=scores,
        rollups=tuple(_roll_up(bank, items, scores)),
    )


def _scorable_items(snapshot: AssessmentSnapshot) -> list[ItemSnapshot]:
    """Assessable items in bank order; refuses items the bank does not know or repeats."""
    bank = snapshot.bank
    position = {commitment.id: index for index, commitment in enumerate(bank.commitments)}
    seen: set[str] = set()
    for item in snapshot.items:
        commitment_id = item.commitment.id
        if commitment_id not in position:
            raise ScoringError(
                f"commitment {commitment_id} is not in bank {bank.id} v{bank.version}; "
                "score the assessment with the bank version it was answered in"
            )
        if commitment_id in seen:
            raise ScoringError(
                f"commitment {commitment_id} appears twice in assessment {snapshot.id}"
            )
        seen.add(commitment_id)
    items = [item for item in snapshot.items if item.commitment.assessable]
    return sorted(items, key=lambda item: position[item.commitment.id])


def score_item(item: ItemSnapshot, scales: RatingScales, bank: QuestionBank) -> CommitmentScore:
    """The score of one commitment, by the formulas in the module docstring."""
    commitment = item.commitment
    weight = commitment.weight
    if not math.isfinite(weight) or weight < 0:
        raise ScoringError(f"weight of {commitment.id} is {weight}; it must be 0 or more")
    status = _status(item)
    self_score = _option_score(scales.status, status, f"status of {commitment.id}")
    framework = item.review.framework.value if item.review.framework else None
    practice = item.review.practice.value if item.review.practice else None
    framework_score = _option_score(scales.framework, framework, f"framework of {commitment.id}")
    practice_score = _option_score(scales.practice, practice, f"practice of {commitment.id}")
    rated = [axis for axis in (framework_score, practice_score) if axis is not None]
    reviewer_score = math.fsum(rated) / len(rated) / scales.top if rated else None
    score = reviewer_score if reviewer_score is not None else self_score
    gap = None if score is None else 1 - score
    unsubstantiated = status in SUBSTANTIATED_STATUSES and not is_answered(
        item.answers.get(MEASURES_QUESTION)
    )
    high = _is_high_priority(commitment.strength, framework, reviewer_score is None, status)
    divergence = (
        self_score is not None
        and reviewer_score is not None
        and abs(self_score - reviewer_score) >= DIVERGENCE_THRESHOLD - TOLERANCE
    )
    result = CommitmentScore(
        commitment_id=commitment.id,
        paragraph=commitment.paragraph,
        section_id=commitment.section.id,
        strength=commitment.strength.value,
        weight=weight,
        self_status=status,
        self_score=self_score,
        unsubstantiated=unsubstantiated,
        framework_score=framework_score,
        practice_score=practice_score,
        reviewer_score=reviewer_score,
        score=score,
        basis=_basis(reviewer_score, self_score),
        gap=gap,
        priority=_priority_of(gap, high),
        divergence=divergence,
        explanation="",
    )
    explanation = _explain_commitment(result, commitment, scales, framework, practice, bank)
    return replace(result, explanation=explanation)


def _status(item: ItemSnapshot) -> str | None:
    value = item.answers.get(STATUS_QUESTION)
    if not is_answered(value):
        return None
    if not isinstance(value, str):
        raise ScoringError(
            f"status of {item.commitment.id} must be one option value, e.g. 'yes'; got {value!r}"
        )
    return value


def _basis(reviewer_score: float | None, self_score: float | None) -> ScoreBasis:
    if reviewer_score is not None:
        return ScoreBasis.REVIEWER
    if self_score is not None:
        return ScoreBasis.SELF_ASSESSMENT
    return ScoreBasis.NONE


def _is_high_priority(
    strength: Strength, framework: str | None, unrated: bool, status: str | None
) -> bool:
    """A firm commitment whose framework falls short, or that the state says it has not met."""
    if strength is not Strength.COMMIT:
        return False
    return framework in HIGH_PRIORITY_FRAMEWORK or (unrated and status == STATUS_NO)


def _priority_of(gap: float | None, high: bool) -> Priority:
    if gap is None:
        return Priority.NONE
    if high:
        return Priority.HIGH
    if gap >= MEDIUM_PRIORITY_GAP - TOLERANCE:
        return Priority.MEDIUM
    if gap > TOLERANCE:
        return Priority.LOW
    return Priority.NONE


def _explain_commitment(
    score: CommitmentScore,
    commitment: BankCommitment,
    scales: RatingScales,
    framework: str | None,
    practice: str | None,
    bank: QuestionBank,
) -> str:
    """Every input and step behind one commitment's score, in one line."""
    axes = [
        ("framework", scales.framework, framework, score.framework_score),
        ("practice", scales.practice, practice, score.practice_score),
    ]
    rated = [f"{name} {value:g}/{scales.top:g}" for name, _, _, value in axes if value is not None]
    unrated = [
        f"{name} {_option_label(scale, chosen) if chosen else 'not rated'}"
        for name, scale, chosen, value in axes
        if value is None
    ]
    if score.reviewer_score is not None:
        mean = f"({' + '.join(rated)})/{len(rated)}" if len(rated) > 1 else rated[0]
        head = f"score {score.score:.2f} = reviewer {mean}"
        if unrated:
            head += f" ({unrated[0]}, excluded)"
    else:
        reviewer = "no reviewer rating"
        if framework or practice:
            reviewer += f" ({', '.join(unrated)})"
        if score.self_score is not None:
            head = f"score {score.score:.2f} = self {_self_text(score, scales)}; {reviewer}"
        else:
            head = f"no score: self {_self_text(score, scales)}; {reviewer}"
    parts = [head]
    if score.reviewer_score is not None:
        if score.self_score is None:
            parts.append(f"self {_self_text(score, scales)}, not compared")
        else:
            difference = abs(score.self_score - score.reviewer_score)
            flag = " (divergence)" if score.divergence else ""
            parts.append(f"self {_self_text(score, scales)} differs by {difference:.2f}{flag}")
    if score.unsubstantiated:
        parts.append("unsubstantiated: no measure cited")
    parts.append(_priority_text(score, framework, scales))
    parts.append(_weight_text(commitment))
    parts.append(f"bank {bank.id} v{bank.version}")
    return "; ".join(parts)


def _self_text(score: CommitmentScore, scales: RatingScales) -> str:
    if score.self_status is None:
        return "unanswered"
    label = _option_label(scales.status, score.self_status)
    return f"{label} ({score.self_score})" if score.self_score is not None else label


def _priority_text(score: CommitmentScore, framework: str | None, scales: RatingScales) -> str:
    if score.gap is None:
        return "priority none (no score)"
    gap = f"gap {score.gap:.2f}"
    match score.priority:
        case Priority.HIGH if framework in HIGH_PRIORITY_FRAMEWORK:
            label = _option_label(scales.framework, framework)
            return f"{gap}, priority high (commit, framework {label})"
        case Priority.HIGH:
            return f"{gap}, priority high (commit, status No, no reviewer rating)"
        case Priority.MEDIUM:
            return f"{gap}, priority medium (gap ≥ {MEDIUM_PRIORITY_GAP})"
        case Priority.LOW:
            return f"{gap}, priority low (gap > 0)"
    return f"{gap}, priority none"


def _weight_text(commitment: BankCommitment) -> str:
    strength = commitment.strength.value
    if commitment.spec.weight is not None:
        return f"weight {commitment.weight} (set for this commitment; {strength})"
    return f"weight {commitment.weight} ({strength})"


def _roll_up(
    bank: QuestionBank, items: Sequence[ItemSnapshot], scores: Sequence[CommitmentScore]
) -> Iterable[RollUp]:
    """The roll-up of every group with at least one commitment in the assessment."""
    members: dict[tuple[Dimension, str], list[tuple[BankCommitment, CommitmentScore]]] = {}
    for item, score in zip(items, scores, strict=True):
        for key in group_memberships(item.commitment):
            members.setdefault(key, []).append((item.commitment, score))
    for group in rollup_groups(bank):
        group_members = members.get((group.dimension, group.key))
        if group_members:
            yield _roll_up_group(group, group_members)


def _roll_up_group(
    group: RollUpGroup, members: Sequence[tuple[BankCommitment, CommitmentScore]]
) -> RollUp:
    """Σ w·score / Σ w over the scored members of weight > 0, with what was left out."""
    numerator = 0.0
    weight_total = 0.0
    counted = 0
    excluded: list[str] = []
    for commitment, score in members:
        if score.score is None:
            reason = (
                "not applicable" if score.self_status == STATUS_NOT_APPLICABLE else "unanswered"
            )
            excluded.append(f"{_short_id(commitment)} ({reason})")
        elif score.weight <= 0:
            excluded.append(f"{_short_id(commitment)} (weight 0)")
        else:
            # plain left-to-right sums: scoring_frame adds in the same order, to the last bit
            numerator += score.weight * score.score
            weight_total += score.weight
            counted += 1
    value = numerator / weight_total if weight_total > 0 else None
    answered = sum(1 for _, score in members if score.score is not None)
    if value is None:
        explanation = f"no score: none of {len(members)} commitments has a score and weight > 0"
    else:
        explanation = (
            f"Σ w·score / Σ w = {numerator:.2f} / {weight_total:.2f} = {value:.2f} "
            f"over {counted} of {len(members)} commitments"
        )
    if excluded:
        explanation += f"; excluded: {', '.join(excluded)}"
    return RollUp(
        dimension=group.dimension,
        key=group.key,
        label_zh=group.label_zh,
        label_en=group.label_en,
        score=value,
        gap=None if value is None else 1 - value,
        answered=answered,
        asked=len(members),
        weight_total=weight_total,
        explanation=explanation,
    )
