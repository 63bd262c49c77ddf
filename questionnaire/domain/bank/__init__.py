"""The loaded question bank: resolved, cross-checked and ready for every later step.

`bank.loader` builds these objects; questionnaire generation, forms, scoring and reports
read them. Nothing here touches files, Flask or the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from questionnaire.domain.bank.schema import (
    BankMetadata,
    Block,
    Commitment,
    Footnote,
    Localized,
    PreambularParagraph,
    QuestionType,
    Scale,
    ScaleOption,
    Section,
    Strength,
    Theme,
    UncacArticle,
    UncacChapter,
    UncacCluster,
    UncacReference,
)
from questionnaire.domain.conditions import Condition


@dataclass(frozen=True)
class BankQuestion:
    """One question as a commitment asks it, block questions included."""

    id: str
    key: str  # bank-wide id, e.g. "pd2021.p16.bo_register"
    type: QuestionType
    text: Localized
    help: Localized
    required: bool
    condition: Condition | None
    scale: Scale | None
    block: str | None
    multiline: bool = False
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: Localized | None = None

    def option(self, value: str) -> ScaleOption | None:
        if self.scale is None:
            return None
        return next((option for option in self.scale.options if option.value == value), None)


@dataclass(frozen=True)
class ArticleReference:
    """A UNCAC reference placed where the IRM reviews it."""

    ref: str
    link: str
    article: UncacArticle
    chapter: UncacChapter
    cluster: UncacCluster | None

    @property
    def review_cycle(self) -> int | None:
        return self.chapter.review_cycle


@dataclass(frozen=True)
class BankCommitment:
    spec: Commitment
    section: Section
    questions: tuple[BankQuestion, ...]
    references: tuple[ArticleReference, ...]
    weight: float

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def paragraph(self) -> int:
        return self.spec.paragraph

    @property
    def strength(self) -> Strength:
        return self.spec.strength

    @property
    def assessable(self) -> bool:
        return self.spec.assessable

    def question(self, question_id: str) -> BankQuestion:
        return next(question for question in self.questions if question.id == question_id)

    @property
    def review_cycles(self) -> tuple[int, ...]:
        return tuple(sorted({ref.review_cycle for ref in self.references if ref.review_cycle}))

    @property
    def chapters(self) -> tuple[str, ...]:
        seen = dict.fromkeys(ref.chapter.number for ref in self.references)
        return tuple(seen)

    @property
    def clusters(self) -> tuple[UncacCluster, ...]:
        seen = {ref.cluster.id: ref.cluster for ref in self.references if ref.cluster}
        return tuple(seen.values())


@dataclass(frozen=True)
class UncacIndex:
    chapters: tuple[UncacChapter, ...]
    articles: dict[int, UncacArticle]
    clusters: tuple[UncacCluster, ...]

    def chapter_of(self, article: int) -> UncacChapter:
        return next(c for c in self.chapters if c.first_article <= article <= c.last_article)

    def cluster_of(self, article: int) -> UncacCluster | None:
        return next((c for c in self.clusters if article in c.articles), None)

    def place(self, reference: UncacReference) -> ArticleReference:
        article = reference.article
        return ArticleReference(
            reference.ref,
            reference.link.value,
            self.articles[article],
            self.chapter_of(article),
            self.cluster_of(article),
        )


@dataclass(frozen=True)
class QuestionBank:
    metadata: BankMetadata
    checksum: str  # of every file of the bank, so a reload can tell what changed
    sections: tuple[Section, ...]
    themes: dict[str, Theme]
    scales: dict[str, Scale]
    blocks: dict[str, Block]
    uncac: UncacIndex
    preamble: tuple[PreambularParagraph, ...]
    footnotes: dict[int, Footnote]
    commitments: tuple[BankCommitment, ...]
    _by_id: dict[str, BankCommitment] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({commitment.id: commitment for commitment in self.commitments})

    @property
    def id(self) -> str:
        return self.metadata.id

    @property
    def version(self) -> int:
        return self.metadata.version

    def commitment(self, commitment_id: str) -> BankCommitment:
        return self._by_id[commitment_id]

    def section(self, section_id: str) -> Section:
        return next(section for section in self.sections if section.id == section_id)

    def assessable(self) -> Iterator[BankCommitment]:
        return (commitment for commitment in self.commitments if commitment.assessable)
