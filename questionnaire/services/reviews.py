"""The peer review: assigning governmental experts, their ratings, findings and questions.

As in the IRM, two reviewing states provide experts, one of them from the state under
review's regional group. Reviewers rate each commitment on two axes, kept apart from the
state's own answer, and record the executive-summary findings of a country review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from questionnaire.domain.answers import N_
from questionnaire.domain.assessment import (
    FindingKind,
    FrameworkRating,
    PracticeRating,
    PublicationConsent,
    WorkflowStatus,
)
from questionnaire.domain.recommendations import recommendation_id
from questionnaire.domain.review_coverage import (
    MAX_REASON,
    CommitmentReview,
    Coverage,
    ReviewerActivity,
    rating_fingerprint,
)
from questionnaire.domain.text import control_character
from questionnaire.domain.workflow import REVIEWABLE, Transition
from questionnaire.models import (
    Assessment,
    AssessmentItem,
    Clarification,
    Comment,
    FindingRecord,
    ItemReview,
    ReviewerAssignment,
    SaveRequest,
    StateParty,
    User,
    utc_now,
)
from questionnaire.services import access, reports
from questionnaire.services.accounts import Actor
from questionnaire.services.answers import already_saved
from questionnaire.services.assessments import mark_changed
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction
from questionnaire.services.workflow import transition

MAX_TEXT = 8000


class ReviewError(ValueError):
    """The review step cannot be taken as asked; the message says why.

    As with `AnswerError`, the message is an English template with %(name)s fields, kept
    apart from its values, so the web layer can say it in the person's language. `field`
    names the form field at fault, when there is one, so the page can mark it.
    """

    def __init__(self, template: str, field: str = "", **params: object) -> None:
        self.template = template
        self.params = params
        self.field = field
        super().__init__(template % params if params else template)


class RatingConflict(ReviewError):
    """Another reviewer changed this commitment's rating since the page was shown."""

    def __init__(self, current: ItemReview) -> None:
        super().__init__(
            N_(
                "another reviewer changed this rating since you opened the page; compare "
                "theirs with yours and save again to keep yours"
            ),
            "rating",
        )
        self.current = current


class ReviewIncomplete(ReviewError):
    """Some commitments are neither rated nor explained; the reasons given were kept."""

    def __init__(self, coverage: Coverage) -> None:
        super().__init__(
            N_("%(count)s commitment(s) need a rating or a reason before the review is completed"),
            count=len(coverage.uncovered),
        )
        self.coverage = coverage


def _refuse_control_characters(**texts: str) -> None:
    """The web layer refuses these first; this keeps other callers (the CLI) to the rule."""
    for what, text in texts.items():
        code = control_character(text)
        if code:
            raise ReviewError(
                N_("the %(what)s contains a control character (%(code)s); remove it"),
                what,
                what=what.replace("_", " "),
                code=code,
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
    with transaction(session):
        add_assignment(session, actor, assessment, reviewer)


def add_assignment(session: Session, actor: User, assessment: Assessment, reviewer: User) -> None:
    """`assign_reviewer` as a step of a caller's larger transaction; it never commits."""
    access.require_secretariat(actor, "only the secretariat assigns reviewers")
    if not access.assignable_reviewer(reviewer):
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
    access.require_secretariat(actor, "only the secretariat assigns reviewers")
    assignment = session.scalar(
        select(ReviewerAssignment).where(
            ReviewerAssignment.assessment_id == assessment.id,
            ReviewerAssignment.reviewer_id == reviewer_id,
        )
    )
    if assignment is None:
        raise access.NotFound(f"assignment of reviewer {reviewer_id}")
    with transaction(session):
        record(
            session,
            Actor.of(actor),
            "reviewer.unassigned",
            assessment,
            {"reviewer": assignment.reviewer.email},
        )
        session.delete(assignment)
        mark_changed(session, assessment.id)


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
    unrated_reason: str | None = None,
) -> ItemReview:
    """Rate one commitment (the command line and the demo; pages use `save_review`)."""
    _require_reviewer(session, user, assessment)
    with transaction(session):
        review = _apply_rating(
            session,
            user,
            item,
            RatingInput(framework, practice, observations, unrated_reason, base=None),
        )
        mark_changed(session, assessment.id)
    return review or _existing_review(session, item)


