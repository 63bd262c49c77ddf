"""Saving answers: every change kept as a version, stale saves turned into conflicts.

Two people may edit the same commitment. Each form carries the version of every answer it
showed; a save whose version is no longer current is never applied over the newer text,
it comes back as a conflict for the person to merge. The conditional UPDATE below makes
this hold under concurrency too, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from questionnaire.domain.answers import N_, AnswerError, item_progress, parse_answer
from questionnaire.domain.bank import BankCommitment
from questionnaire.domain.conditions import AnswerValue
from questionnaire.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentItem,
    SaveRequest,
    User,
    utc_now,
)
from questionnaire.services.access import require_answer_editing
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import assessment_question_bank, mark_changed
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction


@dataclass(frozen=True)
class Conflict:
    question_id: str
    yours: AnswerValue
    theirs: AnswerValue
    their_version: int
    their_author: str
    their_time: dt.datetime


@dataclass(frozen=True)
class SaveResult:
    saved: list[str]
    conflicts: list[Conflict]
    versions: dict[str, int]
    saved_at: dt.datetime
    duplicate: bool = False
    # Values that do not fit their questions, by question id: not saved, the stored answer
    # (if any) unchanged; each error says itself in any language (web layer).
    errors: dict[str, AnswerError] = field(default_factory=dict)
    # Every stored answer of the commitment after the save, by question id.
    values: dict[str, AnswerValue] = field(default_factory=dict)


def commitment_of(assessment: Assessment, item: AssessmentItem) -> BankCommitment:
    return assessment_question_bank(assessment).commitment(item.commitment_id)


def current_answers(session: Session, item_id: int) -> dict[str, Answer]:
    rows = session.scalars(select(Answer).where(Answer.item_id == item_id))
    return {row.question_id: row for row in rows}


def answer_values(session: Session, item_id: int) -> dict[str, AnswerValue]:
    return {qid: row.value for qid, row in current_answers(session, item_id).items()}


def save_answers(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    raw_values: Mapping[str, object],
    base_versions: Mapping[str, int],
    *,
    request_id: str | None = None,
    source: str = "online",
    stored: dict[str, Answer] | None = None,
) -> SaveResult:
    """Apply the changed answers that fit their questions and whose versions are current.

    One value that does not fit its question does not hold back the others: they are
    saved, and the refused ones come back in `errors` with the reason, so the page can
    keep the text as typed beside its message. Commits.

    `stored`: the item's current answers, when the caller read them with the item (one
    statement less). The versions returned are those this transaction saw and wrote, not
    read again after the commit: a version someone else saved meanwhile must not reach the
    form, whose next save would overwrite that text without a conflict.
    """
    require_answer_editing(user, assessment)
    commitment = commitment_of(assessment, item)
    parsed, errors = _parse_all(commitment, raw_values)
    now = utc_now()
    try:
        with transaction(session):
            if request_id:
                # Inserted without looking first: the unique key finds a retry (a double
                # click, a resent autosave) in the same round trip, and the common case pays
                # no look-up.
                session.add(
                    SaveRequest(
                        request_id=request_id,
                        assessment_id=assessment.id,
                        item_id=item.id,
                        user_id=user.id,
                    )
                )
                try:
                    session.flush()
                except IntegrityError:
                    raise _AppliedConcurrently from None
            existing = current_answers(session, item.id) if stored is None else dict(stored)
            saved, conflicts = apply_values(
                session,
                user,
                assessment,
                item,
                commitment,
                parsed,
                base_versions,
                now,
                source,
                request_id,
                existing=existing,
            )
    except _AppliedConcurrently:  # rolled back: the same request, applied by a retry
        return _duplicate(session, item, errors)
    if conflicts:  # the conflicts were read afresh, and the rows in memory expired with them
        existing = current_answers(session, item.id)
    return SaveResult(
        saved,
        conflicts,
        {qid: row.revision for qid, row in existing.items()},
        now,
        errors=errors,
        values={qid: row.value for qid, row in existing.items()},
    )


class _AppliedConcurrently(Exception):
    """A concurrent retry of the same save request claimed its id first."""


def already_saved(session: Session, user: User, assessment: Assessment, request_id: str) -> bool:
    """Whether this person already saved with this id in this assessment (a retry or a
    double click): answer pages and review pages share the save-request ids."""
    return (
        session.scalar(
            select(SaveRequest.id).where(
                SaveRequest.assessment_id == assessment.id,
                SaveRequest.user_id == user.id,
                SaveRequest.request_id == request_id,
            )
        )
        is not None
    )


def apply_values(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    commitment: BankCommitment,
    parsed: Mapping[str, AnswerValue],
    base_versions: Mapping[str, int],
    now: dt.datetime,
    source: str,
    request_id: str | None = None,
    *,
    existing: dict[str, Answer] | None = None,
) -> tuple[list[str], list[Conflict]]:
    """Apply checked values within the caller's transaction; the caller commits.

    `existing`, the item's current answers if the caller has them, gains the answers
    created here, so it holds every stored answer afterwards (unless there were conflicts).
    """
    if existing is None:
        existing = current_answers(session, item.id)
    changed = {
        question_id: value
        for question_id, value in parsed.items()
        # unchanged, or still unanswered: no version is made of nothing
        if (existing[question_id].value if question_id in existing else None) != value
    }
    created = _create_all(
        session,
        item,
        user,
        now,
        {q: v for q, v in changed.items() if q not in existing and base_versions.get(q, 0) == 0},
    )
    saved: list[str] = []
    conflicts: list[Conflict] = []
    values = {question_id: row.value for question_id, row in existing.items()}
    for question_id, value in changed.items():
        row = existing.get(question_id)
        if row is None:
            applied = created.get(question_id)
            if applied is not None:
                existing[question_id] = applied
        else:
            applied = _update(session, row, value, base_versions.get(question_id, 0), user, now)
        if applied is None:
            session.expire_all()
            conflicts.append(_conflict(session, item.id, question_id, value))
            continue
        session.add(
            AnswerChange(
                answer_id=applied.id,
                revision=applied.revision,
                value=value,
                author_id=user.id,
                created_at=now,
                source=source,
            )
        )
        values[question_id] = value
        saved.append(question_id)
    if saved:
        mark_changed(session, assessment.id)
        item.progress = item_progress(commitment, values).value
        record(
            session,
            Actor.of(user),
            "answers.saved",
            item,
            {"questions": saved, "source": source, "request_id": request_id},
            summary=f"{commitment.id}: {len(saved)} answer(s)",
        )
    return saved, conflicts


def _parse_all(
    commitment: BankCommitment, raw_values: Mapping[str, object]
) -> tuple[dict[str, AnswerValue], dict[str, AnswerError]]:
    known = {question.id: question for question in commitment.questions}
    parsed: dict[str, AnswerValue] = {}
    errors: dict[str, AnswerError] = {}
    for question_id, raw in raw_values.items():
        question = known.get(question_id)
        if question is None:
            errors[question_id] = AnswerError(
                N_("this question is not part of the commitment; reload the page")
            )
            continue
        try:
            parsed[question_id] = parse_answer(question, raw)
        except AnswerError as error:
            errors[question_id] = error
    return parsed, errors


def _create_all(
    session: Session,
    item: AssessmentItem,
    user: User,
    now: dt.datetime,
    values: Mapping[str, AnswerValue],
) -> dict[str, Answer]:
    """Insert first answers in one savepoint; where someone created one a moment earlier,
    fall back to one savepoint each, so only those become conflicts."""

    def build(question_id: str, value: AnswerValue) -> Answer:
        return Answer(
            item_id=item.id,
            question_id=question_id,
            value=value,
            revision=1,
            updated_by_id=user.id,
            updated_at=now,
        )

    if not values:
        return {}
    answers = {question_id: build(question_id, value) for question_id, value in values.items()}
    try:
        with session.begin_nested():
            session.add_all(answers.values())
        return answers
    except IntegrityError:
        pass
    created: dict[str, Answer] = {}
    for question_id, value in values.items():
        answer = build(question_id, value)
        try:
            with session.begin_nested():
                session.add(answer)
        except IntegrityError:
            continue  # created by someone else a moment ago
        created[question_id] = answer
    return created


def _update(
    session: Session, row: Answer, value: AnswerValue, base: int, user: User, now: dt.datetime
) -> Answer | None:
    """Write one answer if `base` is still its version; None when someone saved first."""
    result = session.execute(
        update(Answer)
        .where(Answer.id == row.id, Answer.revision == base)
        .values(value=value, revision=Answer.revision + 1, updated_by_id=user.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    # The row in memory follows the database without being marked as changed again.
    set_committed_value(row, "value", value)
    set_committed_value(row, "revision", base + 1)
    return row


def _conflict(session: Session, item_id: int, question_id: str, yours: AnswerValue) -> Conflict:
    row = session.scalar(
        select(Answer).where(Answer.item_id == item_id, Answer.question_id == question_id)
    )
    if row is None:
        # The form names a version that is not (or not yet visibly) stored: someone else's
        # first save is still in flight, or the form is stale. Keep the person's text.
        return Conflict(question_id, yours, None, 0, "", utc_now())
    author = session.get(User, row.updated_by_id) if row.updated_by_id else None
    return Conflict(
        question_id, yours, row.value, row.revision, author.name if author else "", row.updated_at
    )


def _duplicate(
    session: Session, item: AssessmentItem, errors: dict[str, AnswerError]
) -> SaveResult:
    stored = current_answers(session, item.id)
    versions = {qid: row.revision for qid, row in stored.items()}
    values = {qid: row.value for qid, row in stored.items()}
    return SaveResult([], [], versions, utc_now(), duplicate=True, errors=errors, values=values)


@dataclass(frozen=True)
class HistoryEntry:
    question_id: str
    revision: int
    value: AnswerValue
    author: str
    at: dt.datetime
    source: str


def answer_history(
    session: Session, item: AssessmentItem, limit: int | None = None
) -> list[HistoryEntry]:
    """The saved versions of every answer of one commitment, newest first (`limit` of them)."""
    query = (
        select(
            Answer.question_id,
            AnswerChange.revision,
            AnswerChange.value,
            User.name,
            AnswerChange.created_at,
            AnswerChange.source,
        )
        .join(AnswerChange, AnswerChange.answer_id == Answer.id)
        .outerjoin(User, User.id == AnswerChange.author_id)
        .where(Answer.item_id == item.id)
        .order_by(AnswerChange.created_at.desc(), AnswerChange.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        HistoryEntry(question_id, revision, value, name or "", at, source)
        for question_id, revision, value, name, at, source in session.execute(query)
    ]
