"""The peer review: assigning governmental experts, their ratings, findings and questions.

As in the IRM, two reviewing states provide experts, one of them from the state under
review's regional group. Reviewers rate each commitment on two axes, kept apart from the
state's own answer, and record the executive-summary findings of a country review.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.answers import N_
from questionnaire.domain.assessment import (
    FindingKind,
    FollowUpStatus,
    FrameworkRating,
    PracticeRating,
    PublicationConsent,
    WorkflowStatus,
)
from questionnaire.domain.recommendations import recommendation_id
from questionnaire.domain.text import control_character
from questionnaire.domain.workflow import REVIEWABLE
from questionnaire.models import (
    Assessment,
    AssessmentItem,
    Clarification,
    Comment,
    FindingRecord,
    ItemReview,
    ReviewerAssignment,
    Role,
    StateParty,
    User,
    utc_now,
)
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import mark_changed
from questionnaire.services.audit import record
from questionnaire.services.workflow import transition

MAX_TEXT = 8000


class ReviewError(ValueError):
    """The review step cannot be taken as asked; the message says why."""


def _refuse_control_characters(**texts: str) -> None:
    """The web layer refuses these first; this keeps other callers (the CLI) to the rule."""
    for what, text in texts.items():
        code = control_character(text)
        if code:
            raise ReviewError(
                f"the {what.replace('_', ' ')} contains a control character ({code}); remove it"
            )


def assignments(session: Session, assessment: Assessment) -> list[ReviewerAssignment]:
    return list(
        session.scalars(
            select(ReviewerAssignment)
            .where(ReviewerAssignment.assessment_id == assessment.id)
            .order_by(ReviewerAssignment.id)
        )
    )


def assign_reviewer(session: Session, actor: User, assessment: Assessment, reviewer: User) -> None:
    """Assign a governmental expert; at most two reviewing states, one from the same group."""
    add_assignment(session, actor, assessment, reviewer)
    session.commit()


def add_assignment(session: Session, actor: User, assessment: Assessment, reviewer: User) -> None:
    """`assign_reviewer` without the commit, for callers that own a larger transaction."""
    if actor.role is not Role.SECRETARIAT:
        raise access.NotAllowed("only the secretariat assigns reviewers")
    if reviewer.role is not Role.REVIEWER or not reviewer.active:
        raise ReviewError(f"{reviewer.email} is not an active reviewer account")
    if reviewer.state_party_code == assessment.state_party_code:
        raise ReviewError("a state party cannot review itself; choose an expert of another state")
    current = assignments(session, assessment)
    if any(a.reviewer_id == reviewer.id for a in current):
        raise ReviewError(f"{reviewer.name} is assigned already")
    reviewed = session.get(StateParty, assessment.state_party_code)
    own = session.get(StateParty, reviewer.state_party_code)
    assert reviewed is not None and own is not None
    states = {a.reviewer.state_party_code for a in current} | {own.code}
    if len(states) > 2:
        raise ReviewError(
            "two reviewing states are assigned already, as in the IRM; "
            "add experts of those states or remove one first"
        )
    if len(states) == 2:
        groups = {session.get(StateParty, code).regional_group for code in states}  # type: ignore[union-attr]
        if reviewed.regional_group not in groups:
            raise ReviewError(
                "one of the two reviewing states must come from the same regional group as "
                f"the state under review ({reviewed.regional_group.replace('_', ' ')})"
            )
    assignment = ReviewerAssignment(
        assessment_id=assessment.id,
        reviewer_id=reviewer.id,
        same_regional_group=own.regional_group == reviewed.regional_group,
    )
    session.add(assignment)
    session.flush()
    record(
        session,
        Actor.of(actor),
        "reviewer.assigned",
        assessment,
        {"reviewer": reviewer.email, "reviewing_state": own.code},
    )
    mark_changed(session, assessment.id)


def unassign_reviewer(
    session: Session, actor: User, assessment: Assessment, reviewer_id: int
) -> None:
    if actor.role is not Role.SECRETARIAT:
        raise access.NotAllowed("only the secretariat assigns reviewers")
    assignment = session.scalar(
        select(ReviewerAssignment).where(
            ReviewerAssignment.assessment_id == assessment.id,
            ReviewerAssignment.reviewer_id == reviewer_id,
        )
    )
    if assignment is None:
        raise access.NotFound(f"assignment of reviewer {reviewer_id}")
    record(
        session,
        Actor.of(actor),
        "reviewer.unassigned",
        assessment,
        {"reviewer": assignment.reviewer.email},
    )
    session.delete(assignment)
    mark_changed(session, assessment.id)
    session.commit()


def _require_reviewer(session: Session, user: User, assessment: Assessment) -> None:
    if not access.is_assigned_reviewer(session, user, assessment):
        raise access.NotAllowed("only the reviewers assigned to this assessment review it")
    if assessment.status not in REVIEWABLE:
        raise access.NotAllowed(
            "the review is not open: it opens once the questionnaire is submitted and "
            "the review has started"
        )


def review_of(session: Session, item: AssessmentItem) -> ItemReview | None:
    return session.scalar(select(ItemReview).where(ItemReview.item_id == item.id))


def save_rating(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    *,
    framework: str | None,
    practice: str | None,
    observations: str,
) -> ItemReview:
    _require_reviewer(session, user, assessment)
    _refuse_control_characters(observations=observations)
    try:
        framework_rating = FrameworkRating(framework) if framework else None
        practice_rating = PracticeRating(practice) if practice else None
    except ValueError:
        raise ReviewError("choose a rating from the list") from None
    if len(observations) > MAX_TEXT:
        raise ReviewError(f"observations may have at most {MAX_TEXT} characters")
    review = review_of(session, item) or ItemReview(item_id=item.id)
    before = (review.framework, review.practice, review.observations)
    review.framework = framework_rating
    review.practice = practice_rating
    review.observations = observations.strip()
    review.updated_by_id = user.id
    review.updated_at = utc_now()
    session.add(review)
    session.flush()
    record(
        session,
        Actor.of(user),
        "review.rated",
        item,
        {
            "framework": framework,
            "practice": practice,
            "before": [getattr(b, "value", b) for b in before[:2]],
        },
    )
    mark_changed(session, assessment.id)
    session.commit()
    return review


@dataclass(frozen=True)
class NewFinding:
    kind: FindingKind
    text: str
    recommendation: str = ""
    technical_assistance_type: str = ""
    already_provided: bool | None = None
    provided_by: str = ""


def add_finding(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    new: NewFinding,
    technical_assistance_types: frozenset[str],
) -> FindingRecord:
    _require_reviewer(session, user, assessment)
    _refuse_control_characters(
        finding=new.text, recommendation=new.recommendation, provided_by=new.provided_by
    )
    text = new.text.strip()
    if not text:
        raise ReviewError("write the finding")
    if len(text) > MAX_TEXT or len(new.recommendation) > MAX_TEXT:
        raise ReviewError(f"a finding may have at most {MAX_TEXT} characters")
    if new.kind is FindingKind.CHALLENGE and not new.recommendation.strip():
        raise ReviewError("a challenge ends in a recommendation; write it")
    if new.kind is FindingKind.TECHNICAL_ASSISTANCE and (
        new.technical_assistance_type not in technical_assistance_types
    ):
        raise ReviewError("choose the type of technical assistance")
    code = ""
    if new.kind is FindingKind.CHALLENGE:
        codes = session.scalars(
            select(FindingRecord.recommendation_id).where(
                FindingRecord.item_id == item.id, FindingRecord.kind == FindingKind.CHALLENGE
            )
        )
        highest = max((int(c.rsplit("R", 1)[1]) for c in codes if c), default=0)
        code = recommendation_id(
            assessment.state_party_code, assessment.review_year, item.paragraph, highest + 1
        )
    finding = FindingRecord(
        item_id=item.id,
        kind=new.kind,
        text=text,
        recommendation=new.recommendation.strip(),
        recommendation_id=code,
        technical_assistance_type=new.technical_assistance_type,
        already_provided=new.already_provided,
        provided_by=new.provided_by.strip()[:300],
        author_id=user.id,
    )
    session.add(finding)
    session.flush()
    record(
        session,
        Actor.of(user),
        "finding.added",
        finding,
        {"kind": new.kind.value, "recommendation_id": code},
    )
    mark_changed(session, assessment.id)
    session.commit()
    return finding


def remove_finding(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, finding_id: int
) -> None:
    """Hide a finding from pages and reports; the row and the audit keep its full text."""
    finding = _finding(session, item, finding_id)
    access.require_finding_removal(session, user, assessment, finding)
    finding.deleted_at = utc_now()
    finding.deleted_by_id = user.id
    record(
        session,
        Actor.of(user),
        "finding.removed",
        finding,
        {
            "kind": finding.kind.value,
            "text": finding.text,
            "recommendation": finding.recommendation,
            "recommendation_id": finding.recommendation_id,
            "technical_assistance_type": finding.technical_assistance_type,
            "already_provided": finding.already_provided,
            "provided_by": finding.provided_by,
            "author_id": finding.author_id,
        },
    )
    mark_changed(session, assessment.id)
    session.commit()


def _finding(session: Session, item: AssessmentItem, finding_id: int) -> FindingRecord:
    """A finding of `item` that has not been removed."""
    finding = session.get(FindingRecord, finding_id)
    if finding is None or finding.item_id != item.id or finding.deleted_at is not None:
        raise access.NotFound(f"finding {finding_id}")
    return finding


def set_follow_up(
    session: Session, user: User, assessment: Assessment, finding_id: int, status: str
) -> None:
    """The secretariat records how a recommendation was followed up."""
    if user.role is not Role.SECRETARIAT:
        raise access.NotAllowed("only the secretariat records follow-up")
    finding = session.get(FindingRecord, finding_id)
    item = session.get(AssessmentItem, finding.item_id) if finding else None
    if finding is None or item is None or item.assessment_id != assessment.id:
        raise access.NotFound(f"finding {finding_id}")
    finding = _finding(session, item, finding_id)  # a removed finding is not followed up
    try:
        finding.follow_up = FollowUpStatus(status)
    except ValueError:
        raise ReviewError("choose a follow-up status from the list") from None
    record(session, Actor.of(user), "finding.follow_up", finding, {"status": status})
    mark_changed(session, assessment.id)
    session.commit()


def findings_of(session: Session, item: AssessmentItem) -> list[FindingRecord]:
    return list(
        session.scalars(
            select(FindingRecord)
            .where(FindingRecord.item_id == item.id, FindingRecord.deleted_at.is_(None))
            .order_by(FindingRecord.id)
        )
    )


def ask_clarification(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, question: str
) -> Clarification:
    _require_reviewer(session, user, assessment)
    _refuse_control_characters(question=question)
    question = question.strip()
    if not question or len(question) > MAX_TEXT:
        raise ReviewError(f"write the question (at most {MAX_TEXT} characters)")
    clarification = Clarification(item_id=item.id, question=question, asked_by_id=user.id)
    session.add(clarification)
    session.flush()
    record(session, Actor.of(user), "clarification.asked", clarification, {"item": item.id})
    mark_changed(session, assessment.id)
    session.commit()
    if assessment.status is not WorkflowStatus.CLARIFICATION_REQUESTED:
        transition(
            session,
            user,
            assessment,
            WorkflowStatus.CLARIFICATION_REQUESTED,
            note=f"paragraph {item.paragraph}",
        )
    return clarification


def answer_clarification(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    clarification_id: int,
    answer: str,
) -> None:
    if not access.is_state_member(user, assessment):
        raise access.NotAllowed("the state party answers the reviewers' questions")
    if assessment.status is not WorkflowStatus.CLARIFICATION_REQUESTED:
        raise access.NotAllowed("no clarification is being asked at the moment")
    clarification = session.get(Clarification, clarification_id)
    if clarification is None or clarification.item_id != item.id:
        raise access.NotFound(f"clarification {clarification_id}")
    _refuse_control_characters(answer=answer)
    answer = answer.strip()
    if not answer or len(answer) > MAX_TEXT:
        raise ReviewError(f"write the answer (at most {MAX_TEXT} characters)")
    clarification.answer = answer
    clarification.answered_by_id = user.id
    clarification.answered_at = utc_now()
    record(session, Actor.of(user), "clarification.answered", clarification, {"item": item.id})
    mark_changed(session, assessment.id)
    session.commit()


def open_clarifications(session: Session, assessment: Assessment) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Clarification)
            .join(AssessmentItem, AssessmentItem.id == Clarification.item_id)
            .where(
                AssessmentItem.assessment_id == assessment.id, Clarification.answered_at.is_(None)
            )
        )
        or 0
    )


def clarifications_of(session: Session, item: AssessmentItem) -> list[Clarification]:
    return list(
        session.scalars(
            select(Clarification).where(Clarification.item_id == item.id).order_by(Clarification.id)
        )
    )


def add_comment(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, body: str
) -> Comment:
    allowed = (
        user.role is Role.SECRETARIAT
        or access.is_state_member(user, assessment)
        or access.is_assigned_reviewer(session, user, assessment)
    )
    if not allowed:
        raise access.NotAllowed("only the state party, its reviewers and the secretariat comment")
    _refuse_control_characters(comment=body)
    body = body.strip()
    if not body or len(body) > MAX_TEXT:
        raise ReviewError(f"write the comment (at most {MAX_TEXT} characters)")
    comment = Comment(item_id=item.id, author_id=user.id, body=body)
    session.add(comment)
    session.flush()
    record(session, Actor.of(user), "comment.added", comment, {"item": item.id})
    mark_changed(session, assessment.id)
    session.commit()
    return comment


def comments_of(session: Session, item: AssessmentItem) -> list[tuple[Comment, User | None]]:
    return [
        (c, u)
        for c, u in session.execute(
            select(Comment, User)
            .outerjoin(User, User.id == Comment.author_id)
            .where(Comment.item_id == item.id)
            .order_by(Comment.id)
        )
    ]


def set_publication_consent(
    session: Session, user: User, assessment: Assessment, consent: str
) -> None:
    if user.role is not Role.SECRETARIAT:
        raise access.NotAllowed("only the secretariat records publication consent")
    try:
        assessment.publication_consent = PublicationConsent(consent)
    except ValueError:
        raise ReviewError("choose a publication consent from the list") from None
    record(
        session, Actor.of(user), "assessment.publication_consent", assessment, {"consent": consent}
    )
    mark_changed(session, assessment.id)
    session.commit()


def open_draft_to_reviewers(
    session: Session, user: User, assessment: Assessment, *, opened: bool
) -> None:
    """Let the assigned reviewers read the state's answers before submission, or stop it."""
    access.require_secretariat(user, N_("Only the secretariat opens a draft to its reviewers."))
    if assessment.reviewers_see_drafts == opened:
        return
    assessment.reviewers_see_drafts = opened
    record(
        session,
        Actor.of(user),
        "assessment.reviewers_see_drafts",
        assessment,
        {"opened": opened, "status": assessment.status.value},
    )
    mark_changed(session, assessment.id)
    session.commit()


def send_clarifications(session: Session, user: User, assessment: Assessment) -> None:
    """The focal point sends the answers back once every question is answered."""
    remaining = open_clarifications(session, assessment)
    if remaining:
        raise access.NotAllowed(f"{remaining} question(s) of the reviewers are still unanswered")
    transition(session, user, assessment, WorkflowStatus.ANSWERED)
