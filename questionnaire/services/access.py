"""The policy: who may see which assessment, and do what to it. Decided here and nowhere else.

A state party's people see only their own country's assessments, reviewers only those
assigned to them, the secretariat all. Anything out of scope is reported as not found, so
a person cannot even learn that another country's assessment exists. Within scope,
reviewers read a state's answers from its submission on, as in the IRM, unless the
secretariat opened them earlier on purpose; a finding is removed by its author or the
secretariat only.

Every comparison of a person's role is in this module (`tests/test_policy_home.py` fails on
one anywhere else): services ask the named decisions below, the route decorators declare
their `Audience`, templates read `Permissions` as `can`. It lives among the services, not
in the domain, because half of its answers are queries (the scope of a person, whether a
reviewer is assigned); the workflow table it reads stays pure in `domain/workflow.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn, Protocol

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
from questionnaire.domain.workflow import (
    EDITABLE_BY_STATE,
    REVIEWABLE,
    Transition,
    transitions_between,
    transitions_from,
)
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


class HasRole(Protocol):
    """A person, an account being made, or a demo account: anything with a role."""

    @property
    def role(self) -> Role: ...


class InWorkflow(Protocol):
    @property
    def status(self) -> WorkflowStatus: ...


STATE_PARTY_ROLES = frozenset({Role.FOCAL_POINT, Role.CONTRIBUTOR})


class Audience:
    """Who a page is for, as the route decorators declare it (`web/policy.allow`)."""

    EVERYONE = frozenset(Role)
    SECRETARIAT = frozenset({Role.SECRETARIAT})
    STATE_PARTY = STATE_PARTY_ROLES
    REVIEWERS = frozenset({Role.REVIEWER})
    REVIEW_TEAM = frozenset({Role.REVIEWER, Role.SECRETARIAT})


def in_audience(person: HasRole, audience: frozenset[Role]) -> bool:
    return person.role in audience


# What kind of work a person does: the home page and the dashboards differ by it.


def is_secretariat(person: HasRole) -> bool:
    """The secretariat: sees every assessment, manages accounts, assignments and the end of
    the workflow."""
    return person.role is Role.SECRETARIAT


def is_reviewer(person: HasRole) -> bool:
    """A governmental expert, who sees the assessments assigned to them."""
    return person.role is Role.REVIEWER


def answers_for_a_state(person: HasRole) -> bool:
    """A focal point or contributor: answers for its own state party."""
    return person.role in STATE_PARTY_ROLES


def is_contributor(person: HasRole) -> bool:
    """Answers, but leaves submitting to the focal point."""
    return person.role is Role.CONTRIBUTOR


# Accounts: which roles belong to a state party.


ROLES_WITH_STATE = STATE_PARTY_ROLES | {Role.REVIEWER}


def role_needs_state_party(role: Role) -> bool:
    """Focal points, contributors and reviewers (experts of a reviewing state) have one."""
    return role in ROLES_WITH_STATE


def role_excludes_state_party(role: Role) -> bool:
    return role is Role.SECRETARIAT


def accounts_in_role(role: Role) -> ColumnElement[bool]:
    """The condition on User for a listing filtered by role."""
    return User.role == role


def assignable_reviewer(account: User) -> bool:
    """An account the secretariat may assign to review: an active reviewer."""
    return account.role is Role.REVIEWER and account.active


def assignable_reviewers() -> list[ColumnElement[bool]]:
    """`assignable_reviewer` as conditions on User, for the lists to choose from."""
    return [User.role == Role.REVIEWER, User.active.is_(True)]


# The workflow: which step this person may take now (the table is `domain/workflow.py`).


def step_for(person: HasRole, assessment: InWorkflow, target: WorkflowStatus) -> Transition:
    """The allowed step to `target`, or `NotAllowed` saying why not."""
    source = assessment.status
    candidates = transitions_between(source, target)
    if not candidates:
        raise NotAllowed(
            f"an assessment that is {source.value.replace('_', ' ')} cannot become "
            f"{target.value.replace('_', ' ')}"
        )
    allowed = [t for t in candidates if person.role in t.roles]
    if not allowed:
        raise NotAllowed(
            f"a {person.role.value.replace('_', ' ')} cannot move an assessment from "
            f"{source.value.replace('_', ' ')} to {target.value.replace('_', ' ')}"
        )
    return allowed[0]


def steps_open_to(person: HasRole, assessment: InWorkflow) -> list[Transition]:
    """The steps this person may take from the assessment's status: the buttons to show."""
    return [t for t in transitions_from(assessment.status) if person.role in t.roles]


