"""The declaration's source text is split into exactly its paragraphs, nothing lost."""

from __future__ import annotations

import re
from pathlib import Path

from questionnaire.domain.bank.source_text import load_source, parse_source

SOURCE = (
    Path(__file__).resolve().parents[2] / "question_bank/source/political-declaration-2021.zh.md"
)


def test_source_has_fourteen_preambular_and_86_numbered_paragraphs() -> None:
    document = load_source(SOURCE)
    assert len(document.preamble) == 14
    assert sorted(document.paragraphs) == list(range(1, 87))
    assert len(document.sections_zh) == 7
    assert sorted(document.footnotes) == [1, 2, 3, 4, 5, 6]


def test_page_breaks_are_rejoined_where_domain_notes_say() -> None:
    document = load_source(SOURCE)
    split = {n for n, p in document.paragraphs.items() if p.pieces > 1}
    assert split == {3, 11, 40, 66, 82}
    assert document.preamble[8].pieces == 2
    assert document.paragraphs[3].text.endswith("我们将根据本国法律的基本原则采取这些行动。")


def test_footnote_markers_leave_the_text_and_are_kept_apart() -> None:
    document = load_source(SOURCE)
    assert document.paragraphs[27].footnote_markers == [5]
    assert document.paragraphs[62].footnote_markers == [6]
    assert all("<sup>" not in p.text for p in document.paragraphs.values())
    assert all("<sup>" not in p.text for p in document.preamble)


def test_every_character_of_the_source_body_lands_in_exactly_one_place() -> None:
    """Independent of the parser: strip markup from the file and compare character counts."""
    raw = SOURCE.read_text(encoding="utf-8")
    body = raw[raw.index("## ") :]
    body = re.sub(r"^<sup>\d+</sup>.*$", "", body, flags=re.M)  # footnote lines
    body = re.sub(r"^#+ .*$", "", body, flags=re.M)  # headings
    body = re.sub(r"^(\d{1,2})\. ", "", body, flags=re.M)  # paragraph numbers
    body = re.sub(r"<sup>\d+</sup>|---|\s", "", body)
    document = parse_source(raw)
    parsed = "".join(p.text for p in document.preamble) + "".join(
        document.paragraphs[n].text for n in sorted(document.paragraphs)
    )
    assert re.sub(r"\s", "", parsed) == body
