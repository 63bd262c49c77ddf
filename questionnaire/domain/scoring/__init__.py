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
counts as 0.5. Sums run in bank order, so the same answers always give identical figures.
"""

from __future__ import annotations

from questionnaire.domain.assessment import AssessmentSnapshot, ItemSnapshot
from questionnaire.domain.scoring.items import score_item
from questionnaire.domain.scoring.rollups import group_memberships, roll_up
from questionnaire.domain.scoring.rules import RatingScales, ScoringError
from questionnaire.domain.scoring.types import AssessmentScores

# The formulas above are split by step: bank names and thresholds in `rules`, one
# commitment in `items` (its explanation in `item_explanation`), groups in `rollups`, the
# result types in `types`. Callers import the engine from here.
__all__ = ["ScoringError", "group_memberships", "score_assessment"]


def score_assessment(snapshot: AssessmentSnapshot, *, explain: bool = True) -> AssessmentScores:
    """Scores of every assessable commitment in the snapshot and of every group they form.

    `explain=False` leaves every explanation empty: the cross-country workbook shows only
    figures, and writing a sentence for each of 195 × 71 commitments was a third of its
    scoring time. The figures are the same either way.
    """
    bank = snapshot.bank
    scales = RatingScales.of(bank)
    items = _scorable_items(snapshot)
    scores = tuple(score_item(item, scales, bank, explain=explain) for item in items)
    return AssessmentScores(
        assessment_id=snapshot.id,
        bank_id=bank.id,
        bank_version=bank.version,
        commitments=scores,
        rollups=tuple(roll_up(bank, items, scores, explain=explain)),
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
