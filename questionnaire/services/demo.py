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
from questionnaire.domain import demo_text
from questionnaire.domain.assessment import FindingKind, WorkflowStatus
from questionnaire.domain.bank import BankCommitment, BankQuestion
from questionnaire.domain.bank_loader import read_bank_files
from questionnaire.domain.bank_schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.demo_text import Language
from questionnaire.domain.recommendations import suggested_opening
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
    User,
    utc_now,
)
from questionnaire.services import evidence, questionnaires, reviews, workflow
from questionnaire.services.accounts import SYSTEM, create_user, find_user, hash_password
from questionnaire.services.answers import apply_values, current_answers, save_answers
from questionnaire.services.assessments import bank_for, open_assessment
from questionnaire.services.bank_store import latest_version, load_bank_version
from questionnaire.services.state_parties import load_state_parties_into
from questionnaire.services.transactions import transaction

S = WorkflowStatus
MAX_COUNTRIES = 195
# Countries take the statuses in this order, so any eight include every status, and the
# first (China, the demo focal point's country) is a draft the focal point can work on.
STATUS_CYCLE = (
    S.DRAFT,
    S.IN_REVIEW,
    S.SUBMITTED,
    S.CLARIFICATION_REQUESTED,
    S.ANSWERED,
    S.REVIEW_COMPLETED,
    S.FINALIZED,
)
GROUP_ORDER = (
    "asia_pacific",
    "western_european_other",
    "african",
    "latin_american_caribbean",
    "eastern_european",
)
FIRST_COUNTRY = "CHN"
# Share of commitments the reviewers have rated by the time an assessment has this status.
RATED_SHARE = {
    S.IN_REVIEW: 0.4,
    S.CLARIFICATION_REQUESTED: 0.5,
    S.ANSWERED: 0.8,
    S.REVIEW_COMPLETED: 1.0,
    S.FINALIZED: 1.0,
}
CLARIFIED = frozenset({S.CLARIFICATION_REQUESTED, S.ANSWERED, S.REVIEW_COMPLETED, S.FINALIZED})
CONSENTS = ("full_report", "executive_summary", "confidential")
# Demo reviewers of `users demo` take the first assessments they may review, so their
# log-ins show work in every status.
DEMO_REVIEWER_ASSESSMENTS = 8