def _existing_review(session: Session, item: AssessmentItem) -> ItemReview:
    review = review_of(session, item)
    assert review is not None
    return review


@dataclass(frozen=True)
class RatingInput:
    """A rating as a form carries it.

    `unrated_reason` None leaves the stored reason as it is. `base` is the fingerprint of
    the rating the page showed; None when the caller did not show one (last write wins).
    """

    framework: str | None
    practice: str | None
    observations: str
    unrated_reason: str | None = None
    base: str | None = None


def _check_rating(rating: RatingInput) -> tuple[FrameworkRating | None, PracticeRating | None]:
    _refuse_control_characters(
        observations=rating.observations, unrated_reason=rating.unrated_reason or ""
    )
    try:
        framework = FrameworkRating(rating.framework) if rating.framework else None
    except ValueError:
        raise ReviewError(N_("choose a rating from the list"), "framework") from None
    try:
        practice = PracticeRating(rating.practice) if rating.practice else None
    except ValueError:
        raise ReviewError(N_("choose a rating from the list"), "practice") from None
    if len(rating.observations) > MAX_TEXT:
        raise ReviewError(
            N_("observations may have at most %(count)s characters"), "observations", count=MAX_TEXT
        )
    if rating.unrated_reason is not None and len(rating.unrated_reason.strip()) > MAX_REASON:
        raise ReviewError(
            N_("the reason may have at most %(count)s characters"),
            "unrated_reason",
            count=MAX_REASON,
        )
    return framework, practice


def rating_base(review: ItemReview | None) -> str:
    """The fingerprint of a stored rating, as a page sends it back with its form."""
    if review is None:
        return rating_fingerprint(None, None, "", "")
    return rating_fingerprint(
        review.framework.value if review.framework else None,
        review.practice.value if review.practice else None,
        review.observations or "",
        review.unrated_reason or "",
    )


def _apply_rating(
    session: Session, user: User, item: AssessmentItem, rating: RatingInput
) -> ItemReview | None:
    """Store the rating when the person changed it; None when there was nothing to store.

    A change made by another reviewer since the page was shown is not overwritten
    silently: `RatingConflict` carries theirs, and the page shows both.
    """
    framework, practice = _check_rating(rating)
    stored = review_of(session, item)
    reason = (
        rating.unrated_reason.strip()
        if rating.unrated_reason is not None
        else (stored.unrated_reason if stored else "")
    )
    posted = rating_fingerprint(rating.framework, rating.practice, rating.observations, reason)
    current = rating_base(stored)
    if posted == current or (rating.base is not None and posted == rating.base):
        return None  # nothing new from this person
    if rating.base is not None and current != rating.base:
        assert stored is not None  # the page showed a rating that has changed since
        raise RatingConflict(stored)
    review = stored or ItemReview(item_id=item.id)
    before = (review.framework, review.practice)
    review.framework = framework
    review.practice = practice
    review.observations = rating.observations.strip()
    review.unrated_reason = reason
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
            "framework": rating.framework,
            "practice": rating.practice,
            "before": [getattr(b, "value", b) for b in before],
            "unrated_reason": bool(reason),
        },
    )
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
    """Record one finding (the command line and the demo; pages use `save_review`)."""
    _require_reviewer(session, user, assessment)
    _check_finding(new, technical_assistance_types)
    with transaction(session):
        finding = _apply_finding(session, user, assessment, item, new)
        mark_changed(session, assessment.id)
    return finding


def _check_finding(new: NewFinding, technical_assistance_types: frozenset[str]) -> None:
    _refuse_control_characters(
        finding=new.text, recommendation=new.recommendation, provided_by=new.provided_by
    )
    text = new.text.strip()
    if not text:
        raise ReviewError(N_("write the finding"), "text")
    if len(text) > MAX_TEXT:
        raise ReviewError(
            N_("a finding may have at most %(count)s characters"), "text", count=MAX_TEXT
        )
    if len(new.recommendation) > MAX_TEXT:
        raise ReviewError(
            N_("a finding may have at most %(count)s characters"), "recommendation", count=MAX_TEXT
        )
    if new.kind is FindingKind.CHALLENGE and not new.recommendation.strip():
        raise ReviewError(N_("a challenge ends in a recommendation; write it"), "recommendation")
    if new.kind is FindingKind.TECHNICAL_ASSISTANCE and (
        new.technical_assistance_type not in technical_assistance_types
    ):
        raise ReviewError(
            N_("choose the type of technical assistance"), "technical_assistance_type"
        )


