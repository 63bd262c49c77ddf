"""No POST request reveals or changes another country's data.

`test_canary.py` walks every GET route; this module covers every POST route of the URL
map. Each person who must not see a country's data posts to every POST route with the real
ids of that country's objects (also mixed with their own ids, the classic way to reach a
finding or clarification through an assessment one may see), once with a form an entitled
person would send and once with an empty form, always with a valid CSRF token. Each post
must be refused (4xx) or redirected; neither the answer nor the page the redirect leads to
may carry the country's canary, and the country's rows (answers, versions, evidence,
comments, clarifications, findings, ratings, assignments, workflow events, accounts) must be
identical afterwards. A control shows that the same forms, sent by the people entitled to
send them, do change those rows: the forms are plausible and the snapshot would notice.

Both assessments are put in `clarification_requested`, the one state in which both the
state party (answers, evidence, clarification answers) and its reviewers (ratings,
findings, questions) may write: a post refused only because of the workflow status would
prove nothing about who may reach the data.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentItem,
    AuditEvent,
    Clarification,
    Comment,
    Evidence,
    FindingRecord,
    Invitation,
    ItemReview,
    ReviewerAssignment,
    Role,
    RollUpScore,
    SaveRequest,
    Score,
    User,
    WorkflowEvent,
)
from questionnaire.services import offline
from tests.conftest import csrf_token
from tests.security.helpers import client_for, response_texts
from tests.security.test_canary import (
    CANARY,
    FOCAL_POINT,
    KENYA_REVIEWER,
    SECRETARIAT,
    UNASSIGNED_REVIEWER,
    TwoCountries,
)

CONTRIBUTOR = {"CHN": "contributor@china.test", "KEN": "contributor@kenya.test"}
# Text the posts try to write: found in no country's rows after the crawl.
PROBE = "POST-PROBE-3e8a61"
# The URL map had 29 POST rules in 2026-11; fewer than this means the enumeration broke,
# not that the application lost routes.
MIN_POST_ROUTES = 25
# Who crawls, and the country (if any) whose data they are entitled to.
CRAWLERS = {
    FOCAL_POINT["KEN"]: "KEN",
    CONTRIBUTOR["KEN"]: "KEN",
    FOCAL_POINT["CHN"]: "CHN",
    CONTRIBUTOR["CHN"]: "CHN",
    KENYA_REVIEWER: "KEN",
    UNASSIGNED_REVIEWER: None,
}
# A form naming another country's object in its fields rather than its URL: posted to the
# crawler's own assessment too.
OBJECT_IN_FORM = frozenset({"exports.offline_apply"})


@dataclass(frozen=True)
class Country:
    code: str
    assessment_id: int
    clarification_id: int
    finding_id: int
    evidence_ids: list[int]  # its evidence link and file
    people: dict[str, int]  # e-mail -> user id of its focal point and contributor
    template: bytes  # its genuine offline workbook, canary answers included
    stash_token: str  # that workbook, uploaded by its focal point and awaiting "apply"


@dataclass(frozen=True)
class PostWorld:
    countries: dict[str, Country]
    commitment_id: str
    reviewer_ids: dict[str, int]  # e-mail -> id


@dataclass(frozen=True)
class Post:
    """One request of the crawl: which rule, which URL, aimed at whose data."""

    endpoint: str
    rule: str
    url: str
    victims: frozenset[str]
    ids: frozenset[tuple[str, object]]  # (parameter, value) substituted into the rule


def _stash(app: Flask, data: bytes, user_id: int, assessment_id: int) -> str:
    """What the import page leaves for its apply step (see `offline.stash_import`)."""
    with app.extensions["database"].sessions() as session:
        user = session.get(User, user_id)
        assessment = session.get(Assessment, assessment_id)
        return offline.stash_import(
            session, user, assessment, data, app.extensions["storage"], timedelta(hours=1)
        )


@pytest.fixture()
def post_world(app: Flask, db: Session, make_user: Any, two_countries: TwoCountries) -> PostWorld:
    """The canary world of `test_canary.py`, with contributors, open for writing."""
    secretariat = db.scalar(select(User).where(User.email == SECRETARIAT))
    secret = offline.offline_secret(app.config["SECRET_KEY"])
    countries: dict[str, Country] = {}
    for code, assessment_id in two_countries.assessment_ids.items():
        contributor = make_user(CONTRIBUTOR[code], Role.CONTRIBUTOR, code)
        assessment = db.get(Assessment, assessment_id)
        assert assessment is not None and secretariat is not None
        assessment.status = WorkflowStatus.CLARIFICATION_REQUESTED
        db.commit()
        items = select(AssessmentItem.id).where(AssessmentItem.assessment_id == assessment_id)
        focal_point = db.scalar(select(User).where(User.email == FOCAL_POINT[code]))
        assert focal_point is not None
        template = offline.template_bytes(db, secretariat, assessment, "en", secret)
        countries[code] = Country(
            code=code,
            assessment_id=assessment_id,
            clarification_id=db.scalar(
                select(Clarification.id).where(Clarification.item_id.in_(items))
            ),
            finding_id=db.scalar(select(FindingRecord.id).where(FindingRecord.item_id.in_(items))),
            evidence_ids=list(
                db.scalars(
                    select(Evidence.id).where(Evidence.item_id.in_(items)).order_by(Evidence.id)
                )
            ),
            people={FOCAL_POINT[code]: focal_point.id, CONTRIBUTOR[code]: contributor.id},
            template=template,
            stash_token=_stash(app, template, focal_point.id, assessment_id),
        )
    reviewers = db.scalars(select(User).where(User.role == Role.REVIEWER))
    return PostWorld(countries, two_countries.commitment_id, {u.email: u.id for u in reviewers})


# ---------------------------------------------------------------------------------------
# What is posted: the URL map filled with both countries' ids, and plausible forms.


def post_rules(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, rule) of every POST rule; log-out last, as it ends the crawler's session."""
    rules = [
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "POST" in (rule.methods or set())
    ]
    return sorted(rules, key=lambda pair: (pair[0] == "auth.logout", pair[1]))


