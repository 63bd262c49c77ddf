"""Properties every score keeps, whatever the answers: bounds, N/A invariance, monotonicity,
weight normalisation, and agreement of the bulk path with the single one."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaire.domain.assessment import AssessmentSnapshot
from questionnaire.domain.bank.loader import load_bank
from questionnaire.domain.scoring import group_memberships, score_assessment
from questionnaire.domain.scoring.frame import score_many, snapshot_rows
from questionnaire.domain.scoring.types import AssessmentScores, Dimension, RollUp
from tests.domain.scoring_helpers import assert_same_figures, commitment, item, snapshot

# hypothesis refuses function-scoped fixtures, so the real bank is loaded once here
BANK = load_bank(Path(__file__).resolve().parents[2] / "question_bank")
ASSESSABLE = [c.paragraph for c in BANK.assessable()]
STATUS_ORDER = ["no", "in_part", "yes"]
FRAMEWORK_ORDER = ["not_implemented", "partially", "largely", "fully"]
PRACTICE_ORDER = ["low", "moderate", "substantial", "high"]
STATUSES = [*STATUS_ORDER, "not_applicable", None]
FRAMEWORKS = [*FRAMEWORK_ORDER, "not_applicable", None]
PRACTICES = [*PRACTICE_ORDER, "insufficient_evidence", None]
EXAMPLES = settings(max_examples=40, deadline=None)


@dataclass(frozen=True)
class Answer:
    paragraph: int
    status: str | None
    measures: bool
    framework: str | None
    practice: str | None

    @property
    def left_out(self) -> bool:
        """Not applicable and not rated: an item no score can come from."""
        return (
            self.status == "not_applicable"
            and self.framework in (None, "not_applicable")
            and self.practice in (None, "insufficient_evidence")
        )


def answers(paragraphs: list[int] = ASSESSABLE, min_size: int = 1) -> st.SearchStrategy:
    chosen = st.lists(st.sampled_from(paragraphs), min_size=min_size, max_size=30, unique=True)
    return chosen.flatmap(
        lambda numbers: st.tuples(
            *(
                st.builds(
                    Answer,
                    st.just(number),
                    st.sampled_from(STATUSES),
                    st.booleans(),
                    st.sampled_from(FRAMEWORKS),
                    st.sampled_from(PRACTICES),
                )
                for number in numbers
            )
        ).map(list)
    )


def build(given_answers: list[Answer], weight_factor: float = 1.0) -> AssessmentSnapshot:
    return snapshot(
        BANK,
        [
            item(
                BANK,
                a.paragraph,
                a.status,
                measures="law" if a.measures else None,
                framework=a.framework,
                practice=a.practice,
                weight=commitment(BANK, a.paragraph).weight * weight_factor,
            )
            for a in given_answers
        ],
    )


def by_group(scores: AssessmentScores) -> dict[tuple[Dimension, str], RollUp]:
    return {(r.dimension, r.key): r for r in scores.rollups}


def in_unit_interval(value: float | None) -> bool:
    return value is None or 0.0 <= value <= 1.0


@EXAMPLES
@given(answers())
def test_scores_and_gaps_stay_between_zero_and_one(given_answers: list[Answer]) -> None:
    scores = score_assessment(build(given_answers))
    for c in scores.commitments:
        figures = (c.self_score, c.reviewer_score, c.score, c.gap)
        assert all(in_unit_interval(figure) for figure in figures)
        assert (c.score is None) == (c.gap is None)
    for r in scores.rollups:
        assert in_unit_interval(r.score) and in_unit_interval(r.gap)
        assert 0 <= r.answered <= r.asked and 0.0 <= r.coverage <= 1.0


@EXAMPLES
@given(answers(), st.data())
def test_adding_not_applicable_items_changes_no_roll_up(
    given_answers: list[Answer], data: st.DataObject
) -> None:
    unused = [p for p in ASSESSABLE if p not in {a.paragraph for a in given_answers}]
    extra = data.draw(st.lists(st.sampled_from(unused), max_size=10, unique=True))
    reviews = st.sampled_from([(None, None), ("not_applicable", "insufficient_evidence")])
    added = [Answer(p, "not_applicable", False, *data.draw(reviews)) for p in extra]
    before = by_group(score_assessment(build(given_answers)))
    after = by_group(score_assessment(build(given_answers + added)))
    for key, rollup in after.items():
        if key in before:
            assert (rollup.score, rollup.weight_total) == (
                before[key].score,
                before[key].weight_total,
            )
        else:
            assert rollup.score is None


@EXAMPLES
@given(answers())
def test_removing_not_applicable_items_changes_no_roll_up(given_answers: list[Answer]) -> None:
    kept = [a for a in given_answers if not a.left_out]
    before = by_group(score_assessment(build(given_answers)))
    after = by_group(score_assessment(build(kept)))
    for key, rollup in before.items():
        assert rollup.score == (after[key].score if key in after else None)


@EXAMPLES
@given(answers(), st.data())
def test_a_better_status_or_rating_never_lowers_a_roll_up(
    given_answers: list[Answer], data: st.DataObject
) -> None:
    target = data.draw(st.integers(0, len(given_answers) - 1))
    axis, order = data.draw(
        st.sampled_from(
            [("status", STATUS_ORDER), ("framework", FRAMEWORK_ORDER), ("practice", PRACTICE_ORDER)]
        )
    )
    positions = st.lists(st.integers(0, len(order) - 1), min_size=2, max_size=2, unique=True)
    worse, better = sorted(data.draw(positions))
    lower = replace(given_answers[target], **{axis: order[worse]})
    higher = replace(given_answers[target], **{axis: order[better]})
    others = given_answers[:target], given_answers[target + 1 :]
    before = by_group(score_assessment(build([*others[0], lower, *others[1]])))
    after = by_group(score_assessment(build([*others[0], higher, *others[1]])))
    for key in group_memberships(commitment(BANK, lower.paragraph)):
        if before[key].score is not None:
            assert after[key].score is not None and after[key].score >= before[key].score


@EXAMPLES
@given(answers(), st.floats(min_value=0.01, max_value=100))
def test_scaling_every_weight_leaves_roll_ups_unchanged(
    given_answers: list[Answer], factor: float
) -> None:
    before = by_group(score_assessment(build(given_answers)))
    after = by_group(score_assessment(build(given_answers, weight_factor=factor)))
    assert before.keys() == after.keys()
    for key, rollup in before.items():
        if rollup.score is None:
            assert after[key].score is None
        else:
            assert math.isclose(after[key].score, rollup.score, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.lists(answers(), min_size=1, max_size=4))
def test_bulk_path_gives_the_same_figures(assessments: list[list[Answer]]) -> None:
    snapshots = [
        replace(build(given_answers), id=number) for number, given_answers in enumerate(assessments)
    ]
    rows = [row for s in snapshots for row in snapshot_rows(s)]
    assert_same_figures(score_many(BANK, rows), [score_assessment(s) for s in snapshots])


@EXAMPLES
@given(answers())
def test_scores_without_explanations_have_the_same_figures(given_answers: list[Answer]) -> None:
    snapshot_ = build(given_answers)
    explained = score_assessment(snapshot_)
    figures_only = score_assessment(snapshot_, explain=False)
    assert figures_only.commitments == tuple(
        replace(c, explanation="") for c in explained.commitments
    )
    assert figures_only.rollups == tuple(replace(r, explanation="") for r in explained.rollups)
    assert all(c.explanation for c in explained.commitments)  # there was something to leave out
