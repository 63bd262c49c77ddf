"""UN state parties with their UN regional groups and their names in English and Chinese.

Which group a State sits in is kept as data (`questionnaire/data/regional_groups.yaml`)
because no library maintains it. Names are never typed by hand: they come from Babel
(CLDR) and, where CLDR's display name does not fit a UN report, from pycountry (ISO 3166
and its Debian iso-codes translations), so they stay current when those libraries update.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import pycountry
import yaml
from babel import Locale

_DATA_PACKAGE = "questionnaire.data"
_DATA_FILE = "regional_groups.yaml"
_ALPHA3 = re.compile(r"[A-Z]{3}")
_CJK = re.compile(r"[\u3400-\u9fff]")

# CLDR's English display names abbreviate in ways UN documents do not ("Bosnia &
# Herzegovina", "St. Lucia") and disambiguate by capital ("Congo - Kinshasa") or by an
# older name ("Myanmar (Burma)"). A name with one of these marks is taken from ISO 3166
# (pycountry) instead, which follows UN terminology.
_CLDR_ONLY_MARKS_EN = ("&", "St. ", " - ", "(")
# Chinese CLDR names disambiguate the two Congos the same way: 刚果（金）, 刚果（布）.
_CLDR_ONLY_MARKS_ZH = ("（", "(")
_PYCOUNTRY_ZH_LOCALE = "zh_CN"


class StatePartyDataError(RuntimeError):
    """The regional-group data or a name library cannot give what a report needs."""


class UnknownStateParty(ValueError):
    """A code that is not one of the UN state parties; a ValueError so callers validating
    input can treat it like any other bad value."""


@dataclass(frozen=True)
class RegionalGroup:
    """A UN regional group, labelled in both report languages."""

    id: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class StatePartyEntry:
    """One entry of the reference list: a UN member or observer State, named in both languages.

    `member` is False for the two General Assembly observer States, which belong to no
    regional group and are placed in one by geography only so reports can show them.
    """

    code: str
    name_en: str
    name_zh: str
    regional_group: str
    member: bool


@cache
def _raw_data() -> dict[str, Any]:
    """Read the YAML once through importlib.resources so it works from an installed wheel."""
    text = files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    # libyaml when installed: the first report of each worker process waited 0.1 s for this.
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    if not isinstance(data, dict) or not {"groups", "state_parties"} <= data.keys():
        raise StatePartyDataError(f"{_DATA_FILE} must have top-level 'groups' and 'state_parties'")
    return data


@cache
def load_regional_groups() -> list[RegionalGroup]:
    """The five UN regional groups in the order the data file lists them."""
    groups: list[RegionalGroup] = []
    for entry in _raw_data()["groups"]:
        try:
            groups.append(
                RegionalGroup(
                    id=str(entry["id"]),
                    label_zh=str(entry["label"]["zh"]),
                    label_en=str(entry["label"]["en"]),
                )
            )
        except (KeyError, TypeError) as exc:
            raise StatePartyDataError(
                f"{_DATA_FILE}: each group needs 'id' and 'label' with 'zh' and 'en'; got {entry!r}"
            ) from exc
    return groups


@cache
def load_state_parties() -> list[StatePartyEntry]:
    """All UN member and observer States, sorted by alpha-3 code.

    Cached: the list is built from static data and libraries, so it never changes while
    the process runs. Callers must not mutate the returned list.
    """
    group_ids = {group.id for group in load_regional_groups()}
    parties: list[StatePartyEntry] = []
    for code, entry in _raw_data()["state_parties"].items():
        if not isinstance(code, str) or not _ALPHA3.fullmatch(code):
            raise StatePartyDataError(f"{_DATA_FILE}: {code!r} is not an upper-case alpha-3 code")
        if not isinstance(entry, dict) or entry.get("group") not in group_ids:
            raise StatePartyDataError(
                f"{_DATA_FILE}: {code} needs a 'group' out of {sorted(group_ids)}; got {entry!r}"
            )
        member = entry.get("member")
        if not isinstance(member, bool):
            raise StatePartyDataError(f"{_DATA_FILE}: {code} needs 'member: true' or 'false'")
        name_en, name_zh = _names(code, member=member)
        parties.append(
            StatePartyEntry(
                code=code,
                name_en=name_en,
                name_zh=name_zh,
                regional_group=entry["group"],
                member=member,
            )
        )
    return sorted(parties, key=lambda party: party.code)


@cache
def _by_code() -> dict[str, StatePartyEntry]:
    return {party.code: party for party in load_state_parties()}


def state_party(code: str) -> StatePartyEntry:
    """The state party with this alpha-3 code, in any letter case.

    Raises UnknownStateParty, naming the code, so a bad code in an import file or URL is
    reported as such rather than as a bare KeyError.
    """
    party = _by_code().get(code.strip().upper())
    if party is None:
        raise UnknownStateParty(
            f"{code!r} is not the ISO 3166-1 alpha-3 code of a UN member or observer State"
        )
    return party


def _names(code: str, *, member: bool) -> tuple[str, str]:
    """English and Chinese names for one code.

    CLDR names the observers' territories ("Palestinian Territories", "Vatican City"),
    not the observer States the UN seats, so observers always take ISO 3166 names.
    """
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise StatePartyDataError(f"{code}: pycountry has no ISO 3166-1 country with this code")
    name_en = _babel_territories("en").get(country.alpha_2)
    name_zh = _babel_territories("zh_Hans_CN").get(country.alpha_2)
    if name_en is None or name_zh is None:
        raise StatePartyDataError(
            f"{code}: Babel has no territory name for {country.alpha_2} in English or Chinese"
        )
    iso_en, iso_msgid = _iso_english(country)
    if not member or any(mark in name_en for mark in _CLDR_ONLY_MARKS_EN):
        name_en = iso_en
    if not member or any(mark in name_zh for mark in _CLDR_ONLY_MARKS_ZH):
        name_zh = _iso_chinese(code, iso_msgid)
    return name_en, name_zh


@cache
def _babel_territories(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale).territories)


def _iso_english(country: Any) -> tuple[str, str]:
    """A running-text English name from ISO 3166, and the ISO string it came from.

    ISO sorts by inverting ("Palestine, State of"); the official name, when there is one,
    is the uninverted form, otherwise the inversion is undone. A parenthesised gloss
    ("Holy See (Vatican City State)") and a leading article are dropped.
    """
    msgid: str = country.name
    if "," in msgid:
        official = getattr(country, "official_name", None)
        if official:
            msgid = official
    text = msgid
    if "," in text:
        head, _, tail = text.partition(",")
        text = f"{tail.strip()} {head.strip()}"
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    return text, msgid


@cache
def _iso_translations() -> gettext.NullTranslations:
    try:
        return gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[_PYCOUNTRY_ZH_LOCALE]
        )
    except OSError as exc:
        raise StatePartyDataError(
            f"pycountry ships no {_PYCOUNTRY_ZH_LOCALE} translation of ISO 3166-1"
        ) from exc


def _iso_chinese(code: str, msgid: str) -> str:
    """The Chinese ISO 3166 name from pycountry's iso-codes translation, checked to be one."""
    name = _iso_translations().gettext(msgid)
    if name == msgid or not _CJK.search(name):
        raise StatePartyDataError(
            f"{code}: pycountry has no {_PYCOUNTRY_ZH_LOCALE} translation of {msgid!r}"
        )
    return name