def fill(rule: str, values: dict[str, object]) -> str:
    return re.sub(r"<([^>]+)>", lambda match: str(values[match.group(1).split(":")[-1]]), rule)


def _id_candidates(world: PostWorld) -> dict[str, list[tuple[object, str | None]]]:
    """Each URL parameter's values, with the country owning each (None: nobody's data)."""
    candidates: dict[str, list[tuple[object, str | None]]] = {
        "commitment_id": [(world.commitment_id, None)],
        "token": [("no-such-invitation-token", None)],
        "reviewer_id": [(reviewer_id, None) for reviewer_id in world.reviewer_ids.values()],
    }
    for country in world.countries.values():
        owned = {
            "assessment_id": [country.assessment_id],
            "clarification_id": [country.clarification_id],
            "finding_id": [country.finding_id],
            "evidence_id": country.evidence_ids,
            "user_id": list(country.people.values()),
        }
        for name, values in owned.items():
            candidates.setdefault(name, []).extend((value, country.code) for value in values)
    return candidates


def crawl_posts(app: Flask, world: PostWorld, forbidden: frozenset[str]) -> list[Post]:
    """Every POST rule filled with every combination of ids that reaches forbidden data.

    A URL whose ids are all the crawler's own is left out (posting there is allowed); one
    with no country's id at all is kept and aimed at every forbidden country.
    """
    candidates = _id_candidates(world)
    posts = []
    for endpoint, rule in post_rules(app):
        names = [match.split(":")[-1] for match in re.findall(r"<([^>]+)>", rule)]
        missing = [name for name in names if name not in candidates]
        assert not missing, f"the POST crawl needs values for {missing} in {rule}"
        for combination in itertools.product(*(candidates[name] for name in names)):
            owners = {owner for _value, owner in combination if owner is not None}
            if owners and not owners & forbidden and endpoint not in OBJECT_IN_FORM:
                continue
            values = {name: value for name, (value, _owner) in zip(names, combination, strict=True)}
            url = fill(rule, values)
            victims = frozenset(owners & forbidden) or forbidden
            posts.append(Post(endpoint, rule, url, victims, frozenset(values.items())))
    return posts


