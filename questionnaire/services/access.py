"""Who may see which assessment, and do what to it: enforced here and nowhere else.

A state party's people see only their own country's assessments, reviewers only those
assigned to them, the secretariat all. Anything out of scope is reported as not found, so
a person cannot even learn that another country's assessment exists. Within scope,
reviewers read a state's answers from its submission on, as in the IRM, unless the
secretariat opened them earlier on purpose; a finding is removed by its author or the
secretariat only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased, joinedload

from questionnaire.domain.answers import N_
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.workflow import EDITABLE_BY_STATE, REVIEWABLE
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    Clarification,
    Comment,
    Evidence,
    FindingRecord,
    ReviewerAssignment,
    Role,
    User,
)
from questionnaire.services.sessions import CHECKS_SESSION, SessionCheck


class NotFound(LookupError):
    """Does not exist, or is out of the person's scope: the same answer for both."""


class NotAllowed(PermissionError):
    """In scope, but this person may not do this now; the message says why.

    Messages marked with N_ are in the catalogue and shown in the person's language.
    """


def visible_assessments(user: User) -> Select[tuple[Assessment]]:
    query = select(Assessment).order_by(Assessment.review_year.desc(), Assessment.state_party_code)
    return query.where(*_scope(user))


def _scope(user: User, *, parameters: bool = False) -> list[ColumnElement[bool]]:
    """The conditions on Assessment that keep a person to the assessments they may see.

    With `parameters`, the person's values are left as bind parameters, for a statement
    built once per role and run with `_scope_parameters` of each person.
    """
    state_party = bindparam("scope_state_party", type_=String) if parameters else None
    reviewer = bindparam("scope_reviewer", type_=Integer) if parameters else None
    if user.role is Role.SECRETARIAT:
        return []
    if user.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        wanted = state_party if state_party is not None else user.state_party_code
        return [Assessment.state_party_code == wanted]
    assigned = select(ReviewerAssignment.assessment_id).where(
        ReviewerAssignment.reviewer_id == (reviewer if reviewer is not None else user.id)
    )
    return [Assessment.id.in_(assigned)]


def _scope_parameters(user: User) -> dict[str, object]:
    """The values of `_scope(..., parameters=True)` for this person."""
    return {"scope_state_party": user.state_party_code, "scope_reviewer": user.id}


def get_assessment(session: Session, user: User, assessment_id: int) -> Assessment:
    # Every page shows the state party and needs the bank version: one query, not three.
    query = visible_assessments(user).where(Assessment.id == assessment_id)
    assessment = session.scalar(
        query.options(joinedload(Assessment.state_party), joinedload(Assessment.bank_version))
    )
    if assessment is None:
        raise NotFound(f"assessment {assessment_id}")
    return assessment


def get_item(
    session: Session, user: User, assessment_id: int, commitment_id: str
) -> tuple[Assessment, AssessmentItem]:
    # One query for the item, its assessment, state party and bank version, under the same
    # scope as get_assessment: every questionnaire page and autosave starts here.
    row = session.execute(
        select(AssessmentItem, Assessment)
        .join(Assessment, Assessment.id == AssessmentItem.assessment_id)
        .where(
            Assessment.id == assessment_id,
            AssessmentItem.commitment_id == commitment_id,
            *_scope(user),
        )
        .options(joinedload(Assessment.state_party), joinedload(Assessment.bank_version))
    ).first()
    if row is None:
        _not_found(session, user, assessment_id, commitment_id)
    item, assessment = row
    return assessment, item


def get_item_and_answers(
    session: Session,
    user: User,
    assessment_id: int,
    commitment_id: str,
    *,
    session_check: SessionCheck | None = None,
) -> tuple[Assessment, AssessmentItem, dict[str, Answer]]:
    """`get_item` and the item's current answers by question id, in one statement.

    With `session_check`, the same statement also checks that the person's session is
    still valid (web/identity.py): a session that is not finds nothing here, and the
    second look that tells "not found" from "not yours" checks it alone first.
    """
    page = _read_item(session, user, assessment_id, commitment_id, session_check, parts=1)
    return page.assessment, page.item, page.answers


