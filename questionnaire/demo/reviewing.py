"""The reviewers' side of the demo: ratings, findings, comments and clarifications."""

from __future__ import annotations

import random

from questionnaire.demo import text as demo_text
from questionnaire.demo.country import AnsweredItem, CountryDemo
from questionnaire.domain.assessment import FindingKind
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.recommendations import recommendation_wording
from questionnaire.models import User
from questionnaire.services import reviews

DISCUSSED_SHARE = 0.03  # of the rated commitments, those with a comment thread


def review_answers(country: CountryDemo, share: float) -> None:
    """The two reviewers rate about `share` of the answered commitments, with findings."""
    rng = country.rng
    types = frozenset(
        option.value for option in country.bank.scales["technical_assistance_types"].options
    )
    for position, answered in enumerate(country.answered):
        if rng.random() >= share:
            continue
        reviewer = country.reviewers[position % 2]
        framework, practice, strength = ratings(rng, answered.values.get("status"))
        reviews.save_rating(
            country.session,
            reviewer,
            country.assessment,
            answered.item,
            framework=framework,
            practice=practice,
            observations=demo_text.observation_text(
                rng, strength, answered.commitment.spec.themes, country.language, country.year
            ),
        )
        for finding in findings_for(country, answered, strength):
            reviews.add_finding(
                country.session, reviewer, country.assessment, answered.item, finding, types
            )
        if rng.random() < DISCUSSED_SHARE:
            _discuss(country, answered, reviewer)


def ratings(rng: random.Random, status: AnswerValue) -> tuple[str, str, str]:
    """Framework and practice ratings following the state's own answer, with some dissent.

    The third value is the strength the findings follow: strong, partial or weak.
    """
    table = {
        "yes": (("fully", "high", "strong"), ("largely", "substantial", "strong")),
        "in_part": (("largely", "moderate", "partial"), ("partially", "moderate", "partial")),
        "no": (("partially", "low", "weak"), ("not_implemented", "low", "weak")),
        "not_applicable": (("not_applicable", "insufficient_evidence", "partial"),),
    }
    choices = table.get(str(status), (("partially", "insufficient_evidence", "partial"),))
    framework, practice, strength = rng.choice(choices)
    if practice != "insufficient_evidence" and rng.random() < 0.1:
        practice = "insufficient_evidence"
    return framework, practice, strength


def findings_for(
    country: CountryDemo, answered: AnsweredItem, strength: str
) -> list[reviews.NewFinding]:
    """A good practice for some strong answers, a challenge for many others, and technical
    assistance for half of the commitments where the state asked for it."""
    themes = answered.commitment.spec.themes
    language, year, rng = country.language, country.year, country.rng
    found: list[reviews.NewFinding] = []
    if strength == "strong" and rng.random() < 0.25:
        text = demo_text.good_practice_text(rng, themes, language, year)
        found.append(reviews.NewFinding(FindingKind.GOOD_PRACTICE, text))
    if strength != "strong" and rng.random() < 0.6:
        name = country.state.name_zh if language == "zh" else country.state.name_en
        opening = recommendation_wording(answered.commitment.strength, name, language)
        found.append(
            reviews.NewFinding(
                FindingKind.CHALLENGE,
                demo_text.challenge_text(rng, themes, language, year),
                recommendation=demo_text.recommendation_text(rng, opening, themes, language, year),
            )
        )
    needed = answered.values.get("ta_types")
    if isinstance(needed, list) and rng.random() < 0.5:
        provided = answered.values.get("ta_provided")
        found.append(
            reviews.NewFinding(
                FindingKind.TECHNICAL_ASSISTANCE,
                demo_text.technical_assistance_text(rng, themes, language, year),
                technical_assistance_type=needed[0],
                already_provided=None if provided is None else provided == "yes",
                provided_by=str(answered.values.get("ta_provided_by") or ""),
            )
        )
    return found


def _discuss(country: CountryDemo, answered: AnsweredItem, reviewer: User) -> None:
    """A reviewer comments and the focal point replies."""
    themes = answered.commitment.spec.themes
    for author in (reviewer, country.focal_point):
        body = demo_text.comment_text(country.rng, themes, country.language, country.year)
        reviews.add_comment(country.session, author, country.assessment, answered.item, body)


def ask_clarifications(country: CountryDemo, answered: bool) -> None:
    """One to three questions from the reviewers; answered and sent back if `answered`."""
    rng = country.rng
    asked = rng.sample(country.answered, min(len(country.answered), rng.randint(1, 3)))
    questions = []
    for position, item in enumerate(asked):
        themes = item.commitment.spec.themes
        text = demo_text.clarification_question(rng, themes, country.language, country.year)
        reviewer = country.reviewers[position % 2]
        clarification = reviews.ask_clarification(
            country.session, reviewer, country.assessment, item.item, text
        )
        questions.append((item, clarification))
    if not answered:
        return
    for item, clarification in questions:
        themes = item.commitment.spec.themes
        reply = demo_text.clarification_answer(rng, themes, country.language, country.year)
        reviews.answer_clarification(
            country.session,
            country.focal_point,
            country.assessment,
            item.item,
            clarification.id,
            reply,
        )
    reviews.send_clarifications(country.session, country.focal_point, country.assessment)
