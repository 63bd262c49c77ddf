"""The secretariat's bulk actions and the list filters (issue 15, items 7 and 9).

Opening assessments for many states and assigning reviewers to many assessments: each
request is one transaction, what cannot be done is skipped with its reason and the rest
is kept, and the run is in the audit log. Filters are in the query string, so they work
without JavaScript.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import Assessment, AuditEvent, ReviewerAssignment, Role, User
from questionnaire.services.access import NotAllowed
from questionnaire.services.bulk import BulkError, assign_reviewers, parse_state_codes
from tests.conftest import AuthActions, csrf_token
from tests.web.questionnaire_helpers import open_assessment

SECRETARIAT = "officer@secretariat.test"
OPEN_MANY = "/secretariat/assessments/open-many"
ASSIGN = "/secretariat/assessments/assign"


@pytest.fixture()
def secretariat(app: Flask, make_user: Any, loaded_bank: Any) -> FlaskClient:
    make_user(SECRETARIAT, Role.SECRETARIAT)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    AuthActions(client).login(SECRETARIAT)
    return client


def _text(reply: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True)))


def _open_many(client: FlaskClient, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(client, OPEN_MANY), "review_year": "2026", **fields}
    return client.post(OPEN_MANY, data=data)


def _count(db: Session, model: Any, *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


# Opening many assessments.


def test_open_many_creates_one_per_state_and_skips_duplicates_and_unknown_codes(
    secretariat: FlaskClient, db: Session, make_user: Any
) -> None:
    open_assessment(db, make_user, state="JPN")  # JPN 2026 exists already
    reply = _open_many(secretariat, states="chn, JPN KEN\nXYZ, 12", sections=["prevention"])
    assert reply.status_code == 200
    text = _text(reply)
    assert "Done: 2, skipped: 3." in text
    assert "Japan already has an assessment for 2026" in text
    assert "no state party has the code XYZ" in text
    assert "no state party has the code 12" in text
    codes = set(
        db.scalars(select(Assessment.state_party_code).where(Assessment.review_year == 2026))
    )
    assert codes == {"CHN", "JPN", "KEN"}
    run = db.scalar(select(AuditEvent).where(AuditEvent.action == "assessments.opened_in_bulk"))
    assert run is not None and run.details["created"] == ["CHN 2026", "KEN 2026"]
    assert {s["item"] for s in run.details["skipped"]} == {"JPN 2026", "XYZ 2026", "12 2026"}
    assert _count(db, AuditEvent, AuditEvent.action == "assessment.created") == 3  # JPN's too


def test_open_many_for_a_whole_regional_group(secretariat: FlaskClient, db: Session) -> None:
    reply = _open_many(secretariat, region="western_european_other", sections=["prevention"])
    assert reply.status_code == 200
    opened = _count(db, Assessment)
    assert opened > 20  # the group's 28 or so members
    assert f"Done: {opened}, skipped: 0." in _text(reply)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"states": ""}, "Choose at least one state party."),
        ({"states": " , ; "}, "Choose at least one state party."),
        ({"states": "CHN", "review_year": "1999"}, "Number must be between 2021 and 2100."),
        ({"states": "CHN", "region": "atlantis"}, "Not a valid choice."),
        ({"states": "CHN", "sections": ["no_such_section"]}, "is not a valid choice"),
    ],
)
def test_open_many_refuses_a_bad_request_and_opens_nothing(
    secretariat: FlaskClient, db: Session, fields: dict[str, Any], message: str
) -> None:
    reply = _open_many(secretariat, **fields)
    assert reply.status_code == 400
    assert message in _text(reply)
    assert _count(db, Assessment) == 0
    assert _count(db, AuditEvent, AuditEvent.action == "assessments.opened_in_bulk") == 0


def test_only_the_secretariat_opens_or_assigns_in_bulk(
    app: Flask, db: Session, make_user: Any, loaded_bank: Any
) -> None:
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    client = app.test_client()
    AuthActions(client).login("fp@china.test")
    assert client.get(OPEN_MANY).status_code == 404
    assert client.get(ASSIGN).status_code == 404
    focal_point = db.scalar(select(User).where(User.email == "fp@china.test"))
    with pytest.raises(NotAllowed):
        assign_reviewers(db, focal_point, assessment_ids=[1], reviewer_ids=[1])


def test_state_codes_are_read_as_people_type_them() -> None:
    assert parse_state_codes(" chn,JPN;ken\n  chn，fra、deu ") == [
        "CHN",
        "JPN",
        "KEN",
        "FRA",
        "DEU",
    ]


# Assigning reviewers to many assessments.


@pytest.fixture()
def reviewers(make_user: Any) -> dict[str, User]:
    return {
        "JPN": make_user("expert@jpn.test", Role.REVIEWER, "JPN"),
        "FRA": make_user("expert@fra.test", Role.REVIEWER, "FRA"),
        "CHN": make_user("expert@chn.test", Role.REVIEWER, "CHN"),
    }


def _assign(
    client: FlaskClient, assessments: list[int], reviewers: list[int], query: str = ""
) -> Any:
    data = {
        "csrf_token": csrf_token(client, ASSIGN),
        "assessment": [str(i) for i in assessments],
        "reviewer": [str(i) for i in reviewers],
    }
    return client.post(ASSIGN + query, data=data)


def test_assign_many_assigns_each_reviewer_and_skips_a_reviewer_of_the_reviewed_state(
    secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    china = open_assessment(db, make_user, state="CHN")
    japan = open_assessment(db, make_user, state="JPN")
    reply = _assign(secretariat, [china.id, japan.id], [reviewers["FRA"].id, reviewers["CHN"].id])
    assert reply.status_code == 200
    text = _text(reply)
    assert "Done: 3, skipped: 1." in text
    assert "CHN 2026: expert@chn.test: expert is from CHN, the state under review" in text
    pairs = set(
        db.execute(select(ReviewerAssignment.assessment_id, ReviewerAssignment.reviewer_id))
    )
    assert pairs == {
        (china.id, reviewers["FRA"].id),
        (japan.id, reviewers["FRA"].id),
        (japan.id, reviewers["CHN"].id),
    }
    run = db.scalar(select(AuditEvent).where(AuditEvent.action == "reviewers.assigned_in_bulk"))
    assert run is not None and len(run.details["created"]) == 3
    assert run.details["skipped"][0]["item"] == "CHN 2026: expert@chn.test"
    assert _count(db, AuditEvent, AuditEvent.action == "reviewer.assigned") == 3


def test_assign_many_follows_the_irm_draw_for_each_assessment(
    secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    """Kenya is African: two Asia-Pacific experts would leave it without one of its group."""
    kenya = open_assessment(db, make_user, state="KEN")
    reply = _assign(secretariat, [kenya.id], [reviewers["JPN"].id, reviewers["CHN"].id])
    assert "Done: 1, skipped: 1." in _text(reply)
    assert "same regional group as the state under review" in _text(reply)
    assert _count(db, ReviewerAssignment) == 1


def test_assign_many_says_what_was_assigned_already_and_keeps_the_rest(
    secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    china = open_assessment(db, make_user, state="CHN")
    _assign(secretariat, [china.id], [reviewers["JPN"].id])
    reply = _assign(secretariat, [china.id], [reviewers["JPN"].id, reviewers["FRA"].id])
    assert "Done: 1, skipped: 1." in _text(reply)
    assert "expert is assigned already" in _text(reply)
    assert _count(db, ReviewerAssignment) == 2


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        ("no assessment", "Choose at least one assessment."),
        ("no reviewer", "Choose at least one reviewer."),
        ("not a reviewer", "Choose reviewers among the active reviewer accounts."),
    ],
)
def test_assign_many_refuses_an_empty_or_wrong_choice_and_assigns_nothing(
    secretariat: FlaskClient,
    db: Session,
    make_user: Any,
    reviewers: dict[str, User],
    choose: str,
    message: str,
) -> None:
    china = open_assessment(db, make_user, state="CHN")
    officer = db.scalar(select(User).where(User.email == SECRETARIAT))
    assessments = [] if choose == "no assessment" else [china.id]
    chosen = {
        "no assessment": [reviewers["JPN"].id],
        "no reviewer": [],
        "not a reviewer": [reviewers["JPN"].id, officer.id],
    }[choose]
    reply = _assign(secretariat, assessments, chosen)
    assert reply.status_code == 400
    assert message in _text(reply)
    assert _count(db, ReviewerAssignment) == 0
    # What was ticked stays ticked, so nothing has to be chosen again.
    for reviewer_id in set(chosen) - {officer.id}:
        assert re.search(
            rf'value="{reviewer_id}" id="reviewer-{reviewer_id}" checked',
            reply.get_data(as_text=True),
        )


def test_assign_many_names_an_assessment_that_does_not_exist(
    secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    china = open_assessment(db, make_user, state="CHN")
    reply = _assign(secretariat, [china.id, 999999], [reviewers["JPN"].id])
    assert "no assessment has the number 999999" in _text(reply)
    assert _count(db, ReviewerAssignment) == 1


def test_a_malformed_assessment_id_is_refused_naming_the_field(
    secretariat: FlaskClient, db: Session, reviewers: dict[str, User]
) -> None:
    data = {
        "csrf_token": csrf_token(secretariat, ASSIGN),
        "assessment": "1 OR 1=1",
        "reviewer": "1",
    }
    reply = secretariat.post(ASSIGN, data=data)
    assert reply.status_code == 400
    assert _count(db, ReviewerAssignment) == 0


def test_the_service_refuses_an_empty_selection_before_touching_anything(
    db: Session, make_user: Any, loaded_bank: Any
) -> None:
    officer = make_user(SECRETARIAT, Role.SECRETARIAT)
    with pytest.raises(BulkError, match="at least one assessment"):
        assign_reviewers(db, officer, assessment_ids=[], reviewer_ids=[1])


# Filters.


def test_the_assessment_list_filters_by_status_year_region_and_text(
    secretariat: FlaskClient, db: Session, make_user: Any
) -> None:
    for code in ("CHN", "JPN", "KEN", "FRA"):
        open_assessment(db, make_user, state=code)

    def listed(query: str) -> set[str]:
        reply = secretariat.get("/assessments/" + query)
        assert reply.status_code == 200, query
        return set(re.findall(r"\(([A-Z]{3})\)</td>", reply.get_data(as_text=True)))

    assert listed("") == {"CHN", "JPN", "KEN", "FRA"}
    assert listed("?region=asia_pacific") == {"CHN", "JPN"}
    assert listed("?q=ken") == {"KEN"}
    assert listed("?q=Fran") == {"FRA"}
    assert listed("?q=%25") == set()  # a wildcard typed is a character, not "everything"
    assert listed("?status=draft&year=2026") == {"CHN", "JPN", "KEN", "FRA"}
    assert listed("?status=finalized") == set()
    assert listed("?year=2027") == set()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?status=lost", "Not a valid choice."),
        ("?year=abc", "Not a valid integer value."),
        ("?year=1900", "Number must be between 2021 and 2100."),
        ("?region=atlantis", "Not a valid choice."),
    ],
)
def test_a_bad_filter_is_named_and_the_list_is_narrowed_by_the_others_only(
    secretariat: FlaskClient, db: Session, make_user: Any, query: str, message: str
) -> None:
    open_assessment(db, make_user, state="CHN")
    reply = secretariat.get("/assessments/" + query + "&q=chn")
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert message in _text(reply)
    assert 'aria-invalid="true"' in page
    assert "(CHN)</td>" in page


def test_the_account_list_filters_by_role_state_status_and_text(
    secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    reviewers["FRA"].active = False
    db.commit()

    def listed(query: str) -> set[str]:
        reply = secretariat.get("/accounts" + query)
        assert reply.status_code == 200, query
        return set(re.findall(r"<td>([^<@]+@[^<]+)</td>", reply.get_data(as_text=True)))

    assert listed("?role=reviewer") == {"expert@jpn.test", "expert@fra.test", "expert@chn.test"}
    assert listed("?state=CHN") == {"expert@chn.test", "fp@china.test"}
    assert listed("?status=disabled") == {"expert@fra.test"}
    assert listed("?role=reviewer&status=active") == {"expert@jpn.test", "expert@chn.test"}
    assert listed("?q=JPN") == {"expert@jpn.test"}
    assert listed("?q=_") == set()
    bad = secretariat.get("/accounts?role=king")
    assert bad.status_code == 400 and "Not a valid choice." in _text(bad)


def test_the_invite_form_comes_before_the_account_list_and_the_link_can_be_copied(
    secretariat: FlaskClient,
) -> None:
    page = secretariat.get("/accounts").get_data(as_text=True)
    assert page.index("Invite a person") < page.index("<table")
    invited = secretariat.post(
        "/accounts",
        data={
            "csrf_token": csrf_token(secretariat, "/accounts"),
            "email": "new.person@kenya.test",
            "name": "New Person",
            "role": "focal_point",
            "state_party": "KEN",
        },
    ).get_data(as_text=True)
    field = re.search(r'<input type="text" id="copy-link" readonly value="([^"]+)"', invited)
    assert field and "/invitation/" in field.group(1)
    assert re.search(r'<label[^>]*for="copy-link"', invited)  # named for screen readers
    assert "data-copy-button hidden" in invited  # shown by copy.js only where it can copy


# Each role's next step on the home page.


def test_the_home_page_leads_each_role_to_its_next_step(
    app: Flask, secretariat: FlaskClient, db: Session, make_user: Any, reviewers: dict[str, User]
) -> None:
    china = open_assessment(db, make_user, state="CHN")
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    focal_point = app.test_client()
    AuthActions(focal_point).login("fp@china.test")
    home = focal_point.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    first = china.items[0].commitment_id
    assert re.search(
        rf'<a class="button" href="/assessments/{china.id}/c/{re.escape(first)}">'
        r"Continue: the first commitment not yet answered",
        home,
    )
    assert "Your next step" not in secretariat.get("/").get_data(as_text=True)
