"""Scoring turns answers and reviews into scores, gaps and priorities a report can explain."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pandas as pd
import pytest

from questionnaire.domain.assessment import AssessmentSnapshot, ItemSnapshot
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.scoring import ScoringError, score_assessment
from questionnaire.domain.scoring.frame import (
    COMMITMENT_COLUMNS,
    ROLLUP_COLUMNS,
    ScoringRow,
    score_many,
    snapshot_rows,
)
from questionnaire.domain.scoring.types import AssessmentScores, Dimension, Priority, ScoreBasis
from tests.domain.scoring_helpers import assert_same_figures, commitment, item, snapshot

COMMIT = 3  # p3, national anti-corruption strategies: strength commit, weight 1.0
ENCOURAGE = 11  # p11, procurement in emergencies: strength encourage, weight 0.7
NOT_ASSESSABLE = 2  # p2 is addressed to UNODC


def score_one(bank: QuestionBank, paragraph: int, status: str | None, **review: object):
    scores = score_assessment(snapshot(bank, [item(bank, paragraph, status, **review)]))
    return scores.commitments[0]


def rollup(scores: AssessmentScores, dimension: Dimension, key: str):
    return next(r for r in scores.rollups if r.dimension is dimension and r.key == key)


SELF, REVIEWER, NO_BASIS = "self_assessment", "reviewer", "none"
# (status, measures, framework, practice, paragraph) →
#     (self, reviewer, score, basis, gap, priority, divergence, unsubstantiated)
RULES = [
    (("yes", "law", None, None, COMMIT), (1.0, None, 1.0, SELF, 0.0, "none", False, False)),
    (("yes", None, None, None, COMMIT), (1.0, None, 1.0, SELF, 0.0, "none", False, True)),
    (("in_part", None, None, None, COMMIT), (0.5, None, 0.5, SELF, 0.5, "medium", False, True)),
    (("in_part", "law", None, None, COMMIT), (0.5, None, 0.5, SELF, 0.5, "medium", False, False)),
    (("no", None, None, None, COMMIT), (0.0, None, 0.0, SELF, 1.0, "high", False, False)),
    (("no", None, None, None, ENCOURAGE), (0.0, None, 0.0, SELF, 1.0, "medium", False, False)),
    (
        ("not_applicable", None, None, None, COMMIT),
        (None, None, None, NO_BASIS, None, "none", False, False),
    ),
    ((None, None, None, None, COMMIT), (None, None, None, NO_BASIS, None, "none", False, False)),
    (("yes", "law", "fully", "high", COMMIT), (1.0, 1.0, 1.0, REVIEWER, 0.0, "none", False, False)),
    (
        ("yes", "law", "largely", "substantial", COMMIT),
        (1.0, 2 / 3, 2 / 3, REVIEWER, 1 / 3, "low", False, False),
    ),
    (
        ("yes", "law", "partially", "moderate", COMMIT),
        (1.0, 1 / 3, 1 / 3, REVIEWER, 2 / 3, "high", True, False),
    ),
    (
        ("yes", "law", "partially", "moderate", ENCOURAGE),
        (1.0, 1 / 3, 1 / 3, REVIEWER, 2 / 3, "medium", True, False),
    ),
    (
        ("yes", "law", "not_implemented", None, COMMIT),
        (1.0, 0.0, 0.0, REVIEWER, 1.0, "high", True, False),
    ),
    (("yes", "law", "fully", "low", COMMIT), (1.0, 0.5, 0.5, REVIEWER, 0.5, "medium", True, False)),
    (("no", None, "fully", "high", COMMIT), (0.0, 1.0, 1.0, REVIEWER, 0.0, "none", True, False)),
    (
        ("no", None, "largely", None, COMMIT),
        (0.0, 2 / 3, 2 / 3, REVIEWER, 1 / 3, "low", True, False),
    ),
    (
        ("in_part", "law", "largely", None, COMMIT),
        (0.5, 2 / 3, 2 / 3, REVIEWER, 1 / 3, "low", False, False),
    ),
    (
        ("in_part", "law", None, "moderate", COMMIT),
        (0.5, 1 / 3, 1 / 3, REVIEWER, 2 / 3, "medium", False, False),
    ),
    (
        ("in_part", "law", "not_applicable", "insufficient_evidence", COMMIT),
        (0.5, None, 0.5, SELF, 0.5, "medium", False, False),
    ),
    (
        ("no", None, "not_applicable", None, COMMIT),
        (0.0, None, 0.0, SELF, 1.0, "high", False, False),
    ),
    (
        (None, None, "not_implemented", "low", COMMIT),
        (None, 0.0, 0.0, REVIEWER, 1.0, "high", False, False),
    ),
    (
        ("not_applicable", None, None, "high", COMMIT),
        (None, 1.0, 1.0, REVIEWER, 0.0, "none", False, False),
    ),
]


@pytest.mark.parametrize(("given", "expected"), RULES)
def test_scoring_rules(bank: QuestionBank, given: tuple, expected: tuple) -> None:
    status, measures, framework, practice, paragraph = given
    result = score_one(
        bank, paragraph, status, measures=measures, framework=framework, practice=practice
    )
    self_score, reviewer_score, score, basis, gap, priority, divergence, unsubstantiated = expected
    assert result.self_status == status
    assert result.self_score == self_score
    assert result.reviewer_score == pytest.approx(reviewer_score)
    assert result.score == pytest.approx(score)
    assert result.basis is ScoreBasis(basis)
    assert result.gap == pytest.approx(gap)
    assert result.priority is Priority(priority)
    assert result.divergence is divergence
    assert result.unsubstantiated is unsubstantiated


def test_axis_scores_come_from_the_bank_scales(bank: QuestionBank) -> None:
    result = score_one(bank, COMMIT, "yes", framework="largely", practice="moderate")
    assert (result.framework_score, result.practice_score) == (2.0, 1.0)
    assert result.reviewer_score == pytest.approx(0.5)


def test_changing_a_bank_option_score_changes_the_self_score(bank: QuestionBank) -> None:
    status_scale = bank.scales["implementation_status"]
    options = [
        option.model_copy(update={"score": 0.6}) if option.value == "in_part" else option
        for option in status_scale.options
    ]
    scales = {
        **bank.scales,
        "implementation_status": status_scale.model_copy(update={"options": options}),
    }
    changed = replace(bank, scales=scales, _by_id={})
    result = score_assessment(snapshot(changed, [item(changed, COMMIT, "in_part")]))
    assert result.commitments[0].self_score == 0.6


def test_a_commitment_carries_its_bank_weight_and_identity(bank: QuestionBank) -> None:
    result = score_one(bank, ENCOURAGE, "yes")
    assert (result.commitment_id, result.paragraph, result.section_id) == (
        "pd2021.p11",
        11,
        "prevention",
    )
    assert (result.strength, result.weight) == ("encourage", 0.7)


def test_scores_carry_the_assessment_and_bank_version(bank: QuestionBank) -> None:
    scores = score_assessment(snapshot(bank, [item(bank, COMMIT, "yes")], assessment_id=42))
    assert (scores.assessment_id, scores.bank_id, scores.bank_version) == (42, "pd2021", 1)


def test_only_assessable_commitments_in_the_assessment_are_scored(bank: QuestionBank) -> None:
    scores = score_assessment(
        snapshot(
            bank, [item(bank, 5, "no"), item(bank, NOT_ASSESSABLE, "yes"), item(bank, 3, "yes")]
        )
    )
    assert [c.paragraph for c in scores.commitments] == [3, 5]  # bank order
    assert scores.overall().asked == 2


# roll-ups


def test_not_applicable_is_out_of_numerator_and_denominator(bank: QuestionBank) -> None:
    scores = score_assessment(
        snapshot(bank, [item(bank, 3, "yes"), item(bank, 5, "no"), item(bank, 9, "not_applicable")])
    )
    section = rollup(scores, Dimension.SECTION, "prevention")
    assert section.score == 0.5
    assert section.gap == 0.5
    assert (section.answered, section.asked, section.weight_total) == (2, 3, 2.0)
    assert section.coverage == pytest.approx(2 / 3)


def test_roll_up_is_the_weighted_mean(bank: QuestionBank) -> None:
    scores = score_assessment(
        snapshot(bank, [item(bank, COMMIT, "yes"), item(bank, ENCOURAGE, "no")])
    )
    section = rollup(scores, Dimension.SECTION, "prevention")
    assert section.score == pytest.approx((1.0 * 1 + 0.7 * 0) / 1.7)
    assert section.weight_total == pytest.approx(1.7)


def test_weight_zero_members_count_as_answered_but_not_in_the_mean(bank: QuestionBank) -> None:
    scores = score_assessment(
        snapshot(bank, [item(bank, 3, "yes"), item(bank, 5, "no", weight=0.0)])
    )
    overall = scores.overall()
    assert (overall.score, overall.answered, overall.asked, overall.weight_total) == (
        1.0,
        2,
        2,
        1.0,
    )
    assert "p5 (weight 0)" in overall.explanation


def test_a_group_with_nothing_scored_has_no_score(bank: QuestionBank) -> None:
    scores = score_assessment(snapshot(bank, [item(bank, 3, "not_applicable"), item(bank, 5)]))
    overall = scores.overall()
    assert (overall.score, overall.gap, overall.answered, overall.asked) == (None, None, 0, 2)
    assert overall.coverage == 0.0
    assert overall.explanation == (
        "no score: none of 2 commitments has a score and weight > 0; "
        "excluded: p3 (not applicable), p5 (unanswered)"
    )


def test_each_commitment_counts_once_per_chapter_article_and_cluster(bank: QuestionBank) -> None:
    # p1 cites ten articles of chapter II; p3 cites article 5 more than once
    scores = score_assessment(snapshot(bank, [item(bank, 1, "yes"), item(bank, 3, "no")]))
    assert rollup(scores, Dimension.CHAPTER, "II").asked == 2
    assert rollup(scores, Dimension.ARTICLE, "5").asked == 2
    assert rollup(scores, Dimension.CLUSTER, "policies_bodies").asked == 2
    assert rollup(scores, Dimension.ARTICLE, "14").asked == 1


def test_roll_ups_cover_every_dimension_with_bank_labels(bank: QuestionBank) -> None:
    scores = score_assessment(snapshot(bank, [item(bank, 16, "in_part")]))
    overall = scores.overall()
    assert (overall.key, overall.label_zh, overall.label_en) == ("all", "总体", "Overall")
    section = rollup(scores, Dimension.SECTION, "prevention")
    assert (section.label_zh, section.label_en) == ("预防措施", "Prevention")
    theme = rollup(scores, Dimension.THEME, "beneficial_ownership")
    assert theme.label_en == bank.themes["beneficial_ownership"].label.en
    chapter = rollup(scores, Dimension.CHAPTER, "V")
    assert chapter.label_en == "Asset recovery"
    article = rollup(scores, Dimension.ARTICLE, "52")
    assert article.label_zh == bank.uncac.articles[52].title.zh
    cluster = rollup(scores, Dimension.CLUSTER, "money_laundering_prevention")
    assert cluster.score == 0.5
    assert {d for d in Dimension} == {r.dimension for r in scores.rollups}


def test_only_groups_with_a_commitment_in_the_assessment_are_listed(bank: QuestionBank) -> None:
    scores = score_assessment(snapshot(bank, [item(bank, 3, "yes")]))
    assert [r.key for r in scores.by_dimension(Dimension.SECTION)] == ["prevention"]
    assert [r.key for r in scores.by_dimension(Dimension.CHAPTER)] == ["II"]
    assert scores.rollups[0].dimension is Dimension.OVERALL


def test_chapters_follow_the_irm_review_order(bank: QuestionBank) -> None:
    scores = score_assessment(snapshot(bank, [item(bank, 24, "yes"), item(bank, 16, "yes")]))
    chapters = [r.key for r in scores.by_dimension(Dimension.CHAPTER)]
    assert chapters == sorted(
        chapters, key=lambda n: next(c.review_order for c in bank.uncac.chapters if c.number == n)
    )


# explanations


def test_commitment_explanation_names_inputs_weight_and_bank_version(bank: QuestionBank) -> None:
    result = score_one(bank, COMMIT, "yes", framework="largely", practice="substantial")
    assert result.explanation == (
        "score 0.67 = reviewer (framework 2/3 + practice 2/3)/2; self Yes (1.0) differs by 0.33; "
        "gap 0.33, priority low (gap > 0); weight 1.0 (commit); bank pd2021 v1"
    )


@pytest.mark.parametrize(
    ("status", "review", "expected"),
    [
        ("in_part", {"measures": None}, "score 0.50 = self Yes, in part (0.5); no reviewer rating"),
        ("in_part", {"measures": None}, "unsubstantiated: no measure cited"),
        ("no", {}, "priority high (commit, status No, no reviewer rating)"),
        (
            "yes",
            {"framework": "partially"},
            "reviewer framework 1/3 (practice not rated, excluded)",
        ),
        ("yes", {"framework": "partially"}, "differs by 0.67 (divergence)"),
        (
            "yes",
            {"framework": "partially"},
            "priority high (commit, framework Partially implemented)",
        ),
        (
            "yes",
            {"framework": "fully", "practice": "insufficient_evidence"},
            "reviewer framework 3/3 (practice Insufficient evidence, excluded)",
        ),
        (
            "not_applicable",
            {"framework": "not_applicable"},
            "no score: self Not applicable; no reviewer rating (framework Not applicable, "
            "practice not rated); priority none (no score)",
        ),
        (None, {}, "no score: self unanswered; no reviewer rating"),
        (None, {"practice": "high"}, "self unanswered, not compared"),
    ],
)
def test_commitment_explanation_states_each_step(
    bank: QuestionBank, status: str | None, review: dict, expected: str
) -> None:
    assert expected in score_one(bank, COMMIT, status, **review).explanation


def test_explanation_says_when_a_commitment_sets_its_own_weight(bank: QuestionBank) -> None:
    base = commitment(bank, COMMIT)
    own = replace(base, spec=base.spec.model_copy(update={"weight": 0.8}), weight=0.8)
    result = score_assessment(
        snapshot(bank, [ItemSnapshot(commitment=own, answers={"status": "yes", "measures": "x"})])
    )
    assert "weight 0.8 (set for this commitment; commit)" in result.commitments[0].explanation


def test_roll_up_explanation_shows_the_sums_and_exclusions(bank: QuestionBank) -> None:
    scores = score_assessment(
        snapshot(
            bank,
            [
                item(bank, COMMIT, "yes", framework="largely", practice="substantial"),
                item(bank, ENCOURAGE, "in_part"),
                item(bank, 12, "not_applicable"),
                item(bank, 13),
            ],
        )
    )
    assert rollup(scores, Dimension.SECTION, "prevention").explanation == (
        "Σ w·score / Σ w = 1.02 / 1.70 = 0.60 over 2 of 4 commitments; "
        "excluded: p12 (not applicable), p13 (unanswered)"
    )


# bad input


def test_a_status_outside_the_scale_is_refused(bank: QuestionBank) -> None:
    with pytest.raises(ScoringError, match=r"status of pd2021.p3 'maybe' is not an option"):
        score_one(bank, COMMIT, "maybe")


def test_a_status_that_is_not_a_single_value_is_refused(bank: QuestionBank) -> None:
    bad = ItemSnapshot(commitment=commitment(bank, COMMIT), answers={"status": ["yes"]})
    with pytest.raises(ScoringError, match="must be one option value"):
        score_assessment(snapshot(bank, [bad]))


def test_a_rating_the_bank_scale_lacks_is_refused(bank: QuestionBank) -> None:
    framework = bank.scales["framework_rating"]
    options = [option for option in framework.options if option.value != "largely"]
    scales = {**bank.scales, "framework_rating": framework.model_copy(update={"options": options})}
    changed = replace(bank, scales=scales, _by_id={})
    with pytest.raises(ScoringError, match="framework of pd2021.p3 'largely' is not an option"):
        score_assessment(snapshot(changed, [item(changed, COMMIT, "yes", framework="largely")]))


def test_a_bank_without_a_scoring_scale_is_refused(bank: QuestionBank) -> None:
    scales = {k: v for k, v in bank.scales.items() if k != "practice_rating"}
    changed = replace(bank, scales=scales, _by_id={})
    with pytest.raises(ScoringError, match="has no scale practice_rating"):
        score_assessment(snapshot(changed, [item(changed, COMMIT, "yes")]))


def test_reviewer_scales_with_different_best_scores_are_refused(bank: QuestionBank) -> None:
    practice = bank.scales["practice_rating"]
    options = [
        o.model_copy(update={"score": 4}) if o.value == "high" else o for o in practice.options
    ]
    scales = {**bank.scales, "practice_rating": practice.model_copy(update={"options": options})}
    changed = replace(bank, scales=scales, _by_id={})
    with pytest.raises(ScoringError, match="must share the same positive best score"):
        score_assessment(snapshot(changed, [item(changed, COMMIT, "yes")]))


def test_a_commitment_from_another_bank_is_refused(bank: QuestionBank) -> None:
    base = commitment(bank, COMMIT)
    stranger = replace(base, spec=base.spec.model_copy(update={"id": "pd2021.p99"}))
    with pytest.raises(ScoringError, match="pd2021.p99 is not in bank pd2021 v1"):
        score_assessment(snapshot(bank, [ItemSnapshot(commitment=stranger, answers={})]))


def test_a_commitment_answered_twice_is_refused(bank: QuestionBank) -> None:
    with pytest.raises(ScoringError, match="pd2021.p3 appears twice in assessment 1"):
        score_assessment(snapshot(bank, [item(bank, 3, "yes"), item(bank, 3, "no")]))


@pytest.mark.parametrize("weight", [-0.5, math.nan])
def test_a_weight_below_zero_or_not_a_number_is_refused(bank: QuestionBank, weight: float) -> None:
    with pytest.raises(ScoringError, match="weight of pd2021.p3 is .*; it must be 0 or more"):
        score_one(bank, COMMIT, "yes", weight=weight)


# the bulk path


STATUSES = ["yes", "in_part", "no", "not_applicable", None]
FRAMEWORKS = ["fully", "largely", "partially", "not_implemented", "not_applicable", None]
PRACTICES = ["high", "substantial", "moderate", "low", "insufficient_evidence", None]


def random_snapshot(bank: QuestionBank, assessment_id: int, seed: int) -> AssessmentSnapshot:
    chooser = random.Random(seed)
    paragraphs = [c.paragraph for c in bank.commitments]
    chosen = chooser.sample(paragraphs, chooser.randint(1, len(paragraphs)))
    return snapshot(
        bank,
        [
            item(
                bank,
                paragraph,
                chooser.choice(STATUSES),
                measures=chooser.choice(["law", None]),
                framework=chooser.choice(FRAMEWORKS),
                practice=chooser.choice(PRACTICES),
            )
            for paragraph in chosen
        ],
        assessment_id,
    )


def test_bulk_scores_equal_single_scores_exactly(bank: QuestionBank) -> None:
    snapshots = [
        snapshot(
            bank,
            [
                item(bank, COMMIT, "yes", framework="largely", practice="substantial"),
                item(bank, ENCOURAGE, "in_part", measures=None),
                item(bank, 12, "not_applicable"),
                item(bank, 13),
                item(bank, 16, "no", framework="partially"),
                item(bank, NOT_ASSESSABLE, "yes"),
            ],
            assessment_id=7,
        ),
        *(
            random_snapshot(bank, assessment_id, seed=assessment_id)
            for assessment_id in range(8, 20)
        ),
    ]
    rows = [row for s in reversed(snapshots) for row in snapshot_rows(s)]  # any order in
    assert_same_figures(score_many(bank, rows), [score_assessment(s) for s in snapshots])


def test_bulk_scores_accept_tuples_plain_and_categorical_frames(bank: QuestionBank) -> None:
    rows = snapshot_rows(random_snapshot(bank, 1, seed=1))
    plain = pd.DataFrame(rows, columns=list(ScoringRow._fields))
    categorical = plain.astype({"commitment_id": "category", "status": "category"})
    from_tuples = score_many(bank, [tuple(row) for row in rows])
    for other in (score_many(bank, plain), score_many(bank, categorical)):
        pd.testing.assert_frame_equal(other.commitments, from_tuples.commitments)
        pd.testing.assert_frame_equal(other.rollups, from_tuples.rollups)


def test_bulk_scores_list_columns_and_section_roll_ups(bank: QuestionBank) -> None:
    result = score_many(
        bank, snapshot_rows(snapshot(bank, [item(bank, 3, "yes"), item(bank, 23, "no")]))
    )
    assert tuple(result.commitments.columns) == COMMITMENT_COLUMNS
    assert tuple(result.rollups.columns) == ROLLUP_COLUMNS
    sections = result.sections()
    assert list(sections["key"]) == ["prevention", "criminalization"]
    assert list(sections["score"]) == [1.0, 0.0]


def test_bulk_scores_of_no_rows_are_empty(bank: QuestionBank) -> None:
    result = score_many(bank, [])
    assert result.commitments.empty and result.rollups.empty
    assert tuple(result.rollups.columns) == ROLLUP_COLUMNS


def test_bulk_scores_treat_empty_cells_as_unanswered(bank: QuestionBank) -> None:
    result = score_many(bank, [(1, "pd2021.p3", "", None, "", None)])
    row = result.commitments.iloc[0]
    assert row["basis"] == "none" and math.isnan(row["score"]) and not row["unsubstantiated"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, "pd2021.p99", "yes", True, None, None)], "commitment_id 'pd2021.p99' is not one of"),
        (
            [(1, "pd2021.p3", "maybe", True, None, None)],
            "status 'maybe' is not one of yes, in_part",
        ),
        ([(1, "pd2021.p3", "yes", True, "great", None)], "framework 'great' is not one of fully"),
        ([(1, "pd2021.p3", "yes", True, None, "great")], "practice 'great' is not one of high"),
        (
            [(1, "pd2021.p3", "yes", True, None, None), (1, "pd2021.p3", "no", True, None, None)],
            "commitment pd2021.p3 appears twice in assessment 1",
        ),
        ([(None, "pd2021.p3", "yes", True, None, None)], "assessment_id is empty in 1 rows"),
        ([(1, "pd2021.p3", "yes")], r"each row needs 6 values .* got rows of \[3\]"),
        (pd.DataFrame({"assessment_id": [1]}), "rows lack column commitment_id, status"),
    ],
)
def test_bulk_scores_refuse_bad_rows(bank: QuestionBank, rows: object, message: str) -> None:
    with pytest.raises(ScoringError, match=message):
        score_many(bank, rows)  # type: ignore[arg-type]


def test_bulk_rescoring_of_195_assessments_is_fast(bank: QuestionBank) -> None:
    chooser = random.Random(195)
    rows = [
        (
            a,
            c.id,
            chooser.choice(STATUSES),
            chooser.random() < 0.8,
            chooser.choice(FRAMEWORKS),
            chooser.choice(PRACTICES),
        )
        for a in range(1, 196)
        for c in bank.assessable()
    ]
    frame = pd.DataFrame(rows, columns=list(ScoringRow._fields)).astype(
        {name: "category" for name in ("commitment_id", "status", "framework", "practice")}
    )
    result = score_many(bank, frame)  # its speed is measured by `make bench`, not here
    assert len(result.commitments) == 195 * 71
