"""Commitment scores rolled up into overall, section, theme, chapter, article and cluster
figures: the weighted means the reports compare states by.

The sums run member by member in bank order, so the same answers give the same figures to
the last bit however the assessment was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from questionnaire.domain.assessment import ItemSnapshot
from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.scoring.types import CommitmentScore, Dimension, RollUp
from questionnaire.domain.vocabulary import STATUS_NOT_APPLICABLE

OVERALL_KEY = "all"
OVERALL_LABEL_ZH = "总体"
OVERALL_LABEL_EN = "Overall"


@dataclass(frozen=True)
class RollUpGroup:
    """One group a roll-up is computed for, in report order."""

    dimension: Dimension
    key: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class _BankGroups:
    """What a bank's roll-ups need, worked out once per bank object, not per assessment:
    the cross-country workbook scores 195 assessments against the same bank."""

    bank: QuestionBank
    groups: tuple[RollUpGroup, ...]
    memberships: dict[str, tuple[BankCommitment, list[tuple[Dimension, str]]]]


_CACHED_BANKS = 8  # bank versions in use at once; stored banks are few
_by_bank: dict[int, _BankGroups] = {}


def _groups_of(bank: QuestionBank) -> _BankGroups:
    entry = _by_bank.get(id(bank))
    if entry is None or entry.bank is not bank:  # an id can be reused once a bank is gone
        memberships = {c.id: (c, group_memberships(c)) for c in bank.commitments}
        entry = _BankGroups(bank, _build_groups(bank), memberships)
        if len(_by_bank) >= _CACHED_BANKS:
            _by_bank.pop(next(iter(_by_bank)), None)
        _by_bank[id(bank)] = entry
    return entry


def rollup_groups(bank: QuestionBank) -> tuple[RollUpGroup, ...]:
    """Every group of the bank: overall, sections, themes, chapters (IRM order), articles,
    clusters. Reports list them in this order."""
    return _groups_of(bank).groups


def _build_groups(bank: QuestionBank) -> tuple[RollUpGroup, ...]:
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


def roll_up(
    bank: QuestionBank,
    items: Sequence[ItemSnapshot],
    scores: Sequence[CommitmentScore],
    *,
    explain: bool = True,
) -> Iterable[RollUp]:
    """The roll-up of every group with at least one commitment in the assessment."""
    cached = _groups_of(bank)
    members: dict[tuple[Dimension, str], list[tuple[BankCommitment, CommitmentScore]]] = {}
    for item, score in zip(items, scores, strict=True):
        commitment = item.commitment
        known = cached.memberships.get(commitment.id)
        keys = known[1] if known and known[0] is commitment else group_memberships(commitment)
        for key in keys:
            members.setdefault(key, []).append((commitment, score))
    for group in cached.groups:
        group_members = members.get((group.dimension, group.key))
        if group_members:
            yield _roll_up_group(group, group_members, explain)


def _roll_up_group(
    group: RollUpGroup, members: Sequence[tuple[BankCommitment, CommitmentScore]], explain: bool
) -> RollUp:
    """Σ w·score / Σ w over the scored members of weight > 0, with what was left out."""
    numerator = 0.0
    weight_total = 0.0
    counted = 0
    excluded: list[str] = []
    for commitment, score in members:
        if score.score is None:
            if explain:
                reason = (
                    "not applicable" if score.self_status == STATUS_NOT_APPLICABLE else "unanswered"
                )
                excluded.append(f"{_short_id(commitment)} ({reason})")
        elif score.weight <= 0:
            if explain:
                excluded.append(f"{_short_id(commitment)} (weight 0)")
        else:
            # plain left-to-right sums in bank order: the same figures to the last bit
            numerator += score.weight * score.score
            weight_total += score.weight
            counted += 1
    value = numerator / weight_total if weight_total > 0 else None
    answered = sum(1 for _, score in members if score.score is not None)
    if not explain:
        explanation = ""
    elif value is None:
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


def _short_id(commitment: BankCommitment) -> str:
    """`p12` rather than `pd2021.p12`: exclusion lists stay readable in a report cell."""
    return f"p{commitment.paragraph}"