def _apply_finding(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, new: NewFinding
) -> FindingRecord:
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
        text=new.text.strip(),
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
    return finding


def remove_finding(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, finding_id: int
) -> None:
    """Hide a finding from pages and reports; the row and the audit keep its full text."""
    finding = _finding(session, item, finding_id)
    access.require_finding_removal(session, user, assessment, finding)
    with transaction(session):
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


def _finding(session: Session, item: AssessmentItem, finding_id: int) -> FindingRecord:
    """A finding of `item` that has not been removed."""
    finding = session.get(FindingRecord, finding_id)
    if finding is None or finding.item_id != item.id or finding.deleted_at is not None:
        raise access.NotFound(f"finding {finding_id}")
    return finding


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
    """Ask the state party one question (the demo; pages use `save_review`).

    The question and the move to "clarification requested" are one transaction: a question
    is never stored without the status that lets the state party answer it.
    """
    _require_reviewer(session, user, assessment)
    _check_question(question)
    with transaction(session):
        clarification = _apply_question(session, user, item, question)
        mark_changed(session, assessment.id)
        _request_clarification(session, user, assessment, item)
    return clarification


def _check_question(question: str) -> None:
    _refuse_control_characters(question=question)
    question = question.strip()
    if not question or len(question) > MAX_TEXT:
        raise ReviewError(
            N_("write the question (at most %(count)s characters)"), "question", count=MAX_TEXT
        )


def _apply_question(
    session: Session, user: User, item: AssessmentItem, question: str
) -> Clarification:
    clarification = Clarification(item_id=item.id, question=question.strip(), asked_by_id=user.id)
    session.add(clarification)
    session.flush()
    record(session, Actor.of(user), "clarification.asked", clarification, {"item": item.id})
    return clarification


def _request_clarification(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem
) -> None:
    """Move the assessment to "clarification requested", within the caller's transaction."""
    if assessment.status is WorkflowStatus.CLARIFICATION_REQUESTED:
        return
    transition(
        session,
        user,
        assessment,
        WorkflowStatus.CLARIFICATION_REQUESTED,
        note=f"paragraph {item.paragraph}",
    )


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
    with transaction(session):
        clarification.answer = answer
        clarification.answered_by_id = user.id
        clarification.answered_at = utc_now()
        record(session, Actor.of(user), "clarification.answered", clarification, {"item": item.id})
        mark_changed(session, assessment.id)


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
    if not access.may_comment(session, user, assessment):
        raise access.NotAllowed("only the state party, its reviewers and the secretariat comment")
    _check_comment(body)
    with transaction(session):
        comment = _apply_comment(session, user, item, body)
        mark_changed(session, assessment.id)
    return comment


def _check_comment(body: str) -> None:
    _refuse_control_characters(comment=body)
    body = body.strip()
    if not body or len(body) > MAX_TEXT:
        raise ReviewError(
            N_("write the comment (at most %(count)s characters)"), "body", count=MAX_TEXT
        )


def _apply_comment(session: Session, user: User, item: AssessmentItem, body: str) -> Comment:
    comment = Comment(item_id=item.id, author_id=user.id, body=body.strip())
    session.add(comment)
    session.flush()
    record(session, Actor.of(user), "comment.added", comment, {"item": item.id})
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
    access.require_secretariat(user, "only the secretariat records publication consent")
    try:
        chosen = PublicationConsent(consent)
    except ValueError:
        raise ReviewError("choose a publication consent from the list") from None
    with transaction(session):
        assessment.publication_consent = chosen
        record(
            session,
            Actor.of(user),
            "assessment.publication_consent",
            assessment,
            {"consent": consent},
        )
        mark_changed(session, assessment.id)


