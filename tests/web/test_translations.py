"""Every interface string has its Chinese translation: no English left in Chinese mode."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = (
    Path(__file__).resolve().parents[2] / "questionnaire/translations/zh/LC_MESSAGES/messages.po"
)


def test_every_message_is_translated_into_chinese() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert len(catalog) > 200
