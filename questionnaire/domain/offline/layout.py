"""Where things are in an offline template, shared by the writer and the reader.

The reader finds answers by these positions, and checks the header and question id of
every row against the signed metadata, so a moved column or row is refused rather than
read into the wrong question.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain import answer_text
from questionnaire.domain.bank.schema import QuestionType

INSTRUCTIONS_SHEET = "Instructions"
QUESTIONNAIRE_SHEET = "Questionnaire"
LISTS_SHEET = "Lists"
META_SHEET = "_meta"

HEADER_ROW = 0  # zero-based, as xlsxwriter counts
FIRST_ANSWER_ROW = 1
# The metadata sheet holds the signature in A1 and the payload from A2 down, in chunks (an
# Excel cell holds 32,767 characters).
META_CHUNK_LENGTH = 30000


@dataclass(frozen=True)
class Column:
    name: str  # as error messages name it
    zh: str
    en: str
    width: int

    def header(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


COMMITMENT_ID = Column("Commitment", "承诺编号", "Commitment", 13)
PARAGRAPH = Column("Paragraph", "段落", "Paragraph", 9)
QUESTION_ID = Column("Question id", "问题编号", "Question id", 30)
SOURCE_TEXT = Column("Source text", "承诺原文（中文）", "Source text (zh)", 50)
COMMITMENT_TITLE = Column("Commitment title", "承诺标题", "Commitment title", 24)
QUESTION_TEXT = Column("Question", "问题", "Question", 45)
HELP = Column("Help", "说明", "Help", 40)
TYPE = Column("Type", "类型", "Type", 12)
CHOICES = Column("Choices", "可选答案", "Choices", 30)
REQUIRED = Column("Required", "必答", "Required", 9)
CONDITION = Column("Condition", "作答条件", "Condition", 24)
ANSWER = Column("Answer", "答复", "Answer", 50)

COLUMNS = (
    COMMITMENT_ID,
    PARAGRAPH,
    QUESTION_ID,
    SOURCE_TEXT,
    COMMITMENT_TITLE,
    QUESTION_TEXT,
    HELP,
    TYPE,
    CHOICES,
    REQUIRED,
    CONDITION,
    ANSWER,
)
QUESTION_ID_INDEX = COLUMNS.index(QUESTION_ID)
ANSWER_INDEX = COLUMNS.index(ANSWER)

TYPE_NAMES = {
    QuestionType.SINGLE_CHOICE: ("单选", "Single choice"),
    QuestionType.MULTIPLE_CHOICE: ("多选", "Multiple choice"),
    QuestionType.TEXT: ("文本", "Text"),
    QuestionType.NUMBER: ("数字", "Number"),
    QuestionType.DATE: ("日期", "Date"),
    QuestionType.LINK: ("链接", "Link"),
}

YES_NO = {True: ("是", "Yes"), False: ("否", "No")}

CHOICE_SEPARATOR = answer_text.CHOICE_SEPARATOR  # what the template writes between choices
CHOICE_SEPARATORS = (";", "；", "\n")  # what people type between choices, in both languages


def in_language(pair: tuple[str, str], language: str) -> str:
    return pair[0] if language == "zh" else pair[1]