@dataclass(frozen=True)
class Aim:
    """Whose data a plausible form is aimed at, and who sends it."""

    db: Session
    world: PostWorld
    victim: Country
    sender: User


def _answer_fields(aim: Aim, how: str) -> dict[str, Any]:
    """The victim's answers rewritten, with the versions the form would carry; `how` makes
    each route's text differ, so that a save after another is not a no-op."""
    item = select(AssessmentItem.id).where(
        AssessmentItem.assessment_id == aim.victim.assessment_id,
        AssessmentItem.commitment_id == aim.world.commitment_id,
    )
    versions = aim.db.execute(
        select(Answer.question_id, Answer.revision).where(Answer.item_id.in_(item))
    )
    return {
        "status": "yes",
        "measures": f"{PROBE} {how} measures",
        "examples": f"{PROBE} {how} examples",
        **{f"version__{question}": str(version) for question, version in versions},
    }


def _upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def _overview(aim: Aim) -> str:
    return f"/assessments/{aim.victim.assessment_id}"


def _some_reviewer(aim: Aim) -> int:
    """The sender when a reviewer (assigning oneself), else a reviewer assigned nowhere."""
    if aim.sender.role is Role.REVIEWER:
        return aim.sender.id
    return aim.world.reviewer_ids[UNASSIGNED_REVIEWER]


# The forms an entitled person would send to each POST endpoint. A new POST route fails
# the crawl until it has an entry here.
PLAUSIBLE_FORMS: dict[str, Callable[[Aim], list[dict[str, Any]]]] = {
    "accounts.invite": lambda aim: [
        {
            "email": f"new@{aim.victim.code.lower()}.test",
            "name": PROBE,
            "role": "contributor",
            "state_party": aim.victim.code,
        }
    ],
    "accounts.disable": lambda aim: [{}],
    "accounts.enable": lambda aim: [{}],
    "accounts.reissue": lambda aim: [{}],
    "accounts.edit": lambda aim: [
        {"role": "contributor", "state_party": aim.sender.state_party_code or "DEU"}
    ],
    "assessments.commitment": lambda aim: [_answer_fields(aim, "form")],
    "assessments.autosave": lambda aim: [_answer_fields(aim, "autosave")],
    "reviews.answer": lambda aim: [{"answer": f"{PROBE} answer"}],
    "reviews.comment": lambda aim: [{"body": f"{PROBE} comment", "back": "review"}],
    "assessments.add_evidence": lambda aim: [
        {"url": f"https://example.org/{PROBE}", "title": PROBE},
        {"file": _upload(b"%PDF-1.7 " + PROBE.encode(), f"{PROBE}.pdf")},
    ],
    "assessments.toggle_follow_up": lambda aim: [{"follow_up": "1"}],
    "reviews.consent": lambda aim: [{"consent": "full_report"}],
    "reviews.open_draft": lambda aim: [{"opened": "1"}],
    "exports.offline_apply": lambda aim: [{"token": aim.victim.stash_token}],
    "exports.offline_import": lambda aim: [{"file": _upload(aim.victim.template, "q.xlsx")}],
    "reviews.save": lambda aim: [
        {"framework": "fully", "practice": "high", "observations": f"{PROBE} observations"},
        {"kind": "challenge", "text": f"{PROBE} finding", "recommendation": PROBE},
        {"action": "ask", "question": f"{PROBE} question"},
        {"action": "comment", "body": f"{PROBE} comment"},
    ],
    "reviews.remove_finding": lambda aim: [{}],
    "assessments.remove_evidence": lambda aim: [{}],
    "accounts.lift_lockout": lambda aim: [{}],
    "reviews.complete": lambda aim: [
        {"confirm": "yes", f"reason-{aim.world.commitment_id}": f"{PROBE} reason"}
    ],
    "reviews.finalize": lambda aim: [{"confirm": "yes"}],
    "reviews.assign": lambda aim: [{"reviewer_id": str(_some_reviewer(aim))}],
    "reviews.unassign": lambda aim: [{}],
    "reviews.change_status": lambda aim: [{"target": "answered"}],
    "assessments.submit": lambda aim: [{}],
    "auth.invitation": lambda aim: [{"password": PROBE * 2, "password_again": PROBE * 2}],
    "i18n.switch_language": lambda aim: [{"language": "en", "next": _overview(aim)}],
    "auth.login": lambda aim: [
        {"email": FOCAL_POINT[aim.victim.code], "password": "not the password"}
    ],
    "auth.logout": lambda aim: [{}],
    "auth.change_password": lambda aim: [
        {
            "current_password": "not the password",
            "new_password": PROBE * 2,
            "new_password_again": PROBE * 2,
        }
    ],
    "secretariat.new_assessment": lambda aim: [
        {"state_party": aim.victim.code, "review_year": "2027", "themes": "political_finance"}
    ],
    "exports.start_secretariat_report": lambda aim: [{"lang": "en"}],
    "secretariat.open_many": lambda aim: [
        {"states": aim.victim.code, "review_year": "2028", "themes": "political_finance"}
    ],
    "secretariat.bulk_assign": lambda aim: [
        {"assessment": str(aim.victim.assessment_id), "reviewer": str(_some_reviewer(aim))}
    ],
}


