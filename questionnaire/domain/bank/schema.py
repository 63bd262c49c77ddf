"""Typed shape of the question bank files.

These pydantic models check each YAML file on its own (types, required fields, both
languages). Checks that span files (a theme, scale or article that must exist elsewhere,
conditions naming questions) live in `bank.loader`, which sees the whole bank.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
UNCAC_REFERENCE = re.compile(r"^(\d{1,2})((?:\([0-9a-z]+\))*)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """A text the interface shows in both of its languages."""

    zh: NonEmpty
    en: NonEmpty


class Addressee(StrEnum):
    STATE = "state"
    UNODC = "unodc"
    COSP = "cosp"
    UN_SYSTEM = "un_system"
    OTHER = "other"


class Strength(StrEnum):
    """How strongly the declaration words a commitment, read from its verbs."""

    COMMIT = "commit"  # 承诺 / 将 / 确保
    ENCOURAGE = "encourage"  # 鼓励 / 敦促 / 呼吁 / 努力
    INVITE_TO_CONSIDER = "invite_to_consider"  # 邀请 / 考虑 / 酌情
    TAKE_NOTE = "take_note"  # 注意到 / 确认 / 欢迎, with no action asked


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    LINK = "link"


CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE}


class LinkType(StrEnum):
    EXPLICIT = "explicit"  # the declaration names the article
    INFERRED = "inferred"  # the team's reading of the topic


class NoteKind(StrEnum):
    SOURCE_DEFECT = "source_defect"
    EDITORIAL = "editorial"


class BankMetadata(Strict):
    id: Identifier
    version: Annotated[int, Field(ge=1)]
    edition: NonEmpty
    released: dt.date
    languages: list[Identifier]
    title: Localized
    source: SourceDocumentInfo
    strength_weights: dict[Strength, Annotated[float, Field(ge=0, le=1)]]

    @field_validator("languages")
    @classmethod
    def _both_languages(cls, languages: list[str]) -> list[str]:
        if sorted(languages) != ["en", "zh"]:
            raise ValueError("the bank is bilingual: languages must be [zh, en]")
        return languages


class SourceDocumentInfo(Strict):
    path: NonEmpty
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    symbol: NonEmpty
    adopted: dt.date


class Section(Strict):
    id: Identifier
    number: Annotated[int, Field(ge=1)]
    title: Localized
    first_paragraph: Annotated[int, Field(ge=1)]
    last_paragraph: Annotated[int, Field(ge=1)]


class Theme(Strict):
    id: Identifier
    label: Localized
    beyond_uncac: bool = False


class ScaleOption(Strict):
    value: Identifier
    label: Localized
    score: float | None = None


class Scale(Strict):
    id: Identifier
    label: Localized
    options: Annotated[list[ScaleOption], Field(min_length=2)]


class Question(Strict):
    id: Identifier
    type: QuestionType
    text: Localized
    help: Localized
    required: bool = False
    condition: str | None = None
    scale: Identifier | None = None
    multiline: bool = False
    max_length: Annotated[int, Field(ge=1, le=20000)] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: Localized | None = None


class Block(Strict):
    id: Identifier
    label: Localized
    questions: Annotated[list[Question], Field(min_length=1)]


class UncacReference(Strict):
    ref: NonEmpty
    link: LinkType

    @field_validator("ref")
    @classmethod
    def _reference_shape(cls, ref: str) -> str:
        if not UNCAC_REFERENCE.match(ref):
            raise ValueError(
                f"UNCAC reference {ref!r} must look like an article number with optional "
                "paragraphs, e.g. '16' or '16(1)' or '12(2)(c)'"
            )
        return ref

    @property
    def article(self) -> int:
        match = UNCAC_REFERENCE.match(self.ref)
        assert match is not None  # checked by the validator
        return int(match.group(1))


class Note(Strict):
    kind: NoteKind
    text: Localized


class Guidance(Strict):
    evidence: Localized
    reviewer: Localized


class Commitment(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+\.p\d{1,2}$")]
    paragraph: Annotated[int, Field(ge=1, le=99)]
    title: Localized
    summary_en: NonEmpty
    text_zh: NonEmpty
    footnotes: list[int] = []
    notes: list[Note] = []
    addressees: Annotated[list[Addressee], Field(min_length=1)]
    strength: Strength
    assessable: bool
    themes: Annotated[list[Identifier], Field(min_length=1)]
    uncac: list[UncacReference] = []
    sdg_targets: list[Annotated[str, StringConstraints(pattern=r"^\d{1,2}\.[0-9a-z]{1,2}$")]] = []
    guidance: Guidance
    blocks: list[Identifier] = []
    questions: list[Question] = []
    weight: Annotated[float, Field(ge=0, le=1)] | None = None


class CommitmentFile(Strict):
    section: Identifier
    scales: list[Scale] = []
    commitments: Annotated[list[Commitment], Field(min_length=1)]


class PreambularParagraph(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+\.pp\d{1,2}$")]
    position: Annotated[int, Field(ge=1)]
    text_zh: NonEmpty
    footnotes: list[int] = []
    summary_en: NonEmpty


class Footnote(Strict):
    number: Annotated[int, Field(ge=1)]
    text_zh: NonEmpty
    text_en: NonEmpty


class PreambleFile(Strict):
    paragraphs: list[PreambularParagraph]
    footnotes: list[Footnote]


class UncacChapter(Strict):
    number: NonEmpty  # roman numeral, as the Convention numbers its chapters
    title: Localized
    first_article: int
    last_article: int
    review_cycle: Annotated[int, Field(ge=1, le=2)] | None = None
    review_order: int  # the IRM order: II, V, III, IV, then chapters not reviewed


class UncacCluster(Strict):
    id: Identifier
    chapter: NonEmpty
    label: Localized
    articles: Annotated[list[int], Field(min_length=1)]


class UncacArticle(Strict):
    number: Annotated[int, Field(ge=1, le=71)]
    title: Localized


class UncacFile(Strict):
    chapters: list[UncacChapter]
    articles: list[UncacArticle]
    clusters: list[UncacCluster]


BankMetadata.model_rebuild()
