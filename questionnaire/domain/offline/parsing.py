"""Turn the answer cells of a verified template into answers to bank questions.

Every value passes through `answers.parse_answer`, as online answers do. All problems
are collected before anything is refused, so a person fixes the whole file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain.answers import AnswerError, parse_answer
from questionnaire.domain.bank import BankQuestion, QuestionBank
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline.errors import ImportProblem, OfflineImportError
from questionnaire.domain.offline.labels import choice_labels, choice_value, split_choices
from questionnaire.domain.offline.metadata import TemplateMetadata
from questionnaire.domain.offline.reader import ParsedWorkbook, RawAnswer
from questionnaire.domain.offline.values import answer_digest


@dataclass(frozen=True)
class ImportedAnswer:
    commitment_id: str
    question_id: str  # local to the commitment
    question_key: str  # bank-wide
    value: AnswerValue
    edited_in_file: bool  # differs from the answer the template was exported with
    location: str


def parse_answers(
    parsed: ParsedWorkbook, bank: QuestionBank, expected_assessment_id: int, expected_state: str
) -> list[ImportedAnswer]:
    """The file's answers in row order, or one `OfflineImportError` listing every problem."""
    metadata = parsed.metadata
    _check_identity(metadata, bank, expected_assessment_id, expected_state)
    questions = {
        question.key: (commitment.id, question)
        for commitment in bank.commitments
        for question in commitment.questions
    }
    imported: list[ImportedAnswer] = []
    problems: list[ImportProblem] = []
    for raw in parsed.answers:
        if raw.question_key not in questions:
            problems.append(ImportProblem(f"{raw.question_key} is not in the bank", raw.location))
            continue
        commitment_id, question = questions[raw.question_key]
        try:
            value = _value(question, raw, metadata.language)
        except AnswerError as error:
            problems.append(ImportProblem(f"{question.key}: {error}", raw.location))
            continue
        exported = metadata.answer_digests.get(question.key, answer_digest(None))
        imported.append(
            ImportedAnswer(
                commitment_id,
                question.id,
                question.key,
                value,
                answer_digest(value) != exported,
                raw.location,
            )
        )
    if problems:
        raise OfflineImportError.from_problems(problems)
    return imported


def _check_identity(
    metadata: TemplateMetadata, bank: QuestionBank, assessment_id: int, state: str
) -> None:
    if metadata.state_party_code != state:
        raise OfflineImportError(
            f"This file is the questionnaire of state party {metadata.state_party_code}, not "
            f"of {state}. Upload the file of your own country's assessment."
        )
    if metadata.assessment_id != assessment_id:
        raise OfflineImportError(
            f"This file belongs to assessment {metadata.assessment_id}, not to assessment "
            f"{assessment_id}. Upload it on the page of that assessment, or download this "
            "assessment's template."
        )
    if (metadata.bank_id, metadata.bank_version) != (bank.id, bank.version):
        raise OfflineImportError(
            f"This file asks the questions of bank {metadata.bank_id} version "
            f"{metadata.bank_version}; the assessment now uses {bank.id} version "
            f"{bank.version}. Download a new template and copy your answers into it."
        )


def _value(question: BankQuestion, raw: RawAnswer, language: str) -> AnswerValue:
    value = raw.value
    if question.type is QuestionType.SINGLE_CHOICE and value is not None:
        return parse_answer(question, _choice(question, str(value), language))
    if question.type is QuestionType.MULTIPLE_CHOICE and value is not None:
        chosen = [_choice(question, part, language) for part in split_choices(str(value))]
        return parse_answer(question, chosen)
    return parse_answer(question, value)


def _choice(question: BankQuestion, text: str, language: str) -> str:
    if not text.strip():
        return text
    value = choice_value(question, text)
    if value is None:
        allowed = "; ".join(choice_labels(question, language))
        raise AnswerError(f"{text.strip()!r} is not one of the choices ({allowed})")
    return value