# ---------------------------------------------------------------------------------------
# What is compared: a country's rows, and what a person receives.


def country_rows(db: Session, code: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that is the country's data, column by column, in primary-key order."""
    assessments = select(Assessment.id).where(Assessment.state_party_code == code)
    items = select(AssessmentItem.id).where(AssessmentItem.assessment_id.in_(assessments))
    answers = select(Answer.id).where(Answer.item_id.in_(items))
    people = select(User.id).where(User.state_party_code == code)
    scoped: list[tuple[Any, ColumnElement[bool]]] = [
        (Assessment, Assessment.state_party_code == code),
        (AssessmentItem, AssessmentItem.assessment_id.in_(assessments)),
        (Answer, Answer.item_id.in_(items)),
        (AnswerChange, AnswerChange.answer_id.in_(answers)),
        (SaveRequest, SaveRequest.item_id.in_(items)),
        (Evidence, Evidence.item_id.in_(items)),
        (ItemReview, ItemReview.item_id.in_(items)),
        (FindingRecord, FindingRecord.item_id.in_(items)),
        (Clarification, Clarification.item_id.in_(items)),
        (Comment, Comment.item_id.in_(items)),
        (ReviewerAssignment, ReviewerAssignment.assessment_id.in_(assessments)),
        (WorkflowEvent, WorkflowEvent.assessment_id.in_(assessments)),
        (Score, Score.assessment_id.in_(assessments)),
        (RollUpScore, RollUpScore.assessment_id.in_(assessments)),
        (User, User.id.in_(people)),
        (Invitation, Invitation.user_id.in_(people)),
    ]
    rows = {}
    for model, condition in scoped:
        table = model.__table__
        query = select(table).where(condition).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.execute(query)]
    return rows


def audit_trail_of(db: Session, email: str) -> list[tuple[str, str, str]]:
    """What the audit log holds of a person's actions: a refused post leaves nothing."""
    query = select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
    rows = db.execute(query.where(AuditEvent.actor == email).order_by(AuditEvent.id))
    return [(action, kind, identity) for action, kind, identity in rows]


