"""One country's demo run: what the state party's and the reviewers' steps share."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from questionnaire.demo.answer_values import AnswerContext
from questionnaire.demo.people import StateInfo
from questionnaire.demo.text import Language
from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.conditions import AnswerValue
from questionnaire.models import Assessment, AssessmentItem, User


@dataclass
class AnsweredItem:
    """A commitment the state party answered, with the values it gave."""

    item: AssessmentItem
    commitment: BankCommitment
    values: dict[str, AnswerValue]


@dataclass
class CountryDemo:
    """An assessment being taken to its status, and the people and randomness it uses.

    `rng` is the country's own generator, seeded from the seed and the country code, so each
    country's data is the same whatever the database and whichever countries come before.
    """

    session: Session
    state: StateInfo
    year: int
    rng: random.Random
    language: Language
    profile: float  # 0..1: how far the country has implemented
    assessment: Assessment
    bank: QuestionBank
    secretariat: User
    focal_point: User
    contributor: User
    reviewers: list[User]
    answered: list[AnsweredItem] = field(default_factory=list)

    def answer_context(self) -> AnswerContext:
        return AnswerContext(self.state.code, self.language, self.year, self.profile)