def open_draft_to_reviewers(
    session: Session, user: User, assessment: Assessment, *, opened: bool
) -> None:
    """Let the assigned reviewers read the state's answers before submission, or stop it."""
    access.require_secretariat(user, N_("Only the secretariat opens a draft to its reviewers."))
    if assessment.reviewers_see_drafts == opened:
        return
    with transaction(session):
        assessment.reviewers_see_drafts = opened
        record(
            session,
            Actor.of(user),
            "assessment.reviewers_see_drafts",
            assessment,
            {"opened": opened, "status": assessment.status.value},
        )
        mark_changed(session, assessment.id)


def send_clarifications(session: Session, user: User, assessment: Assessment) -> None:
    """The focal point sends the answers back once every question is answered."""
    remaining = open_clarifications(session, assessment)
    if remaining:
        raise access.NotAllowed(f"{remaining} question(s) of the reviewers are still unanswered")
    transition(session, user, assessment, WorkflowStatus.ANSWERED)


def take_step(
    session: Session, user: User, assessment: Assessment, target: WorkflowStatus, note: str = ""
) -> None:
    """Take a workflow step of the overview page's buttons, then queue the reports it calls for.

    The step commits on its own; the prebuilt reports are queued after it, as their job
    must not be sent for a step that was rolled back.
    """
    if target is WorkflowStatus.ANSWERED:
        send_clarifications(session, user, assessment)
    else:
        transition(session, user, assessment, target, note=note)
    if target in reports.PREBUILT_AT:
        reports.prebuild_country_reports(session, user, assessment)


@dataclass(frozen=True)
class ReviewPanel:
    """What the overview page shows of the review: reviewers, candidates, next steps."""

    assignments: list[ReviewerAssignment]
    candidates: list[User]
    steps: list[Transition]
    consents: list[PublicationConsent]
    open_clarifications: int
    answers_readable: bool


def review_panel(session: Session, user: User, assessment: Assessment) -> ReviewPanel:
    """The review part of the overview page, as `user` may see and act on it."""
    assigned = assignments(session, assessment)
    candidates: list[User] = []
    if access.is_secretariat(user):
        taken = {a.reviewer_id for a in assigned}
        candidates = [
            candidate
            for candidate in session.scalars(
                select(User)
                .where(*access.assignable_reviewers())
                .order_by(User.state_party_code, User.name)
            )
            if candidate.id not in taken
            and candidate.state_party_code != assessment.state_party_code
        ]
    steps = access.steps_open_to(user, assessment)  # none for a contributor
    return ReviewPanel(
        assignments=assigned,
        candidates=candidates,
        steps=steps,
        consents=list(PublicationConsent),
        open_clarifications=open_clarifications(session, assessment),
        answers_readable=access.may_read_answers(session, user, assessment),
    )


@dataclass(frozen=True)
class ReviewSubmission:
    """Everything a reviewer sent from one commitment's review page, saved together.

    `rating` None leaves the rating alone; `finding` None records none; `question` is sent
    to the state party and `comment` posted unless None (empty ones are refused).
    `request_id` is the page's own id: the same page sent twice saves once.
    """

    rating: RatingInput | None = None
    finding: NewFinding | None = None
    question: str | None = None
    comment: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class ReviewSaved:
    """What a submission stored; `repeated` when the same page had been saved already."""

    rating: ItemReview | None = None
    finding: FindingRecord | None = None
    clarification: Clarification | None = None
    comment: Comment | None = None
    repeated: bool = False