def received(client: FlaskClient, response: TestResponse) -> Iterator[str]:
    """The response's text, then that of each page its redirects lead to."""
    for _hop in range(5):
        yield from response_texts(response.data, response.headers)
        location = response.headers.get("Location")
        response.close()
        if not (300 <= response.status_code < 400 and location):
            return
        response = client.get(location)
    response.close()


def url_of(app: Flask, endpoint: str, **values: object) -> str:
    (rule,) = app.url_map.iter_rules(endpoint)
    return fill(rule.rule, values)


# ---------------------------------------------------------------------------------------
# The tests.


def test_no_post_reveals_or_changes_another_countrys_data(
    app: Flask, db: Session, post_world: PostWorld
) -> None:
    """One world for every crawler (its set-up costs more than a crawl): a crawl that
    changed anything of another country fails anyway, with the crawler named."""
    rules = {rule for _endpoint, rule in post_rules(app)}
    assert len(rules) >= MIN_POST_ROUTES, sorted(rules)
    failures: list[str] = []
    for person, own in CRAWLERS.items():
        forbidden = frozenset(post_world.countries) - {own}
        posts = crawl_posts(app, post_world, forbidden)
        assert {post.rule for post in posts} == rules, person  # every POST route is posted to
        without_forms = {post.endpoint for post in posts} - set(PLAUSIBLE_FORMS)
        assert not without_forms, f"add plausible forms to PLAUSIBLE_FORMS for {without_forms}"
        substituted = set().union(*(post.ids for post in posts))
        forbidden_ids = {
            (name, value)
            for name, values in _id_candidates(post_world).items()
            for value, owner in values
            if owner in forbidden
        }
        assert forbidden_ids and forbidden_ids <= substituted, forbidden_ids - substituted

        sender = db.scalar(select(User).where(User.email == person))
        assert sender is not None
        failures += _crawl(client_for(app, person), db, post_world, sender, posts, forbidden)
        if own is not None:  # nothing of the other country was copied into the crawler's own
            own_rows = repr(country_rows(db, own))
            failures += [
                f"{person}: {own} now holds {code}'s canary"
                for code in forbidden
                if CANARY[code] in own_rows
            ]
    assert failures == []


def _crawl(
    client: FlaskClient,
    db: Session,
    world: PostWorld,
    sender: User,
    posts: list[Post],
    forbidden: frozenset[str],
) -> list[str]:
    """Send each post's plausible forms and an empty one; say what went wrong."""
    token = csrf_token(client, "/")
    failures: list[str] = []
    before = {code: country_rows(db, code) for code in forbidden}
    trail = audit_trail_of(db, sender.email)
    for post in posts:
        forms: list[dict[str, Any]] = []
        for code in sorted(post.victims):
            aim = Aim(db, world, world.countries[code], sender)
            forms += PLAUSIBLE_FORMS[post.endpoint](aim)
        for form in forms if {} in forms else [*forms, {}]:
            label = f"{sender.email} POST {post.url} {sorted(form) or 'empty form'}"
            response = client.post(post.url, data={"csrf_token": token, **form})
            if not 300 <= response.status_code < 500:
                failures.append(f"{label}: status {response.status_code}")
            for text in received(client, response):
                failures += [
                    f"{label}: leaks {text[max(0, text.find(CANARY[code]) - 80) :][:200]!r}"
                    for code in forbidden
                    if CANARY[code] in text
                ]
        after = {code: country_rows(db, code) for code in forbidden}
        for code in forbidden:
            changed = [table for table, rows in after[code].items() if rows != before[code][table]]
            if changed:
                failures.append(f"{sender.email} POST {post.url}: changed {code}'s {changed}")
        before = after
        new_trail = audit_trail_of(db, sender.email)
        if new_trail != trail:
            failures.append(f"{sender.email} POST {post.url}: audited {new_trail[len(trail) :]}")
        trail = new_trail
    return failures


