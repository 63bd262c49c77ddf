"""Creating assessments from the bank, and reading their progress."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from questionnaire.domain.answers import ItemProgress
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.scope import Scope, select_commitments
from questionnaire.models import Assessment, AssessmentItem, StateParty, User
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.audit import record
from questionnaire.services.bank_store import latest_bank_edition, question_bank_of_edition
from questionnaire.services.transactions import transaction


class AssessmentError(ValueError):
    """An assessment cannot be created as asked; the message says why."""


def open_assessment(
    session: Session,
    actor: User,
    *,
    state_party_code: str,
    review_year: int,
    scope: Scope,
    due_date: dt.date | None = None,
) -> Assessment:
    """Open one assessment (the secretariat's page); commits, or changes nothing."""
    with transaction(session):
        return create_assessment(
            session,
            actor,
            state_party_code=state_party_code,
            review_year=review_year,
            scope=scope,
            due_date=due_date,
        )


def create_assessment(
    session: Session,
    actor: User,
    *,
    state_party_code: str,
    review_year: int,
    scope: Scope,
    due_date: dt.date | None = None,
) -> Assessment:
    """Generate a questionnaire frozen to the current bank version, within the caller's
    transaction (`open_assessment` and the bulk opening commit it)."""
    if not access.is_secretariat(actor):
        raise AssessmentError("only the secretariat opens assessments")
    if not 2021 <= review_year <= 2100:
        raise AssessmentError("the review year must be between 2021 and 2100")
    state = session.get(StateParty, state_party_code.upper())
    if state is None:
        raise AssessmentError(f"unknown state party {state_party_code!r}")
    version = latest_bank_edition(session)
    if version is None:
        raise AssessmentError("no question bank is loaded; load it with `flask bank load`")
    commitments = select_commitments(question_bank_of_edition(version), scope)
    assessment = Assessment(
        state_party_code=state.code,
        review_year=review_year,
        bank_version_id=version.id,
        scope=scope.as_dict(),
        created_by_id=actor.id,
        due_date=due_date,
    )
    taken = f"{state.name_en} already has an assessment for {review_year}"
    if has_assessment(session, state.code, review_year):
        raise AssessmentError(taken)
    # A savepoint: opened at the same moment by someone else undoes this one alone, so a
    # bulk opening keeps the assessments it made before.
    try:
        with session.begin_nested():
            session.add(assessment)
            session.flush()
    except IntegrityError:
        raise AssessmentError(taken) from None
    session.add_all(
        AssessmentItem(
            assessment_id=assessment.id,
            commitment_id=commitment.id,
            paragraph=commitment.paragraph,
            position=position,
        )
        for position, commitment in enumerate(commitments)
    )
    record(
        session,
        Actor.of(actor),
        "assessment.created",
        assessment,
        {
            "state_party": state.code,
            "year": review_year,
            "bank_version": version.version,
            "commitments": len(commitments),
            "scope": scope.as_dict(),
        },
    )
    return assessment


def has_assessment(session: Session, state_party_code: str, review_year: int) -> bool:
    return (
        session.scalar(
            select(Assessment.id).where(
                Assessment.state_party_code == state_party_code,
                Assessment.review_year == review_year,
            )
        )
        is not None
    )


def mark_changed(session: Session, assessment_id: int) -> None:
    """Raise the assessment's revision, in SQL so concurrent changes all count: cached
    reports of the old revision are then never served again."""
    session.execute(
        update(Assessment)
        .where(Assessment.id == assessment_id)
        .values(revision=Assessment.revision + 1)
    )


def items_of(session: Session, assessment: Assessment) -> list[AssessmentItem]:
    """The commitments of a questionnaire, in questionnaire order."""
    return list(
        session.scalars(
            select(AssessmentItem)
            .where(AssessmentItem.assessment_id == assessment.id)
            .order_by(AssessmentItem.position)
        )
    )


def assessment_question_bank(assessment: Assessment) -> QuestionBank:
    """The resolved bank of the version the assessment was created from."""
    return question_bank_of_edition(assessment.bank_edition)


@dataclass(frozen=True)
class Progress:
    total: int
    complete: int
    in_progress: int
    follow_up: int

    @property
    def percent(self) -> int:
        return round(100 * self.complete / self.total) if self.total else 0


def progress_of(session: Session, assessment_ids: list[int]) -> dict[int, Progress]:
    """Progress of many assessments in one query, for dashboards and lists."""
    if not assessment_ids:
        return {}
    rows = session.execute(
        select(
            AssessmentItem.assessment_id,
            AssessmentItem.progress,
            AssessmentItem.follow_up,
            func.count(),
        )
        .where(AssessmentItem.assessment_id.in_(assessment_ids))
        .group_by(AssessmentItem.assessment_id, AssessmentItem.progress, AssessmentItem.follow_up)
    ).all()
    counts: dict[int, Counter[str]] = {i: Counter() for i in assessment_ids}
    for assessment_id, progress, follow_up, count in rows:
        counts[assessment_id][progress] += count
        counts[assessment_id]["total"] += count
        if follow_up:
            counts[assessment_id]["follow_up"] += count
    return {
        i: Progress(
            c["total"],
            c[ItemProgress.COMPLETE.value],
            c[ItemProgress.IN_PROGRESS.value],
            c["follow_up"],
        )
        for i, c in counts.items()
    }


def find_assessment(session: Session, user: User, country: str, year: int | None) -> Assessment:
    """A state party's assessment (the latest, or of `year`) among those `user` may see."""
    query = access.visible_assessments(user).where(
        Assessment.state_party_code == country.strip().upper()
    )
    if year is not None:
        query = query.where(Assessment.review_year == year)
    found = session.scalars(query.order_by(None).order_by(Assessment.review_year.desc())).first()
    if found is None:
        raise access.NotFound(
            f"no assessment for {country.strip().upper()}"
            + (f" in {year}" if year is not None else "")
            + " that you may see; check the code (ISO alpha-3) and the year"
        )
    return found


def assessments_of_state(session: Session, user: User) -> list[Assessment]:
    """The assessments of `user`'s own state party, the latest first."""
    if user.state_party_code is None:
        return []
    query = access.visible_assessments(user).where(
        Assessment.state_party_code == user.state_party_code
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class AssessmentFilter:
    """What the assessment list is narrowed to; empty fields do not narrow."""

    status: WorkflowStatus | None = None
    year: int | None = None
    region: str | None = None  # a UN regional group id
    text: str = ""  # part of a state party's code or name, in English or Chinese


def find_assessments(session: Session, user: User, wanted: AssessmentFilter) -> list[Assessment]:
    """The assessments this person may see that match `wanted`, in the list's order."""
    query = access.visible_assessments(user).join(
        StateParty, StateParty.code == Assessment.state_party_code
    )
    if wanted.status is not None:
        query = query.where(Assessment.status == wanted.status)
    if wanted.year is not None:
        query = query.where(Assessment.review_year == wanted.year)
    if wanted.region:
        query = query.where(StateParty.regional_group == wanted.region)
    if text := wanted.text.strip():
        pattern = f"%{_escape_like(text)}%"
        query = query.where(
            or_(
                StateParty.code.ilike(pattern, escape="\\"),
                StateParty.name_en.ilike(pattern, escape="\\"),
                StateParty.name_zh.like(pattern, escape="\\"),
            )
        )
    return list(session.scalars(query.options(contains_eager(Assessment.state_party))))


def review_years(session: Session, user: User) -> list[int]:
    """The review years of the assessments this person may see, newest first."""
    visible = access.visible_assessments(user).subquery()
    return list(
        session.scalars(
            select(visible.c.review_year).distinct().order_by(visible.c.review_year.desc())
        )
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def state_codes_of_group(session: Session, regional_group: str) -> list[str]:
    """The codes of every state party of a UN regional group, in code order."""
    return list(
        session.scalars(
            select(StateParty.code)
            .where(StateParty.regional_group == regional_group)
            .order_by(StateParty.code)
        )
    )


def active_reviewers(session: Session, actor: User) -> list[User]:
    """The reviewer accounts that can be assigned, by state and name (the secretariat's)."""
    access.require_secretariat(actor, "only the secretariat assigns reviewers")
    return list(
        session.scalars(
            select(User)
            .where(*access.assignable_reviewers())
            .order_by(User.state_party_code, User.name)
        )
    )