def may_take_step(person: HasRole, assessment: InWorkflow, target: WorkflowStatus) -> bool:
    return any(t.target is target for t in steps_open_to(person, assessment))


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
    if is_secretariat(user):
        return []
    if answers_for_a_state(user):
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
        query.options(joinedload(Assessment.state_party), joinedload(Assessment.bank_edition))
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
        .options(joinedload(Assessment.state_party), joinedload(Assessment.bank_edition))
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
        .options(joinedload(Assessment.state_party), joinedload(Assessment.bank_edition))
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
    return answers_for_a_state(user) and user.state_party_code == assessment.state_party_code


def is_assigned_reviewer(session: Session, user: User, assessment: Assessment) -> bool:
    if not is_reviewer(user):
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
    if is_secretariat(user) or is_state_member(user, assessment):
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
    if not is_secretariat(user):
        raise NotAllowed(refusal)


def may_remove_finding(
    session: Session, user: User, assessment: Assessment, finding: FindingRecord
) -> bool:
    """The secretariat; or the finding's author, assigned, while the review is open."""
    if is_secretariat(user):
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
    if is_secretariat(user):
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


def require_within_scope(session: Session, user: User, assessment: Assessment) -> None:
    """`NotFound` for an assessment loaded without `get_assessment`'s scope."""
    if is_reviewer(user) and not is_assigned_reviewer(session, user, assessment):
        raise NotFound(f"assessment {assessment.id}")
    if answers_for_a_state(user) and not is_state_member(user, assessment):
        raise NotFound(f"assessment {assessment.id}")


def may_comment(session: Session, user: User, assessment: Assessment) -> bool:
    """The state party, its assigned reviewers and the secretariat discuss a commitment."""
    return (
        is_secretariat(user)
        or is_state_member(user, assessment)
        or is_assigned_reviewer(session, user, assessment)
    )


def may_use_offline_workbook(user: User, assessment: Assessment) -> bool:
    """The offline questionnaire is the state's (and the secretariat's, to help it)."""
    return is_secretariat(user) or is_state_member(user, assessment)


@dataclass(frozen=True)
class Permissions:
    """The decisions a page shows or hides links by, offered to templates as `can`.

    Pages are already scoped by the view that loaded them; these only choose which of the
    person's own actions to offer. The services check again when the action is taken.
    """

    person: HasRole

    @property
    def manage_accounts(self) -> bool:
        return is_secretariat(self.person)

    @property
    def open_assessments(self) -> bool:
        return is_secretariat(self.person)

    @property
    def assign_reviewers(self) -> bool:
        return is_secretariat(self.person)

    @property
    def manage_review(self) -> bool:
        """Assignments, publication consent, and opening a draft to its reviewers."""
        return is_secretariat(self.person)

    @property
    def take_part_in_review(self) -> bool:
        """Reviewers and the secretariat: the review pages and the gap report in review."""
        return in_audience(self.person, Audience.REVIEW_TEAM)

    @property
    def review_assigned_assessments(self) -> bool:
        """A reviewer, whose list of assessments is the list of their assignments."""
        return is_reviewer(self.person)

    @property
    def answer_but_not_submit(self) -> bool:
        return is_contributor(self.person)

    def take_step(self, assessment: InWorkflow, target: str) -> bool:
        return may_take_step(self.person, assessment, WorkflowStatus(target))
