"""The secretariat's bulk actions: open assessments for many states, assign reviewers to many.

Each is one use case and one transaction: every item is tried in a savepoint of its own,
so an item that cannot be done is skipped with its reason while the others are kept, and
the whole lands (with one audit record per change and one for the run) in a single
commit. Nothing is half done: an item either has all its rows or none.

Reasons are English templates with %(name)s fields, marked for the catalogue, so the web
layer says them in the person's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.answers import N_
from questionnaire.domain.scope import Scope, select_commitments
from questionnaire.models import Assessment, ReviewerAssignment, StateParty, User
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import AssessmentError, create_assessment, has_assessment
from questionnaire.services.audit import record
from questionnaire.services.bank_store import latest_bank_edition, question_bank_of_edition
from questionnaire.services.reviews import ReviewError, add_assignment
from questionnaire.services.transactions import transaction

# More than every state party there is: a typing slip, not a request.
MAX_ITEMS = 250
CODE = re.compile(r"[A-Za-z]{3}")


class BulkError(ValueError):
    """The request as a whole cannot be carried out (nothing chosen, bad scope); nothing was
    changed. `template` and `params` as for the reasons of skipped items."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


@dataclass(frozen=True)
class Reason:
    template: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """One item of a bulk action: what it was about, and why it was skipped (if it was)."""

    label: str  # "CHN 2026", or "CHN 2026: expert@jpn.example.org"
    assessment_id: int | None = None
    reason: Reason | None = None

    @property
    def created(self) -> bool:
        return self.reason is None


@dataclass
class BulkResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def created(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.created]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.created]


def parse_state_codes(text: str) -> list[str]:
    """Codes typed as a list ("CHN, jpn KEN"), upper-cased, in order, each once."""
    seen: dict[str, None] = {}
    for word in re.split(r"[\s,;，；、]+", text.strip()):
        if word:
            seen.setdefault(word.upper(), None)
    return list(seen)


def open_assessments(
    session: Session,
    actor: User,
    *,
    state_party_codes: Iterable[str],
    review_year: int,
    scope: Scope,
    due_date: dt.date | None = None,
) -> BulkResult:
    """Open one assessment per state party for the year and scope; skip the ones that exist
    already or name no state party, and say so."""
    access.require_secretariat(actor, N_("Only the secretariat opens assessments."))
    codes = list(dict.fromkeys(code.strip().upper() for code in state_party_codes if code.strip()))
    if not codes:
        raise BulkError(N_("Choose at least one state party."))
    if len(codes) > MAX_ITEMS:
        raise BulkError(N_("Choose at most %(count)s state parties at once."), count=MAX_ITEMS)
    if not 2021 <= review_year <= 2100:
        raise BulkError(N_("The review year must be between 2021 and 2100."))
    version = latest_bank_edition(session)
    if version is None:
        raise BulkError(N_("No question bank is loaded yet."))
    select_commitments(
        question_bank_of_edition(version), scope
    )  # ScopeError before anything is made
    known = {
        state.code: state
        for state in session.scalars(select(StateParty).where(StateParty.code.in_(codes)))
    }
    with transaction(session):
        result = BulkResult()
        for code in codes:
            label = f"{code} {review_year}"
            if not CODE.fullmatch(code) or code not in known:
                reason = Reason(N_("no state party has the code %(code)s"), {"code": code})
                result.outcomes.append(Outcome(label, reason=reason))
                continue
            if has_assessment(session, code, review_year):
                reason = Reason(
                    N_("%(state)s already has an assessment for %(year)s"),
                    {"state": known[code].name_en, "year": review_year},
                )
                result.outcomes.append(Outcome(label, reason=reason))
                continue
            try:
                with session.begin_nested():
                    assessment = create_assessment(
                        session,
                        actor,
                        state_party_code=code,
                        review_year=review_year,
                        scope=scope,
                        due_date=due_date,
                    )
            except AssessmentError as error:  # opened a moment ago by someone else
                result.outcomes.append(
                    Outcome(label, reason=Reason(N_("%(reason)s"), {"reason": str(error)}))
                )
                continue
            result.outcomes.append(Outcome(label, assessment.id))
        _record_run(session, actor, "assessments.opened_in_bulk", result, year=review_year)
    return result


def assign_reviewers(
    session: Session, actor: User, *, assessment_ids: Iterable[int], reviewer_ids: Iterable[int]
) -> BulkResult:
    """Assign the same governmental experts to many assessments, under the IRM's rules for
    each (two reviewing states, one of the state's regional group, never its own)."""
    access.require_secretariat(actor, N_("Only the secretariat assigns reviewers."))
    assessment_ids = list(dict.fromkeys(assessment_ids))
    reviewer_ids = list(dict.fromkeys(reviewer_ids))
    if not assessment_ids:
        raise BulkError(N_("Choose at least one assessment."))
    if not reviewer_ids:
        raise BulkError(N_("Choose at least one reviewer."))
    if len(assessment_ids) > MAX_ITEMS:
        raise BulkError(N_("Choose at most %(count)s assessments at once."), count=MAX_ITEMS)
    reviewers = [session.get(User, reviewer_id) for reviewer_id in reviewer_ids]
    if any(r is None or not access.assignable_reviewer(r) for r in reviewers):
        raise BulkError(N_("Choose reviewers among the active reviewer accounts."))
    assessments = {
        a.id: a
        for a in session.scalars(
            access.visible_assessments(actor).where(Assessment.id.in_(assessment_ids))
        )
    }
    with transaction(session):
        result = BulkResult()
        for assessment_id in assessment_ids:
            assessment = assessments.get(assessment_id)
            if assessment is None:
                reason = Reason(N_("no assessment has the number %(id)s"), {"id": assessment_id})
                result.outcomes.append(Outcome(f"#{assessment_id}", reason=reason))
                continue
            for reviewer in reviewers:
                assert reviewer is not None
                label = f"{assessment.state_party_code} {assessment.review_year}: {reviewer.email}"
                reason = _assignment_refusal(session, assessment, reviewer)
                if reason is None:
                    try:
                        with session.begin_nested():
                            add_assignment(session, actor, assessment, reviewer)
                    except ReviewError as error:  # the IRM's two-state and regional-group rules
                        reason = Reason(N_("%(reason)s"), {"reason": str(error)})
                result.outcomes.append(Outcome(label, assessment.id, reason))
        _record_run(session, actor, "reviewers.assigned_in_bulk", result)
    return result


def _assignment_refusal(session: Session, assessment: Assessment, reviewer: User) -> Reason | None:
    """The common reasons, said plainly; the IRM's composition rules are left to the service."""
    if reviewer.state_party_code == assessment.state_party_code:
        return Reason(
            N_("%(name)s is from %(code)s, the state under review"),
            {"name": reviewer.name, "code": assessment.state_party_code},
        )
    already = session.scalar(
        select(ReviewerAssignment.id).where(
            ReviewerAssignment.assessment_id == assessment.id,
            ReviewerAssignment.reviewer_id == reviewer.id,
        )
    )
    if already is not None:
        return Reason(N_("%(name)s is assigned already"), {"name": reviewer.name})
    return None


def _record_run(
    session: Session, actor: User, action: str, result: BulkResult, **details: object
) -> None:
    """One audit record for the run as a whole, beside the one of each change."""
    record(
        session,
        Actor.of(actor),
        action,
        "secretariat",
        {
            **details,
            "created": [o.label for o in result.created],
            "skipped": [
                {"item": o.label, "reason": o.reason.template % o.reason.params}
                for o in result.skipped
                if o.reason is not None
            ],
        },
    )