@dataclass(frozen=True)
class ItemPage:
    """What a commitment's page shows first, all read in one statement (`get_item_page`)."""

    assessment: Assessment
    item: AssessmentItem
    answers: dict[str, Answer]  # by question id
    evidence: list[Evidence]
    clarifications: list[Clarification]
    comments: list[tuple[Comment, User | None]]  # each with its author, if still known


def get_item_page(
    session: Session,
    user: User,
    assessment_id: int,
    commitment_id: str,
    *,
    session_check: SessionCheck | None = None,
) -> ItemPage:
    """`get_item_and_answers`, and the item's evidence, reviewers' questions and comments.

    One round trip instead of five: each row belongs to one of four parts (answers,
    evidence, questions, comments) and carries the columns of that part's table only,
    so the rows add up instead of multiplying as four plain outer joins would. The item
    and its assessment ride along on every row (a commitment has a few dozen at most).
    The answers' history is not read here: its own page shows it when asked for.
    """
    return _read_item(session, user, assessment_id, commitment_id, session_check, parts=4)


def _read_item(
    session: Session,
    user: User,
    assessment_id: int,
    commitment_id: str,
    session_check: SessionCheck | None,
    *,
    parts: int,
) -> ItemPage:
    parameters = {
        "assessment_id": assessment_id,
        "commitment_id": commitment_id,
        **_scope_parameters(user),
        **(session_check.parameters() if session_check else {}),
    }
    statement = _item_statement(user.role, parts, checked=session_check is not None)
    rows = session.execute(statement, parameters).all()
    if not rows:
        _not_found(session, user, assessment_id, commitment_id)
    page = ItemPage(rows[0][1], rows[0][0], {}, [], [], [])
    for row in rows:
        answer, evidence, clarification, comment, author = (*row[2:], None, None, None, None)[:5]
        if answer is not None:
            page.answers[answer.question_id] = answer
        elif evidence is not None:
            page.evidence.append(evidence)
        elif clarification is not None:
            page.clarifications.append(clarification)
        elif comment is not None:
            page.comments.append((comment, author))
    return page


@cache
def _item_statement(role: Role, parts: int, *, checked: bool) -> Select[Any]:
    """The item under the scope of `role`, with the first `parts` of its rows (answers,
    evidence, questions, comments), and the session check if `checked`.

    Built once per process and kind: building it took 2 ms, as long as running it. Every
    value is a bind parameter without a default, so one not given at execution is an
    error, never another person's value (`_scope_parameters`, `SessionCheck.parameters`).
    """
    numbers = union_all(*(select(literal(n, Integer).label("number")) for n in range(parts)))
    number = numbers.subquery("parts").c.number
    author = aliased(User)
    statement = (
        select(AssessmentItem, Assessment)
        .select_from(number.table)
        .join(AssessmentItem, true())
        .join(Assessment, Assessment.id == AssessmentItem.assessment_id)
        .where(
            Assessment.id == bindparam("assessment_id", type_=Integer),
            AssessmentItem.commitment_id == bindparam("commitment_id", type_=String),
            *_scope(User(role=role), parameters=True),
        )
        .options(joinedload(Assessment.state_party), joinedload(Assessment.bank_version))
    )
    joined: list[tuple[Any, ColumnElement[bool]]] = [
        (Answer, Answer.item_id == AssessmentItem.id),
        (Evidence, Evidence.item_id == AssessmentItem.id),
        (Clarification, Clarification.item_id == AssessmentItem.id),
        (Comment, Comment.item_id == AssessmentItem.id),
    ]
    for part, (entity, condition) in enumerate(joined[:parts]):
        statement = statement.add_columns(entity).outerjoin(entity, and_(number == part, condition))
    if parts == len(joined):
        statement = statement.add_columns(author).outerjoin(author, author.id == Comment.author_id)
    statement = statement.order_by(number, *(entity.id for entity, _ in joined[1:parts]))
    if checked:
        statement = statement.where(SessionCheck.parametrized_condition())
        statement = statement.execution_options(**{CHECKS_SESSION: True})
    return statement