def save_review(
    session: Session,
    user: User,
    assessment: Assessment,
    item: AssessmentItem,
    submission: ReviewSubmission,
    technical_assistance_types: frozenset[str],
) -> ReviewSaved:
    """Save a commitment's rating, observations, finding, question and comment at once.

    Everything is checked before anything is stored, and all of it is stored in one
    transaction or none of it: a bad finding never costs the rating typed beside it.
    """
    _require_reviewer(session, user, assessment)
    if submission.rating is not None:
        _check_rating(submission.rating)
    if submission.finding is not None:
        _check_finding(submission.finding, technical_assistance_types)
    if submission.question is not None:
        _check_question(submission.question)
    if submission.comment is not None:
        _check_comment(submission.comment)
    if submission.request_id and already_saved(session, user, assessment, submission.request_id):
        return ReviewSaved(repeated=True)
    try:
        with transaction(session):
            if submission.request_id:
                session.add(
                    SaveRequest(
                        request_id=submission.request_id,
                        assessment_id=assessment.id,
                        item_id=item.id,
                        user_id=user.id,
                    )
                )
                session.flush()
            rating = (
                _apply_rating(session, user, item, submission.rating)
                if submission.rating is not None
                else None
            )
            finding = (
                _apply_finding(session, user, assessment, item, submission.finding)
                if submission.finding is not None
                else None
            )
            comment = (
                _apply_comment(session, user, item, submission.comment)
                if submission.comment is not None
                else None
            )
            clarification = (
                _apply_question(session, user, item, submission.question)
                if submission.question is not None
                else None
            )
            mark_changed(session, assessment.id)
            if clarification is not None:
                _request_clarification(session, user, assessment, item)
    except IntegrityError:  # rolled back: the same page, saved by a concurrent second click
        return ReviewSaved(repeated=True)
    return ReviewSaved(rating, finding, clarification, comment)


def commitment_reviews(session: Session, assessment: Assessment) -> list[CommitmentReview]:
    """Every commitment of the questionnaire, in its order, with where its review stands."""
    findings = (
        select(FindingRecord.item_id, func.count().label("n"))
        .where(FindingRecord.deleted_at.is_(None))
        .group_by(FindingRecord.item_id)
        .subquery()
    )
    questions = (
        select(Clarification.item_id, func.count().label("n"))
        .where(Clarification.answered_at.is_(None))
        .group_by(Clarification.item_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AssessmentItem.commitment_id,
            AssessmentItem.paragraph,
            ItemReview.framework,
            ItemReview.practice,
            ItemReview.updated_by_id,
            User.name,
            ItemReview.unrated_reason,
            findings.c.n,
            questions.c.n,
        )
        .outerjoin(ItemReview, ItemReview.item_id == AssessmentItem.id)
        .outerjoin(User, User.id == ItemReview.updated_by_id)
        .outerjoin(findings, findings.c.item_id == AssessmentItem.id)
        .outerjoin(questions, questions.c.item_id == AssessmentItem.id)
        .where(AssessmentItem.assessment_id == assessment.id)
        .order_by(AssessmentItem.position)
    )
    return [
        CommitmentReview(
            commitment_id=commitment_id,
            paragraph=paragraph,
            framework=framework.value if framework else None,
            practice=practice.value if practice else None,
            rated_by_id=rated_by_id,
            rated_by_name=name or "",
            unrated_reason=reason or "",
            findings=finding_count or 0,
            open_clarifications=question_count or 0,
        )
        for (
            commitment_id,
            paragraph,
            framework,
            practice,
            rated_by_id,
            name,
            reason,
            finding_count,
            question_count,
        ) in rows
    ]


def coverage(session: Session, assessment: Assessment) -> Coverage:
    """The review's coverage and each assigned reviewer's part in it."""
    commitments = commitment_reviews(session, assessment)
    item_ids = select(AssessmentItem.id).where(AssessmentItem.assessment_id == assessment.id)

    def counted(column: object, *conditions: object) -> dict[int, int]:
        query = (
            select(column, func.count())  # type: ignore[call-overload]
            .where(*conditions)
            .group_by(column)
        )
        return {user_id: count for user_id, count in session.execute(query) if user_id}

    ratings = counted(
        ItemReview.updated_by_id,
        ItemReview.item_id.in_(item_ids),
        ItemReview.framework.is_not(None),
    )
    findings = counted(
        FindingRecord.author_id,
        FindingRecord.item_id.in_(item_ids),
        FindingRecord.deleted_at.is_(None),
    )
    questions = counted(Clarification.asked_by_id, Clarification.item_id.in_(item_ids))
    comments = counted(Comment.author_id, Comment.item_id.in_(item_ids))
    reviewers = tuple(
        ReviewerActivity(
            reviewer_id=a.reviewer_id,
            name=a.reviewer.name,
            state_party_code=a.reviewer.state_party_code or "",
            ratings=ratings.get(a.reviewer_id, 0),
            findings=findings.get(a.reviewer_id, 0),
            questions=questions.get(a.reviewer_id, 0),
            comments=comments.get(a.reviewer_id, 0),
        )
        for a in assignments(session, assessment)
    )
    return Coverage(tuple(commitments), reviewers)


