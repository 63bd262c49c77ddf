"""Offline questionnaires for tests: real templates, filled ones, and hostile files.

Hostile files are crafted with zipfile, byte for byte the way an attacker would, so the
tests show what the reader refuses rather than what a helper library happens to write.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Iterable, Mapping

import openpyxl

from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    ItemSnapshot,
    PublicationConsent,
    WorkflowStatus,
)
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline import layout, write_template

SECRET = b"test-offline-signing-secret"
MIB = 1024 * 1024


def snapshot(
    bank: QuestionBank,
    answers: Mapping[str, Mapping[str, AnswerValue]] | None = None,
    commitment_ids: Iterable[str] | None = None,
    assessment_id: int = 1,
    state: str = "CHN",
) -> AssessmentSnapshot:
    """An assessment of `state` over the given commitments (all assessable ones by default)."""
    answers = answers or {}
    ids = list(commitment_ids) if commitment_ids is not None else None
    commitments = [c for c in bank.commitments if (c.assessable if ids is None else c.id in ids)]
    return AssessmentSnapshot(
        id=assessment_id,
        state_party_code=state,
        state_party_name_zh="中国" if state == "CHN" else state,
        state_party_name_en="China" if state == "CHN" else state,
        regional_group="Asia-Pacific",
        review_year=2026,
        status=WorkflowStatus.DRAFT,
        publication_consent=PublicationConsent.NOT_RECORDED,
        bank=bank,
        items=tuple(ItemSnapshot(c, dict(answers.get(c.id, {}))) for c in commitments),
    )


def template(
    snap: AssessmentSnapshot,
    versions: Mapping[tuple[str, str], int] | None = None,
    language: str = "en",
    secret: bytes = SECRET,
) -> bytes:
    stream = io.BytesIO()
    write_template(snap, versions or {}, secret, stream, language=language)
    return stream.getvalue()


def fill(data: bytes, answers: Mapping[str, object]) -> bytes:
    """Type answers (by question key) into the Answer column, as a person would in Excel."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook[layout.QUESTIONNAIRE_SHEET]
    rows = {
        sheet.cell(row, layout.QUESTION_ID_INDEX + 1).value: row
        for row in range(layout.FIRST_ANSWER_ROW + 1, sheet.max_row + 1)
    }
    for key, value in answers.items():
        sheet.cell(rows[key], layout.ANSWER_INDEX + 1).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def answer_row(data: bytes, key: str) -> int:
    """The Excel row number (from 1) of question `key` in a template."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        sheet = workbook[layout.QUESTIONNAIRE_SHEET]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if row[layout.QUESTION_ID_INDEX] == key:
                return number
    finally:
        workbook.close()
    raise KeyError(key)


def set_cell(data: bytes, row: int, column: int, value: object) -> bytes:
    """Overwrite any cell of the Questionnaire sheet (rows and columns count from 1)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook[layout.QUESTIONNAIRE_SHEET].cell(row, column).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def edit_metadata(data: bytes, old: str, new: str) -> bytes:
    """Change the signed metadata text in place, as someone unhiding the sheet could."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook[layout.META_SHEET]
    edited = False
    for row in sheet.iter_rows(min_row=2):
        cell = row[0]
        if isinstance(cell.value, str) and old in cell.value:
            cell.value = cell.value.replace(old, new)
            edited = True
    assert edited, f"{old!r} not found in the metadata"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rebuild(
    data: bytes,
    replace: Mapping[str, bytes] | None = None,
    add: Mapping[str, bytes] | None = None,
) -> bytes:
    """The same package with members replaced or added, written with zipfile directly."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def random_bytes() -> bytes:
    return random.Random(6).randbytes(4096)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def docx_like() -> bytes:
    """A valid Office package, but a Word document: no workbook in it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml'
            '.document.main+xml"/></Types>',
        )
        package.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def with_macro(data: bytes) -> bytes:
    return rebuild(data, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake VBA project"})


def with_macro_content_type(data: bytes) -> bytes:
    """An .xlsm in disguise: only the declared content type gives it away."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        types = package.read("[Content_Types].xml")
    xlsm = types.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    return rebuild(data, replace={"[Content_Types].xml": xlsm})


def zip_bomb(data: bytes, megabytes: int = 200) -> bytes:
    """The template plus a member of `megabytes` of zeros, streamed so it never sits on disk."""
    out = io.BytesIO(rebuild(data))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        with package.open("xl/media/image1.png", "w", force_zip64=True) as member:
            block = bytes(MIB)
            for _ in range(megabytes):
                member.write(block)
    return out.getvalue()


def lying_sizes(data: bytes, megabytes: int = 100) -> bytes:
    """A bomb whose central directory understates the unpacked size of the shared strings.

    The declared sizes pass every directory check; only the inflated bytes would not.
    """
    zeros = bytes(megabytes * MIB)
    bomb = rebuild(data, replace={"xl/sharedStrings.xml": zeros})
    name = b"xl/sharedStrings.xml"
    entry = bomb.rindex(b"PK\x01\x02\x14", 0, bomb.rindex(name))  # its central directory entry
    declared = struct.pack("<I", 1000)
    return bomb[: entry + 24] + declared + bomb[entry + 28 :]


def too_many_members(data: bytes, count: int = 250) -> bytes:
    return rebuild(data, add={f"customXml/item{n}.xml": b"<a/>" for n in range(count)})


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&xxe;</t></si></sst>"""


def billion_laughs(data: bytes) -> bytes:
    return rebuild(data, replace={"xl/sharedStrings.xml": BILLION_LAUGHS})


def external_entity(data: bytes) -> bytes:
    return rebuild(data, replace={"xl/sharedStrings.xml": XXE})