class DemoError(ValueError):
    """The demo cannot be generated as asked; the message says what to change."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    state_party_code: str | None


@dataclass(frozen=True)
class StateInfo:
    code: str
    name_en: str
    name_zh: str
    regional_group: str


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
    accounts = _Accounts(session, request.password, request.base_accounts, summary)
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
        country = _Country(session, request, accounts, states, code, position, summary)
        country.build(status)
        summary.added.append(code)
        session.expunge_all()  # keeps the session small over 195 countries
    if summary.added:
        refresh_planner_statistics(session)
    _count(session, request.review_year, summary)
    return summary


def _load_reference_data(session: Session, bank_dir: Path) -> None:
    with transaction(session):
        load_state_parties_into(session)
        if latest_version(session) is None:
            load_bank_version(session, read_bank_files(bank_dir), SYSTEM)


def choose_countries(groups: Mapping[str, str], count: int, seed: int) -> list[str]:
    """China first, then the regional groups in turn, each in an order drawn from `seed`.

    `groups` maps each state party's code to its regional group.
    """
    rng = random.Random(f"countries:{seed}")
    by_group: dict[str, list[str]] = {}
    for code in sorted(groups):
        if code != FIRST_COUNTRY:
            by_group.setdefault(groups[code], []).append(code)
    queues = []
    for group in (*GROUP_ORDER, *sorted(set(by_group) - set(GROUP_ORDER))):
        codes = by_group.get(group, [])
        rng.shuffle(codes)
        queues.append(codes)
    chosen = [FIRST_COUNTRY]
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


class _Accounts:
    """Demo accounts by role and state, created on first use."""

    def __init__(
        self,
        session: Session,
        password: str,
        base_accounts: tuple[DemoAccount, ...],
        summary: DemoSummary,
    ) -> None:
        self.session = session
        self.summary = summary
        self._ids: dict[str, int] = {}
        with transaction(session):
            for account in base_accounts:
                self._ensure(account, password)
        # Hashing is slow by design; one hash serves every generated account, which all
        # share the demo password anyway.
        self._shared_hash = hash_password(password)
        self._secretariat = next(a.email for a in base_accounts if a.role is Role.SECRETARIAT)
        self._by_state = {(a.role, a.state_party_code): a.email for a in base_accounts}

    def _ensure(self, account: DemoAccount, password: str | None) -> int:
        user = find_user(self.session, account.email)
        if user is None:
            user = create_user(
                self.session,
                SYSTEM,
                email=account.email,
                name=account.name,
                role=account.role,
                state_party_code=account.state_party_code,
                password=password,
            )
            if password is None:
                user.password_hash = self._shared_hash
            self.summary.accounts_created += 1
        self._ids[account.email] = user.id
        return user.id

    def _user(self, email: str) -> User:
        user = self.session.get(User, self._ids[email])
        assert user is not None
        return user

    def secretariat(self) -> User:
        return self._user(self._secretariat)

    def member(self, role: Role, state: StateInfo) -> User:
        email = self._by_state.get((role, state.code))
        if email is None:
            prefix = {Role.FOCAL_POINT: "fp", Role.CONTRIBUTOR: "contributor"}.get(role, "reviewer")
            label = {
                Role.FOCAL_POINT: "Focal point",
                Role.CONTRIBUTOR: "Ministry contributor",
            }.get(role, "Governmental expert")
            email = f"{prefix}.{state.code.lower()}@demo.test"
            if email not in self._ids:
                self._ensure(
                    DemoAccount(email, f"{label} ({state.name_en})", role, state.code), None
                )
        return self._user(email)

    def demo_reviewer_states(self) -> list[str]:
        return sorted(code for role, code in self._by_state if role is Role.REVIEWER and code)


@dataclass
class _Filled:
    item: AssessmentItem
    commitment: BankCommitment
    values: dict[str, AnswerValue]


class _Country:
    """One state party's assessment, taken from creation to the status it is to reach."""

    def __init__(
        self,
        session: Session,
        request: DemoRequest,
        accounts: _Accounts,
        states: Mapping[str, StateInfo],
        code: str,
        position: int,
        summary: DemoSummary,
    ) -> None:
        self.session = session
        self.year = request.review_year
        self.accounts = accounts
        self.states = states
        self.state = states[code]
        self.position = position
        self.summary = summary
        self.rng = random.Random(f"{request.seed}:{code}")
        self.language: Language = (
            "zh" if code == FIRST_COUNTRY or self.rng.random() < 0.25 else "en"
        )
        self.profile = self.rng.uniform(0.3, 0.9)  # how far the country has implemented
        self.filled: list[_Filled] = []

    def build(self, status: S) -> None:
        secretariat = self.accounts.secretariat()
        self.assessment = open_assessment(
            self.session,
            secretariat,
            state_party_code=self.state.code,
            review_year=self.year,
            scope=Scope(),
            due_date=dt.date(self.year, 9, 30),
        )
        self.bank = bank_for(self.assessment)
        self.reviewers = [
            self.accounts.member(Role.REVIEWER, self.states[code])
            for code in self._reviewing_states()
        ]
        for reviewer in self.reviewers:
            reviews.assign_reviewer(self.session, secretariat, self.assessment, reviewer)
        self.focal_point = self.accounts.member(Role.FOCAL_POINT, self.state)
        self.contributor = self.accounts.member(Role.CONTRIBUTOR, self.state)
        self._answer(complete=status is not S.DRAFT)
        self._add_evidence()
        if self.rng.random() < 0.3:
            self._provoke_conflict()
        if status is S.DRAFT:
            return
        questionnaires.submit(self.session, self.focal_point, self.assessment)
        if status is S.SUBMITTED:
            return
        workflow.transition(self.session, secretariat, self.assessment, S.IN_REVIEW)
        self._review(RATED_SHARE[status])
        if status in CLARIFIED:
            self._clarify(answered=status is not S.CLARIFICATION_REQUESTED)
        if status in (S.REVIEW_COMPLETED, S.FINALIZED):
            workflow.transition(
                self.session, self.reviewers[0], self.assessment, S.REVIEW_COMPLETED
            )
        if status is S.FINALIZED:
            workflow.transition(self.session, secretariat, self.assessment, S.FINALIZED)
            reviews.set_publication_consent(
                self.session, secretariat, self.assessment, self.rng.choice(CONSENTS)
            )

    def _reviewing_states(self) -> list[str]:
        """Two reviewing states, one from the state's own regional group, as in the IRM."""
        group = self.state.regional_group
        same = sorted(c for c, s in self.states.items() if s.regional_group == group)
        other = sorted(c for c, s in self.states.items() if s.regional_group != group)
        same.remove(self.state.code)
        preferred = self.accounts.demo_reviewer_states()
        picks = []
        for candidates in (same, other):
            fitting = [c for c in preferred if c in candidates and c not in picks]
            if fitting and self.position < DEMO_REVIEWER_ASSESSMENTS:
                picks.append(fitting[0])
            else:
                picks.append(self.rng.choice(candidates))
        return picks

    # The state party's side.

    def _answer(self, complete: bool) -> None:
        """Fill the questionnaire in one transaction through `apply_values`."""
        share = 1.0 if complete else self.rng.uniform(0.25, 0.75)
        now = utc_now()
        with transaction(self.session):
            for item in self.assessment.items:
                if self.rng.random() >= share:
                    continue
                commitment = self.bank.commitment(item.commitment_id)
                values = answers_for(self.rng, commitment, self._context())
                if not complete and self.rng.random() < 0.3:
                    values = _leave_unfinished(self.rng, commitment, values)
                author = self.focal_point if self.rng.random() < 0.5 else self.contributor
                apply_values(
                    self.session,
                    author,
                    self.assessment,
                    item,
                    commitment,
                    values,
                    {},
                    now,
                    "online",
                )
                self.filled.append(_Filled(item, commitment, values))

    def _context(self) -> AnswerContext:
        return AnswerContext(self.state.code, self.language, self.year, self.profile)

    def _add_evidence(self) -> None:
        for filled in self.filled:
            if filled.values.get("status") in ("yes", "in_part") and self.rng.random() < 0.12:
                themes = filled.commitment.spec.themes
                enacted = self.rng.randint(self.year - 15, self.year - 2)
                evidence.add_link(
                    self.session,
                    self.focal_point,
                    self.assessment,
                    filled.item,
                    url=demo_text.evidence_url(self.state.code, themes, enacted),
                    title=demo_text.evidence_title(themes, self.language, enacted),
                )

    def _provoke_conflict(self) -> None:
        """Two colleagues edit the same answer from one version: the second gets a conflict."""
        candidates = [f for f in self.filled if isinstance(f.values.get("measures"), str)]
        if not candidates:
            return
        filled = self.rng.choice(candidates)
        base = {"measures": current_answers(self.session, filled.item.id)["measures"].version}
        themes = filled.commitment.spec.themes
        for author in (self.focal_point, self.contributor):
            text = demo_text.answer_text(self.rng, "measures", themes, self.language, self.year)
            result = save_answers(
                self.session, author, self.assessment, filled.item, {"measures": text}, base
            )
            self.summary.conflicts += len(result.conflicts)

    # The reviewers' side.

    def _review(self, share: float) -> None:
        types = frozenset(
            option.value for option in self.bank.scales["technical_assistance_types"].options
        )
        for position, filled in enumerate(self.filled):
            if self.rng.random() >= share:
                continue
            reviewer = self.reviewers[position % 2]
            status = filled.values.get("status")
            framework, practice, strength = _ratings(self.rng, status)
            themes = filled.commitment.spec.themes
            reviews.save_rating(
                self.session,
                reviewer,
                self.assessment,
                filled.item,
                framework=framework,
                practice=practice,
                observations=demo_text.observation_text(
                    self.rng, strength, themes, self.language, self.year
                ),
            )
            for finding in self._findings(filled, strength):
                reviews.add_finding(
                    self.session, reviewer, self.assessment, filled.item, finding, types
                )
            if self.rng.random() < 0.03:
                self._discuss(filled, reviewer)

    def _findings(self, filled: _Filled, strength: str) -> list[reviews.NewFinding]:
        themes = filled.commitment.spec.themes
        language, year, rng = self.language, self.year, self.rng
        found: list[reviews.NewFinding] = []
        if strength == "strong" and rng.random() < 0.25:
            text = demo_text.good_practice_text(rng, themes, language, year)
            found.append(reviews.NewFinding(FindingKind.GOOD_PRACTICE, text))
        if strength != "strong" and rng.random() < 0.6:
            name = self.state.name_zh if language == "zh" else self.state.name_en
            opening = suggested_opening(filled.commitment.strength, name, language)
            found.append(
                reviews.NewFinding(
                    FindingKind.CHALLENGE,
                    demo_text.challenge_text(rng, themes, language, year),
                    recommendation=demo_text.recommendation_text(
                        rng, opening, themes, language, year
                    ),
                )
            )
        needed = filled.values.get("ta_types")
        if isinstance(needed, list) and rng.random() < 0.5:
            provided = filled.values.get("ta_provided")
            found.append(
                reviews.NewFinding(
                    FindingKind.TECHNICAL_ASSISTANCE,
                    demo_text.technical_assistance_text(rng, themes, language, year),
                    technical_assistance_type=needed[0],
                    already_provided=None if provided is None else provided == "yes",
                    provided_by=str(filled.values.get("ta_provided_by") or ""),
                )
            )
        return found

    def _discuss(self, filled: _Filled, reviewer: User) -> None:
        themes = filled.commitment.spec.themes
        for author in (reviewer, self.focal_point):
            body = demo_text.comment_text(self.rng, themes, self.language, self.year)
            reviews.add_comment(self.session, author, self.assessment, filled.item, body)

    def _clarify(self, answered: bool) -> None:
        """Questions from the reviewers; answered and sent back unless `answered` is False."""
        asked = self.rng.sample(self.filled, min(len(self.filled), self.rng.randint(1, 3)))
        questions = []
        for position, filled in enumerate(asked):
            themes = filled.commitment.spec.themes
            text = demo_text.clarification_question(self.rng, themes, self.language, self.year)
            reviewer = self.reviewers[position % 2]
            clarification = reviews.ask_clarification(
                self.session, reviewer, self.assessment, filled.item, text
            )
            questions.append((filled, clarification))
        if not answered:
            return
        for filled, clarification in questions:
            themes = filled.commitment.spec.themes
            reply = demo_text.clarification_answer(self.rng, themes, self.language, self.year)
            reviews.answer_clarification(
                self.session,
                self.focal_point,
                self.assessment,
                filled.item,
                clarification.id,
                reply,
            )
        reviews.send_clarifications(self.session, self.focal_point, self.assessment)


