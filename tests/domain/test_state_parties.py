"""The state-party list: right size, right groups, names from the libraries in both languages."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pycountry
import pytest

from questionnaire.domain import state_parties as module
from questionnaire.domain.state_parties import (
    StatePartyEntry,
    UnknownStateParty,
    load_regional_groups,
    load_state_parties,
    state_party,
)

CJK = re.compile(r"[\u3400-\u9fff]")

# UN members per group. Asia-Pacific counts Kiribati; the Western European and other
# States count the United States, which sits with that group for electoral purposes.
EXPECTED_MEMBERS = {
    "african": 54,
    "asia_pacific": 54,
    "eastern_european": 23,
    "latin_american_caribbean": 33,
    "western_european_other": 29,
}


def test_195_entries_of_which_193_members() -> None:
    parties = load_state_parties()
    assert len(parties) == 195
    assert len({party.code for party in parties}) == 195
    assert sum(party.member for party in parties) == 193
    assert sum(EXPECTED_MEMBERS.values()) == 193


def test_members_per_regional_group() -> None:
    counts = Counter(party.regional_group for party in load_state_parties() if party.member)
    assert dict(counts) == EXPECTED_MEMBERS


def test_observers_are_placed_by_geography() -> None:
    observers = {party.code: party for party in load_state_parties() if not party.member}
    assert set(observers) == {"PSE", "VAT"}
    assert observers["PSE"].regional_group == "asia_pacific"
    assert observers["VAT"].regional_group == "western_european_other"
    assert observers["PSE"].name_en == "State of Palestine"
    assert observers["VAT"].name_en == "Holy See"


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("TUR", "western_european_other"),
        ("ISR", "western_european_other"),
        ("USA", "western_european_other"),
        ("KIR", "asia_pacific"),
    ],
)
def test_group_placements_the_un_lists(code: str, group: str) -> None:
    party = state_party(code)
    assert party.regional_group == group
    assert party.member


def test_sorted_by_code() -> None:
    codes = [party.code for party in load_state_parties()]
    assert codes == sorted(codes)


def test_names_in_both_languages() -> None:
    for party in load_state_parties():
        assert CJK.search(party.name_zh), party
        assert party.name_en.strip(), party
        assert not any(mark in party.name_en for mark in ("&", "St. ", " - ", "(")), party


def test_regional_groups_are_labelled() -> None:
    groups = load_regional_groups()
    assert [group.id for group in groups] == list(EXPECTED_MEMBERS)
    labels = {group.id: (group.label_zh, group.label_en) for group in groups}
    assert labels["african"] == ("非洲国家组", "African States")
    assert labels["western_european_other"] == (
        "西欧和其他国家组",
        "Western European and other States",
    )
    used = {party.regional_group for party in load_state_parties()}
    assert used == set(labels)


def test_lookup_is_case_insensitive() -> None:
    china = state_party("chn")
    assert china == StatePartyEntry(
        code="CHN", name_en="China", name_zh="中国", regional_group="asia_pacific", member=True
    )
    assert state_party("CHN") is china


def test_unknown_code_is_named_in_the_error() -> None:
    with pytest.raises(UnknownStateParty, match="XXX") as raised:
        state_party("XXX")
    assert isinstance(raised.value, ValueError)


def test_every_code_is_an_iso_alpha3() -> None:
    for party in load_state_parties():
        country = pycountry.countries.get(alpha_3=party.code)
        assert country is not None, party.code
        assert country.alpha_3 == party.code


def test_module_stays_free_of_flask_and_sqlalchemy() -> None:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_babel", "sqlalchemy"}
