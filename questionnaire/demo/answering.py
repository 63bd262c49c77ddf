"""The state party's side of the demo: answers, evidence links and an editing conflict."""

from __future__ import annotations

from questionnaire.demo import text as demo_text
from questionnaire.demo.answer_values import answers_for, leave_unfinished
from questionnaire.demo.country import AnsweredItem, CountryDemo
from questionnaire.models import utc_now
from questionnaire.services import evidence
from questionnaire.services.answers import apply_values, current_answers, save_answers
from questionnaire.services.transactions import transaction

UNFINISHED_SHARE = 0.3  # of the commitments answered in a draft, those left half done
EVIDENCE_SHARE = 0.12  # of the commitments implemented at least in part, those with a link


def fill_questionnaire(country: CountryDemo, complete: bool) -> None:
    """Answer every commitment, or some of them if not `complete`, in one transaction."""
    rng = country.rng
    share = 1.0 if complete else rng.uniform(0.25, 0.75)
    now = utc_now()
    with transaction(country.session):
        for item in country.assessment.items:
            if rng.random() >= share:
                continue
            commitment = country.bank.commitment(item.commitment_id)
            values = answers_for(rng, commitment, country.answer_context())
            if not complete and rng.random() < UNFINISHED_SHARE:
                values = leave_unfinished(rng, commitment, values)
            author = country.focal_point if rng.random() < 0.5 else country.contributor
            apply_values(
                country.session,
                author,
                country.assessment,
                item,
                commitment,
                values,
                {},
                now,
                "online",
            )
            country.answered.append(AnsweredItem(item, commitment, values))


def add_evidence(country: CountryDemo) -> None:
    """Links to fictional laws for some of the commitments implemented at least in part."""
    rng = country.rng
    for answered in country.answered:
        if answered.values.get("status") in ("yes", "in_part") and rng.random() < EVIDENCE_SHARE:
            themes = answered.commitment.spec.themes
            enacted = rng.randint(country.year - 15, country.year - 2)
            evidence.add_link(
                country.session,
                country.focal_point,
                country.assessment,
                answered.item,
                url=demo_text.evidence_url(country.state.code, themes, enacted),
                title=demo_text.evidence_title(themes, country.language, enacted),
            )


def provoke_conflict(country: CountryDemo) -> int:
    """Two colleagues edit the same answer from one version: the second gets a conflict.

    Returns the number of conflicts the services reported.
    """
    candidates = [a for a in country.answered if isinstance(a.values.get("measures"), str)]
    if not candidates:
        return 0
    answered = country.rng.choice(candidates)
    base = {"measures": current_answers(country.session, answered.item.id)["measures"].revision}
    themes = answered.commitment.spec.themes
    conflicts = 0
    for author in (country.focal_point, country.contributor):
        text = demo_text.answer_text(
            country.rng, "measures", themes, country.language, country.year
        )
        result = save_answers(
            country.session,
            author,
            country.assessment,
            answered.item,
            {"measures": text},
            base,
        )
        conflicts += len(result.conflicts)
    return conflicts