# Answer values: every visible question of a commitment, consistent with its conditions.


@dataclass(frozen=True)
class AnswerContext:
    state_code: str
    language: Language
    year: int
    profile: float  # 0..1: how far the country has implemented; skews the choices


OPTIONAL_ANSWERED = 0.7


def answers_for(
    rng: random.Random, commitment: BankCommitment, context: AnswerContext
) -> dict[str, AnswerValue]:
    """Answers to every required question that shows, and to most optional ones.

    Conditions may refer to any question of the commitment, so passes repeat until no
    question appears or disappears; answers to questions that became hidden are dropped.
    """
    values: dict[str, AnswerValue] = {}
    skipped: set[str] = set()
    for _ in range(len(commitment.questions)):
        changed = False
        for question in commitment.questions:
            shown = question.condition is None or question.condition.holds(values)
            if not shown and question.id in values:
                del values[question.id]
                changed = True
            elif shown and question.id not in values and question.id not in skipped:
                if not question.required and rng.random() > OPTIONAL_ANSWERED:
                    skipped.add(question.id)
                    continue
                values[question.id] = _value(rng, question, commitment, context, values)
                changed = True
        if not changed:
            break
    return values


def _leave_unfinished(
    rng: random.Random, commitment: BankCommitment, values: dict[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """A commitment someone started: the status and part of the rest."""
    kept = {key: value for key, value in values.items() if key == "status" or rng.random() < 0.5}
    return {
        question.id: kept[question.id]
        for question in commitment.questions
        if question.id in kept and (question.condition is None or question.condition.holds(kept))
    }


def _value(
    rng: random.Random,
    question: BankQuestion,
    commitment: BankCommitment,
    context: AnswerContext,
    values: Mapping[str, AnswerValue],
) -> AnswerValue:
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return _single_choice(rng, question, context, values)
        case QuestionType.MULTIPLE_CHOICE:
            return _multiple_choice(rng, question, context)
        case QuestionType.NUMBER:
            return _number(rng, question, context)
        case QuestionType.DATE:
            return _date(rng, question, context)
        case QuestionType.LINK:
            slug = question.id.replace("_", "-")
            return f"https://example.gov.{context.state_code.lower()}/{slug}/{commitment.paragraph}"
        case _:
            themes = commitment.spec.themes
            return demo_text.answer_text(rng, question.id, themes, context.language, context.year)


def _single_choice(
    rng: random.Random,
    question: BankQuestion,
    context: AnswerContext,
    values: Mapping[str, AnswerValue],
) -> str:
    assert question.scale is not None
    options = [option.value for option in question.scale.options]
    if question.id == "status":
        gap = 1 - context.profile
        return rng.choices(options, weights=[context.profile, gap * 0.6, gap * 0.35, 0.04])[0]
    if question.id == "ta_needed":
        needed = 0.15 if values.get("status") == "yes" else 0.45
        return "yes" if rng.random() < needed else "no"
    # Scales list the strongest option first; a country further along picks it more often.
    ratio = 1.15 - context.profile
    return rng.choices(options, weights=[ratio**rank for rank in range(len(options))])[0]


def _multiple_choice(
    rng: random.Random, question: BankQuestion, context: AnswerContext
) -> list[str]:
    assert question.scale is not None
    options = [option.value for option in question.scale.options]
    if "none" in options and rng.random() < (1 - context.profile) * 0.15:
        return ["none"]
    chosen = [
        value
        for value in options
        if value not in ("none", "other") and rng.random() < 0.25 + 0.4 * context.profile
    ]
    if "other" in options and rng.random() < 0.08:
        chosen.append("other")
    return chosen or [next(value for value in options if value != "none")]


def _number(rng: random.Random, question: BankQuestion, context: AnswerContext) -> float:
    low = question.minimum or 0.0
    high = question.maximum if question.maximum is not None else 100000.0
    if low >= 1900:  # a year
        return float(min(high, context.year - rng.randint(1, 6)))
    if high <= 100:  # a share in per cent, or a small count such as months
        return float(rng.randint(int(max(low, high * 0.2)), int(high * 0.95)))
    return float(min(high, max(low, round(10 ** rng.uniform(0.5, 3.7)))))


def _date(rng: random.Random, question: BankQuestion, context: AnswerContext) -> str:
    if "target" in question.id or "due" in question.id:
        year = context.year + rng.randint(1, 3)
    else:
        year = context.year - rng.randint(1, 3)
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def _ratings(rng: random.Random, status: AnswerValue) -> tuple[str, str, str]:
    """Framework and practice ratings following the state's own answer, with some dissent."""
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
