"""Demo data at full scale: state parties answering, reviewers reviewing, every status.

Everything goes through the services real use goes through (assessments, answers,
evidence, reviews, workflow), so the demo shows what the application really produces and
breaks when they break. One `random.Random` per country, seeded from the seed and the
country code, makes the same seed give the same data in any database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.database import refresh_planner_statistics
from questionnaire.demo.answering import add_evidence, fill_questionnaire, provoke_conflict
from questionnaire.demo.country import CountryDemo
from questionnaire.demo.people import (
    FIRST_COUNTRY,
    DemoAccount,
    DemoAccounts,
    StateInfo,
    choose_countries,
    reviewing_states,
)
from questionnaire.demo.reviewing import ask_clarifications, review_answers
from questionnaire.demo.text import Language
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank.loader import read_bank_files
from questionnaire.domain.scope import Scope
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    Clarification,
    Comment,
    Evidence,
    FindingRecord,
    Role,
    StateParty,
)
from questionnaire.services import questionnaires, reviews, workflow
from questionnaire.services.accounts import SYSTEM
from questionnaire.services.assessments import assessment_question_bank, open_assessment
from questionnaire.services.bank_store import latest_bank_edition, load_bank_edition
from questionnaire.services.state_parties import load_state_parties_into
from questionnaire.services.transactions import transaction

MAX_COUNTRIES = 195
# Countries take the statuses in this order, so any eight include every status, and the
# first (China, the demo focal point's country) is a draft the focal point can work on.
STATUS_CYCLE = (
    WorkflowStatus.DRAFT,
    WorkflowStatus.IN_REVIEW,
    WorkflowStatus.SUBMITTED,
    WorkflowStatus.CLARIFICATION_REQUESTED,
    WorkflowStatus.ANSWERED,
    WorkflowStatus.REVIEW_COMPLETED,
    WorkflowStatus.FINALIZED,
)
# Share of commitments the reviewers have rated by the time an assessment has this status.
RATED_SHARE = {
    WorkflowStatus.IN_REVIEW: 0.4,
    WorkflowStatus.CLARIFICATION_REQUESTED: 0.5,
    WorkflowStatus.ANSWERED: 0.8,
    WorkflowStatus.REVIEW_COMPLETED: 1.0,
    WorkflowStatus.FINALIZED: 1.0,
}
CLARIFIED = frozenset(
    {
        WorkflowStatus.CLARIFICATION_REQUESTED,
        WorkflowStatus.ANSWERED,
        WorkflowStatus.REVIEW_COMPLETED,
        WorkflowStatus.FINALIZED,
    }
)
REVIEW_DONE = frozenset({WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED})
CONSENTS = ("full_report", "executive_summary", "confidential")
CONFLICT_SHARE = 0.3  # of the countries, those where two colleagues edit the same answer
ZH_SHARE = 0.25  # of the countries after China, those answering in Chinese


class DemoError(ValueError):
    """The demo cannot be generated as asked; the message says what to change."""


@dataclass(frozen=True)
class DemoRequest:
    countries: int
    seed: int
    password: str
    review_year: int
    base_accounts: tuple[DemoAccount, ...]
    bank_dir: Path


@dataclass
class DemoSummary:
    """What a run added, and what the review year holds afterwards."""

    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    accounts_created: int = 0
    conflicts: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    answers: int = 0
    findings: int = 0
    clarifications: int = 0
    comments: int = 0
    evidence: int = 0


def generate_demo(session: Session, request: DemoRequest) -> DemoSummary:
    """Create demo accounts, assessments, answers and reviews; countries done are skipped."""
    if not 1 <= request.countries <= MAX_COUNTRIES:
        raise DemoError(f"choose between 1 and {MAX_COUNTRIES} countries")
    _load_reference_data(session, request.bank_dir)
    summary = DemoSummary()
    accounts = DemoAccounts(session, request.password, request.base_accounts)
    # Plain values, not rows: the session is emptied after each country. Ordered by code so
    # the mapping's order never is the database's row order, which SQLite and PostgreSQL
    # need not share; whatever iterates it then draws from the same sequence on both.
    states = {
        row.code: StateInfo(row.code, row.name_en, row.name_zh, row.regional_group)
        for row in session.scalars(select(StateParty).order_by(StateParty.code))
    }
    groups = {code: state.regional_group for code, state in states.items()}
    chosen = choose_countries(groups, request.countries, request.seed)
    existing = set(
        session.scalars(
            select(Assessment.state_party_code).where(Assessment.review_year == request.review_year)
        )
    )
    for position, code in enumerate(chosen):
        if code in existing:
            summary.skipped.append(code)
            continue
        status = STATUS_CYCLE[position % len(STATUS_CYCLE)]
        country = _start_country(session, request, accounts, states, code, position)
        fill_questionnaire(country, complete=status is not WorkflowStatus.DRAFT)
        add_evidence(country)
        if country.rng.random() < CONFLICT_SHARE:
            summary.conflicts += provoke_conflict(country)
        _advance(country, status)
        summary.added.append(code)
        session.expunge_all()  # keeps the session small over 195 countries
    if summary.added:
        refresh_planner_statistics(session)
    summary.accounts_created = accounts.created
    _count(session, request.review_year, summary)
    return summary


def _load_reference_data(session: Session, bank_dir: Path) -> None:
    with transaction(session):
        load_state_parties_into(session)
        if latest_bank_edition(session) is None:
            load_bank_edition(session, read_bank_files(bank_dir), SYSTEM)


def _start_country(
    session: Session,
    request: DemoRequest,
    accounts: DemoAccounts,
    states: Mapping[str, StateInfo],
    code: str,
    position: int,
) -> CountryDemo:
    """A new draft assessment for the country, its reviewers assigned and its people ready."""
    rng = random.Random(f"{request.seed}:{code}")
    language: Language = "zh" if code == FIRST_COUNTRY or rng.random() < ZH_SHARE else "en"
    profile = rng.uniform(0.3, 0.9)
    state = states[code]
    secretariat = accounts.secretariat()
    assessment = open_assessment(
        session,
        secretariat,
        state_party_code=code,
        review_year=request.review_year,
        scope=Scope(),
        due_date=dt.date(request.review_year, 9, 30),
    )
    reviewers = [
        accounts.member(Role.REVIEWER, states[reviewing])
        for reviewing in reviewing_states(
            rng, states, state, position, accounts.demo_reviewer_states()
        )
    ]
    for reviewer in reviewers:
        reviews.assign_reviewer(session, secretariat, assessment, reviewer)
    return CountryDemo(
        session=session,
        state=state,
        year=request.review_year,
        rng=rng,
        language=language,
        profile=profile,
        assessment=assessment,
        bank=assessment_question_bank(assessment),
        secretariat=secretariat,
        focal_point=accounts.member(Role.FOCAL_POINT, state),
        contributor=accounts.member(Role.CONTRIBUTOR, state),
        reviewers=reviewers,
    )


def _advance(country: CountryDemo, status: WorkflowStatus) -> None:
    """Submit, review, clarify and close the answered assessment, as far as `status`."""
    session, assessment = country.session, country.assessment
    if status is WorkflowStatus.DRAFT:
        return
    questionnaires.submit(session, country.focal_point, assessment)
    if status is WorkflowStatus.SUBMITTED:
        return
    workflow.transition(session, country.secretariat, assessment, WorkflowStatus.IN_REVIEW)
    review_answers(country, RATED_SHARE[status])
    if status in CLARIFIED:
        ask_clarifications(country, answered=status is not WorkflowStatus.CLARIFICATION_REQUESTED)
    if status in REVIEW_DONE:
        workflow.transition(
            session, country.reviewers[0], assessment, WorkflowStatus.REVIEW_COMPLETED
        )
    if status is WorkflowStatus.FINALIZED:
        workflow.transition(session, country.secretariat, assessment, WorkflowStatus.FINALIZED)
        reviews.set_publication_consent(
            session, country.secretariat, assessment, country.rng.choice(CONSENTS)
        )


def _count(session: Session, year: int, summary: DemoSummary) -> None:
    """The review year's totals, whoever created them."""
    of_year = select(Assessment.id).where(Assessment.review_year == year)
    items = select(AssessmentItem.id).where(AssessmentItem.assessment_id.in_(of_year))
    summary.statuses = {
        status.value: count
        for status, count in session.execute(
            select(Assessment.status, func.count())
            .where(Assessment.review_year == year)
            .group_by(Assessment.status)
        )
    }
    totals = Counter(
        {
            model.__tablename__: session.scalar(
                select(func.count()).select_from(model).where(model.item_id.in_(items))
            )
            or 0
            for model in (Answer, FindingRecord, Clarification, Comment, Evidence)
        }
    )
    summary.answers = totals["answers"]
    summary.findings = totals["findings"]
    summary.clarifications = totals["clarifications"]
    summary.comments = totals["comments"]
    summary.evidence = totals["evidence"]