# A second click on an irreversible step, in the words the person reads.
ALREADY_TAKEN = {
    WorkflowStatus.REVIEW_COMPLETED: N_("The review is completed already; nothing was changed."),
    WorkflowStatus.FINALIZED: N_("The assessment is finalized already; nothing was changed."),
}


def _require_step(user: User, assessment: Assessment, target: WorkflowStatus) -> None:
    """Refuse a step the workflow does not allow now, saying so plainly when already taken."""
    if assessment.status is target:
        raise access.NotAllowed(ALREADY_TAKEN[target])
    access.step_for(user, assessment, target)


def complete_review(
    session: Session, user: User, assessment: Assessment, reasons: Mapping[str, str]
) -> Coverage:
    """Complete the review once every commitment is rated or explained.

    `reasons` maps commitment ids to the reviewers' reason for leaving them unrated. Valid
    reasons are stored whether or not the review can be completed yet, so nothing typed is
    lost; `ReviewIncomplete` then lists what still needs a rating or a reason. Once
    completed, the country reports are queued to be built.
    """
    if not access.is_assigned_reviewer(session, user, assessment):
        raise access.NotFound(f"assessment {assessment.id}")
    _require_step(user, assessment, WorkflowStatus.REVIEW_COMPLETED)
    items = {
        item.commitment_id: item
        for item in session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id)
        )
    }
    cleaned: dict[str, str] = {}
    for commitment_id, reason in reasons.items():
        if commitment_id not in items:
            raise access.NotFound(f"commitment {commitment_id} in assessment {assessment.id}")
        _refuse_control_characters(unrated_reason=reason)
        if len(reason.strip()) > MAX_REASON:
            raise ReviewError(
                N_("the reason may have at most %(count)s characters"),
                f"reason-{commitment_id}",
                count=MAX_REASON,
            )
        cleaned[commitment_id] = reason.strip()
    # One commit: the reasons given are kept even when the review cannot be completed yet,
    # so they are there for the next attempt.
    with transaction(session):
        for commitment_id, reason in cleaned.items():
            item = items[commitment_id]
            review = review_of(session, item)
            if review is None and not reason:
                continue
            review = review or ItemReview(item_id=item.id)
            if (review.unrated_reason or "") == reason:
                continue
            review.unrated_reason = reason
            review.updated_at = utc_now()
            if review.framework is None and review.practice is None:
                review.updated_by_id = user.id
            session.add(review)
            session.flush()
            record(session, Actor.of(user), "review.unrated_reason", item, {"reason": reason})
        session.flush()
        result = coverage(session, assessment)
        if result.complete:
            transition(
                session,
                user,
                assessment,
                WorkflowStatus.REVIEW_COMPLETED,
                note=f"{result.rated} of {result.total} commitments rated, "
                f"{len(result.with_reason)} with a reason",
            )
        else:
            mark_changed(session, assessment.id)
    if not result.complete:
        raise ReviewIncomplete(result)
    reports.prebuild_country_reports(session, user, assessment)  # after the commit
    return result


def finalize(session: Session, user: User, assessment: Assessment) -> Coverage:
    """The secretariat finalizes a completed review; the coverage goes into the record.

    The country reports are then queued to be built, after the commit.
    """
    access.require_secretariat(user, N_("Only the secretariat finalizes an assessment."))
    _require_step(user, assessment, WorkflowStatus.FINALIZED)
    result = coverage(session, assessment)
    inactive = ", ".join(r.name for r in result.inactive_reviewers)
    transition(
        session,
        user,
        assessment,
        WorkflowStatus.FINALIZED,
        note=f"{result.rated} of {result.total} commitments rated"
        + (f"; reviewers without any activity: {inactive}" if inactive else ""),
    )
    reports.prebuild_country_reports(session, user, assessment)
    return result