# (endpoint, who sends the plausible form, the URL's ids) in an order in which each step
# is still allowed: the state party writes, sends its clarifications, then the reviewer
# reviews, then the secretariat re-assigns reviewers and manages accounts. The other POST
# endpoints change no country's rows even for those entitled: the import previews, "apply"
# finds nothing new in the genuine workbook, submitting needs a draft, completing the review
# and finalizing need a review at that step (tests/web/test_review_completion.py), the cross-country
# report writes a job file, lifting a lock-out changes log-in attempts only, and log-in,
# log-out, password and language concern the sender.
def _control_steps(world: PostWorld) -> list[tuple[str, str, dict[str, object]]]:
    kenya = world.countries["KEN"]
    item = {"assessment_id": kenya.assessment_id, "commitment_id": world.commitment_id}
    contributor = {"user_id": kenya.people[CONTRIBUTOR["KEN"]]}
    return [
        ("assessments.commitment", FOCAL_POINT["KEN"], item),
        ("assessments.autosave", FOCAL_POINT["KEN"], item),
        ("assessments.add_evidence", FOCAL_POINT["KEN"], item),
        ("assessments.toggle_follow_up", FOCAL_POINT["KEN"], item),
        ("reviews.comment", FOCAL_POINT["KEN"], item),
        (
            "reviews.answer",
            FOCAL_POINT["KEN"],
            {**item, "clarification_id": kenya.clarification_id},
        ),
        ("reviews.change_status", FOCAL_POINT["KEN"], item),
        ("reviews.save", KENYA_REVIEWER, item),
        # The seeded finding has no author among the reviewers: the secretariat removes it.
        ("reviews.remove_finding", SECRETARIAT, {**item, "finding_id": kenya.finding_id}),
        ("reviews.consent", SECRETARIAT, item),
        ("reviews.open_draft", SECRETARIAT, item),
        (
            "reviews.unassign",
            SECRETARIAT,
            {**item, "reviewer_id": world.reviewer_ids[KENYA_REVIEWER]},
        ),
        ("reviews.assign", SECRETARIAT, item),
        ("accounts.reissue", SECRETARIAT, contributor),
        ("accounts.disable", SECRETARIAT, contributor),
        ("accounts.enable", SECRETARIAT, contributor),
        ("accounts.edit", SECRETARIAT, contributor),
        ("accounts.invite", SECRETARIAT, {}),
        ("secretariat.new_assessment", SECRETARIAT, {}),
        ("secretariat.open_many", SECRETARIAT, {}),
        # The reviewer assigned above is removed again, so the bulk form can assign them.
        (
            "reviews.unassign",
            SECRETARIAT,
            {**item, "reviewer_id": world.reviewer_ids[UNASSIGNED_REVIEWER]},
        ),
        ("secretariat.bulk_assign", SECRETARIAT, {}),
        (
            "assessments.remove_evidence",
            SECRETARIAT,
            {**item, "evidence_id": kenya.evidence_ids[0]},
        ),
    ]


def test_the_plausible_forms_change_the_data_when_sent_by_those_entitled(
    app: Flask, db: Session, post_world: PostWorld
) -> None:
    """Without this, a crawl whose forms were all rejected as malformed, or whose snapshot
    missed a table, would pass while proving nothing."""
    clients: dict[str, FlaskClient] = {}
    unchanged = []
    for endpoint, person, ids in _control_steps(post_world):
        if person not in clients:
            clients[person] = client_for(app, person)
        client = clients[person]
        sender = db.scalar(select(User).where(User.email == person))
        assert sender is not None
        url = url_of(app, endpoint, **ids)
        aim = Aim(db, post_world, post_world.countries["KEN"], sender)
        for form in PLAUSIBLE_FORMS[endpoint](aim):
            before = country_rows(db, "KEN")
            response = client.post(url, data={"csrf_token": csrf_token(client, "/"), **form})
            assert response.status_code in (200, 302), (endpoint, response.status_code)
            if country_rows(db, "KEN") == before:
                unchanged.append(endpoint)
    assert unchanged == []
