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
from typing import NoReturn

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    and_,
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


def _scope(user: User) -> list[ColumnElement[bool]]:
    """The conditions on Assessment that keep a person to the assessments they may see."""
    if user.role is Role.SECRETARIAT:
        return []
    if user.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        return [Assessment.state_party_code == user.state_party_code]
    assigned = select(ReviewerAssignment.assessment_id).where(
        ReviewerAssignment.reviewer_id == user.id
    )
    return [Assessment.id.in_(assigned)]


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
    row = session.execute(_item_query(user, assessment_id, commitment_id)).first()
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
    query = _item_query(user, assessment_id, commitment_id).add_columns(Answer)
    query = query.outerjoin(Answer, Answer.item_id == AssessmentItem.id)
    if session_check is not None:
        query = query.where(session_check.condition()).execution_options(**{CHECKS_SESSION: True})
    rows = session.execute(query).all()
    if not rows:
        _not_found(session, user, assessment_id, commitment_id)
    item, assessment, _answer = rows[0]
    answers = {answer.question_id: answer for _i, _a, answer in rows if answer is not None}
    return assessment, item, answers


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
    part = union_all(*(select(literal(number, Integer).label("number")) for number in range(4)))
    parts = part.subquery("parts")
    author = aliased(User)
    query = (
        _item_query(user, assessment_id, commitment_id, parts)
        .add_columns(Answer, Evidence, Clarification, Comment, author)
        .outerjoin(Answer, and_(parts.c.number == 0, Answer.item_id == AssessmentItem.id))
        .outerjoin(Evidence, and_(parts.c.number == 1, Evidence.item_id == AssessmentItem.id))
        .outerjoin(
            Clarification,
            and_(parts.c.number == 2, Clarification.item_id == AssessmentItem.id),
        )
        .outerjoin(Comment, and_(parts.c.number == 3, Comment.item_id == AssessmentItem.id))
        .outerjoin(author, author.id == Comment.author_id)
        .order_by(parts.c.number, Evidence.id, Clarification.id, Comment.id)
    )
    if session_check is not None:
        query = query.where(session_check.condition()).execution_options(**{CHECKS_SESSION: True})
    rows = session.execute(query).all()
    if not rows:
        _not_found(session, user, assessment_id, commitment_id)
    item, assessment = rows[0][0], rows[0][1]
    page = ItemPage(assessment, item, {}, [], [], [])
    for _item, _assessment, answer, evidence, clarification, comment, comment_author in rows:
        if answer is not None:
            page.answers[answer.question_id] = answer
        elif evidence is not None:
            page.evidence.append(evidence)
        elif clarification is not None:
            page.clarifications.append(clarification)
        elif comment is not None:
            page.comments.append((comment, comment_author))
    return page


def _item_query(
    user: User, assessment_id: int, commitment_id: str, parts: FromClause | None = None
) -> Select[tuple[AssessmentItem, Assessment]]:
    """The item and its assessment under the person's scope; `parts`, rows to join them to."""
    query = select(AssessmentItem, Assessment)
    if parts is not None:
        query = query.select_from(parts).join(AssessmentItem, true())
    return (
        query.join(Assessment, Assessment.id == AssessmentItem.assessment_id)
        .where(
            Assessment.id == assessment_id,
            AssessmentItem.commitment_id == commitment_id,
            *_scope(user),
        )
        .options(joinedload(Assessment.state_party), joinedload(Assessment.bank_version))
    )


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
