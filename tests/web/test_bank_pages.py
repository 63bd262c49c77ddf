"""Everyone logged in can browse the bank: source text, summary, questions."""

from __future__ import annotations

from flask.testing import FlaskClient

from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Role
from tests.conftest import AuthActions


def test_bank_index_lists_every_section(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank
) -> None:
    make_user("fp@state.test", Role.FOCAL_POINT, "CHN")
    auth.login("fp@state.test")
    page = client.get("/bank/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    for section in loaded_bank.sections:
        assert section.title.zh in page


def test_commitment_page_shows_source_and_questions(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank
) -> None:
    make_user("officer@secretariat.test")
    auth.login("officer@secretariat.test")
    commitment = loaded_bank.commitment("pd2021.p16")
    page = client.get("/bank/pd2021.p16").get_data(as_text=True)
    assert commitment.spec.text_zh[:40] in page
    assert commitment.spec.summary_en[:40].replace("'", "&#39;") in page


def test_unknown_commitment_is_404(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank
) -> None:
    make_user("officer@secretariat.test")
    auth.login("officer@secretariat.test")
    assert client.get("/bank/pd2021.p99").status_code == 404


def test_bank_pages_need_log_in(client: FlaskClient) -> None:
    assert client.get("/bank/").status_code == 302
