"""Parse the Chinese source text of the declaration into its paragraphs.

The source file is a conversion of a printed document: page breaks split paragraphs
mid-sentence and footnote lines sit between the pieces. This module undoes exactly that
and nothing more, so the question bank can be checked against the source word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_NUMBERED = re.compile(r"^(\d{1,2})\.\s*(.*)$")
_FOOTNOTE_LINE = re.compile(r"^<sup>(\d+)</sup>\s*(.*)$")
_FOOTNOTE_MARKER = re.compile(r"<sup>(\d+)</sup>")
_SECTION = re.compile(r"^####\s+(.+)$")
_TITLE = re.compile(r"^##\s+(.+)$")
_SENTENCE_END = ("。", "；", "：", "！", "？")


@dataclass
class SourceParagraph:
    """One paragraph of the source, rejoined across page breaks, markers removed."""

    number: int | None  # None for a preambular paragraph
    section_zh: str | None
    text: str
    footnote_markers: list[int] = field(default_factory=list)
    pieces: int = 1


@dataclass
class SourceDocument:
    title_zh: str
    preamble: list[SourceParagraph]
    paragraphs: dict[int, SourceParagraph]
    sections_zh: list[str]
    footnotes: dict[int, str]


def normalize_whitespace(text: str) -> str:
    """Collapse runs of white space to one space and trim, for comparing texts."""
    return re.sub(r"\s+", " ", text).strip()


def _strip_markers(text: str) -> tuple[str, list[int]]:
    markers = [int(m) for m in _FOOTNOTE_MARKER.findall(text)]
    return _FOOTNOTE_MARKER.sub("", text), markers


def parse_source(text: str) -> SourceDocument:
    """Split the declaration into title, preamble, numbered paragraphs and footnotes."""
    title = ""
    preamble: list[SourceParagraph] = []
    paragraphs: dict[int, SourceParagraph] = {}
    sections: list[str] = []
    footnotes: dict[int, str] = {}
    current: SourceParagraph | None = None
    started = False

    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line == "---":
            continue
        if title_match := _TITLE.match(line):
            title = title_match.group(1).strip()
            started = True
            continue
        if not started:
            continue  # the cover page of the printed document
        if footnote := _FOOTNOTE_LINE.match(line):
            footnotes[int(footnote.group(1))] = footnote.group(2).strip()
            continue
        if section := _SECTION.match(line):
            sections.append(section.group(1).strip())
            current = None
            continue
        body, markers = _strip_markers(line)
        if numbered := _NUMBERED.match(body):
            number = int(numbered.group(1))
            current = SourceParagraph(number, sections[-1], numbered.group(2).strip(), markers)
            paragraphs[number] = current
            continue
        continues_previous = current is not None and (
            current.number is not None or not current.text.endswith(_SENTENCE_END)
        )
        if continues_previous and current is not None:
            current.text += body.strip()
            current.footnote_markers.extend(markers)
            current.pieces += 1
        else:
            current = SourceParagraph(None, None, body.strip(), markers)
            preamble.append(current)

    return SourceDocument(title, preamble, paragraphs, sections, footnotes)


def load_source(path: Path) -> SourceDocument:
    return parse_source(path.read_text(encoding="utf-8"))