def _not_found(session: Session, user: User, assessment_id: int, commitment_id: str) -> NoReturn:
    get_assessment(session, user, assessment_id)  # not found at all, or out of scope
    raise NotFound(f"commitment {commitment_id} in assessment {assessment_id}")


def is_state_member(user: User, assessment: Assessment) -> bool:
    return (
        user.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR)
        and user.state_party_code == assessment.state_party_code
    )


def is_assigned_reviewer(session: Session, user: User, assessment: Assessment) -> bool:
    if user.role is not Role.REVIEWER:
        return False
    return (
        session.scalar(
            select(ReviewerAssignment.id).where(
                ReviewerAssignment.assessment_id == assessment.id,
                ReviewerAssignment.reviewer_id == user.id,
            )
        )
        is not None
    )


def require_answer_editing(user: User, assessment: Assessment) -> None:
    if not is_state_member(user, assessment):
        raise NotAllowed("only the state party's focal point and contributors answer")
    if assessment.status not in EDITABLE_BY_STATE:
        raise NotAllowed(
            "the answers are locked: the questionnaire has been submitted; "
            "the secretariat can reopen it"
        )


def may_read_answers(session: Session, user: User, assessment: Assessment) -> bool:
    """The state's answers (and its evidence): its own people and the secretariat always;
    assigned reviewers once the questionnaire has been submitted (one reopened for the
    state is a draft again), or earlier where the secretariat opened the draft to them."""
    if user.role is Role.SECRETARIAT or is_state_member(user, assessment):
        return True
    if not is_assigned_reviewer(session, user, assessment):
        return False
    return assessment.status is not WorkflowStatus.DRAFT or assessment.reviewers_see_drafts


def require_answer_reading(session: Session, user: User, assessment: Assessment) -> None:
    if not may_read_answers(session, user, assessment):
        raise NotAllowed(
            N_(
                "The state's answers are shown to its reviewers once the questionnaire "
                "is submitted."
            )
        )


def get_item_with_answers(
    session: Session, user: User, assessment_id: int, commitment_id: str
) -> tuple[Assessment, AssessmentItem]:
    """`get_item` for pages that show the state's answers."""
    assessment, item = get_item(session, user, assessment_id, commitment_id)
    require_answer_reading(session, user, assessment)
    return assessment, item


def require_secretariat(user: User, refusal: str) -> None:
    """Steps only the secretariat takes; `refusal` says which, in the person's words."""
    if user.role is not Role.SECRETARIAT:
        raise NotAllowed(refusal)


def may_remove_finding(
    session: Session, user: User, assessment: Assessment, finding: FindingRecord
) -> bool:
    """The secretariat; or the finding's author, assigned, while the review is open."""
    if user.role is Role.SECRETARIAT:
        return True
    return (
        finding.author_id == user.id
        and assessment.status in REVIEWABLE
        and is_assigned_reviewer(session, user, assessment)
    )


def require_finding_removal(
    session: Session, user: User, assessment: Assessment, finding: FindingRecord
) -> None:
    if not may_remove_finding(session, user, assessment, finding):
        raise NotAllowed(
            N_(
                "Only the finding's author, while the review is open, or the secretariat "
                "may remove it."
            )
        )


def may_remove_evidence(user: User, assessment: Assessment, evidence: Evidence) -> bool:
    """The secretariat at any time; the person who added it while the answers are open."""
    if user.role is Role.SECRETARIAT:
        return True
    return (
        evidence.added_by_id == user.id
        and is_state_member(user, assessment)
        and assessment.status in EDITABLE_BY_STATE
    )


def require_evidence_removal(user: User, assessment: Assessment, evidence: Evidence) -> None:
    if not may_remove_evidence(user, assessment, evidence):
        raise NotAllowed(
            "only the person who added this evidence, while the answers are open, or the "
            "secretariat can remove it"
        )
