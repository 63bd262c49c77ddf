"""Every kind of workbook the application writes opens cleanly in Excel and LibreOffice.

Until now the workbooks were only read back with openpyxl, which forgives much that Excel
answers with "We found a problem with some content ... Do you want us to try to recover?".
Each workbook (the country gap report and the secretariat's cross-country workbook in
both languages, with formula-like text from people in them; the offline template of the
whole bank in both languages; the bank export) is checked two ways:

* always, the package itself, against the rules whose breach makes Excel repair a file:
  every XML part parses, every part has a content type, every relationship reaches an
  existing part and every part is reached, sheet names are valid and unique, cells come
  in order and fit Excel's limits, style and string indexes exist, data validations and
  defined names are within Excel's limits and name existing sheets, and the parts list
  their children in the order the schema prescribes;
* when LibreOffice is installed, by LibreOffice itself: one headless `soffice` converts
  all of them, every sheet to its own CSV file; every sheet must come out, each row with
  as many filled cells as openpyxl reads in it, and formula-like text must stay text.
"""

from __future__ import annotations

import csv
import io
import math
import posixpath
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element

import openpyxl
import pytest
from defusedxml import DefusedXmlException, ElementTree

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.export import write_bank_workbook
from questionnaire.domain.reports import write_country_report, write_secretariat_report
from questionnaire.domain.scoring import score_assessment
from tests.domain import offline_files
from tests.domain.report_helpers import full_snapshot
from tests.domain.test_secretariat_report import country_rows

# Whole workbooks written and converted by LibreOffice: seconds each, left out of `make quick`.
pytestmark = pytest.mark.slow

T = TypeVar("T")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

# Excel's specifications and limits.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
MAX_CELL_TEXT = 32_767
MAX_FORMULA = 8_192
MAX_SHEET_NAME = 31
MAX_LIST_SOURCE = 255  # a drop-down list typed into the validation
MAX_PROMPT_TITLE = 32  # input and error titles of a data validation
MAX_PROMPT = 255  # input and error messages
MAX_NAME = 255
MAX_COLUMN_WIDTH = 255
MAX_ROW_HEIGHT = 409
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
FIRST_CUSTOM_NUMBER_FORMAT = 164
BUILT_IN_NAMES = {
    "_xlnm.Print_Area",
    "_xlnm.Print_Titles",
    "_xlnm._FilterDatabase",
    "_xlnm.Criteria",
    "_xlnm.Extract",
    "_xlnm.Consolidate_Area",
    "_xlnm.Sheet_Title",
}
DEFINED_NAME = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.\\]*")
LOOKS_LIKE_CELL = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|R|C)")
CELL = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")
BARE_SHEET_NAME = re.compile(r"(?![\d.])[\w.]+")  # others need quotes in a formula
SHEET_REFERENCE = re.compile(r"(?:'((?:[^']|'')+)'|([^\s'!=,()&:;\"]+))!")

# The order CT_Worksheet and CT_Workbook prescribe for their children; Excel repairs a part
# whose children come in another order.
WORKSHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews "
    "mergeCells phoneticPr conditionalFormatting dataValidations hyperlinks printOptions "
    "pageMargins pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches "
    "ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture "
    "oleObjects controls webPublishItems tableParts extLst"
).split()
WORKBOOK_ORDER = (
    "fileVersion fileSharing workbookPr workbookProtection bookViews sheets functionGroups "
    "externalReferences definedNames calcPr oleSize customWorkbookViews pivotCaches "
    "smartTagPr smartTagTypes webPublishing fileRecoveryPr webPublishObjects extLst"
).split()
STYLESHEET_ORDER = (
    "numFmts fonts fills borders cellStyleXfs cellXfs cellStyles dxfs tableStyles colors extLst"
).split()

# Answers pre-filled in the offline template; "=1+1" must stay text in it.
OFFLINE_ANSWERS = {
    "pd2021.p1": {
        "status": "in_part",
        "measures": "=1+1",
        "examples": "-2",
        "steps_target_date": "2027-01-31",
    },
    "pd2021.p4": {"staff_number": 42.0},
}
# Text from people (report_helpers.PAYLOADS) that LibreOffice must show as typed: a formula
# would come out as its value. ("-2" would read the same either way.)
FORMULA_LIKE = ("=1+1", "@SUM(A1)")


@dataclass(frozen=True)
class Generated:
    """One workbook as the application writes it, and text LibreOffice must show verbatim."""

    data: bytes
    kept_as_text: tuple[str, ...]


def country_report(bank: QuestionBank, language: str) -> Generated:
    snapshot = full_snapshot(bank, payloads=True)
    stream = io.BytesIO()
    write_country_report(snapshot, score_assessment(snapshot), stream, language)
    return Generated(stream.getvalue(), FORMULA_LIKE)


def secretariat_report(bank: QuestionBank, language: str) -> Generated:
    stream = io.BytesIO()
    write_secretariat_report(list(country_rows(bank, 4, payloads=True)), stream, language=language)
    return Generated(stream.getvalue(), FORMULA_LIKE)  # answers are in the tidy data


def offline_template(bank: QuestionBank, language: str) -> Generated:
    """The template of the whole bank, so every scale's drop-down is in it."""
    snapshot = offline_files.snapshot(bank, OFFLINE_ANSWERS)
    return Generated(offline_files.template(snapshot, language=language), ("=1+1",))


def bank_workbook(bank: QuestionBank, language: str) -> Generated:
    """Both languages side by side; no text from people reaches it."""
    stream = io.BytesIO()
    write_bank_workbook(bank, stream)
    return Generated(stream.getvalue(), ())


GENERATORS: dict[str, Callable[[QuestionBank, str], Generated]] = {
    "country_report": country_report,
    "secretariat_report": secretariat_report,
    "offline_template": offline_template,
    "bank_export": bank_workbook,
}
KINDS = [
    ("country_report", "en"),
    ("country_report", "zh"),
    ("secretariat_report", "en"),
    ("secretariat_report", "zh"),
    ("offline_template", "en"),
    ("offline_template", "zh"),
    ("bank_export", "bilingual"),
]


def file_name(kind: str, language: str) -> str:
    return f"{kind}_{language}.xlsx"


@pytest.fixture(scope="module")
def workbooks(bank: QuestionBank) -> dict[str, Generated]:
    return {file_name(kind, language): GENERATORS[kind](bank, language) for kind, language in KINDS}


# ---------------------------------------------------------------------------------------
# The package, part by part


class Package:
    """The parts of an OOXML package, with their content types and relationships."""

    def __init__(self, data: bytes) -> None:
        self.problems: list[str] = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(names) != len(set(names)):
                self.problems.append("the zip holds a member name twice")
            broken = archive.testzip()
            if broken is not None:
                self.problems.append(f"{broken}: CRC mismatch")
            self.parts = {name: archive.read(name) for name in names if not name.endswith("/")}
        self.xml: dict[str, Element] = {}
        for name, content in self.parts.items():
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    self.xml[name] = ElementTree.fromstring(content)
                except (ElementTree.ParseError, DefusedXmlException) as error:
                    self.problems.append(f"{name}: not well-formed XML ({error})")

    def root(self, name: str) -> Element:
        return self.xml.get(name, Element("missing"))

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part) of `part`; "" is the package itself."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        found: dict[str, tuple[str, str]] = {}
        for relationship in self.root(rels).iter(f"{PKG_REL}Relationship"):
            target = relationship.get("Target", "")
            if relationship.get("TargetMode") != "External":
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
            found[relationship.get("Id", "")] = (relationship.get("Type", ""), target)
        return found


def package_problems(data: bytes) -> list[str]:
    """Everything in the package that would make Excel offer to repair it; [] if nothing."""
    try:
        package = Package(data)
    except zipfile.BadZipFile as error:
        return [f"not a zip package: {error}"]
    problems = package.problems
    problems += content_type_problems(package)
    problems += relationship_problems(package)
    workbook_part = next(
        (
            target
            for kind, target in package.relationships("").values()
            if kind == REL_TYPE + "officeDocument"
        ),
        "",
    )
    if workbook_part not in package.xml:
        return [*problems, "no workbook part is reachable from _rels/.rels"]
    sheets = sheet_parts(package, workbook_part, problems)
    problems += workbook_problems(package, workbook_part, list(sheets))
    styles = Styles(package, workbook_part, problems)
    strings = shared_strings(package, workbook_part, problems)
    for name, part in sheets.items():
        problems += worksheet_problems(package, name, part, list(sheets), styles, strings)
    problems += chart_problems(package, list(sheets))
    return problems


def content_type_problems(package: Package) -> list[str]:
    types = package.root("[Content_Types].xml")
    defaults = {
        element.get("Extension", "").lower(): element.get("ContentType", "")
        for element in types.iter(f"{TYPES}Default")
    }
    overrides = {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
        for element in types.iter(f"{TYPES}Override")
    }
    problems = [
        f"[Content_Types].xml: override for {name}, which is not in the package"
        for name in overrides
        if name not in package.parts
    ]
    for name in package.parts:
        if name == "[Content_Types].xml":
            continue
        _, dot, extension = posixpath.basename(name).rpartition(".")
        extension = extension.lower() if dot else ""
        if name not in overrides and extension not in defaults:
            problems.append(f"[Content_Types].xml: no content type for {name}")
    return problems


def relationship_problems(package: Package) -> list[str]:
    problems: list[str] = []
    reached: set[str] = set()
    pending = [""]
    while pending:
        part = pending.pop()
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{base}.rels")
        ids = [r.get("Id") for r in package.root(rels).iter(f"{PKG_REL}Relationship")]
        if len(ids) != len(set(ids)):
            problems.append(f"{rels}: a relationship id is used twice")
        for rel_id, (_, target) in package.relationships(part).items():
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if target not in package.parts:
                problems.append(f"{rels}: {rel_id} points to {target}, which is missing")
            elif target not in reached:
                reached.add(target)
                pending.append(target)
    for name in package.parts:
        if name != "[Content_Types].xml" and "_rels/" not in name and name not in reached:
            problems.append(f"{name}: no relationship reaches this part")
    return problems


def child_order_problems(part: str, root: Element, order: list[str], prefix: str) -> list[str]:
    position = -1
    for child in root:
        tag = child.tag.removeprefix(prefix)
        if tag not in order:
            return [f"{part}: unexpected element <{tag}>"]
        if order.index(tag) < position:
            return [f"{part}: <{tag}> comes after an element the schema puts after it"]
        position = order.index(tag)
    return []


def sheet_parts(package: Package, workbook_part: str, problems: list[str]) -> dict[str, str]:
    """Sheet name -> worksheet part, in tab order."""
    relationships = package.relationships(workbook_part)
    sheets: dict[str, str] = {}
    for sheet in package.root(workbook_part).iter(f"{MAIN}sheet"):
        name = sheet.get("name", "")
        kind, target = relationships.get(sheet.get(f"{DOC_REL}id", ""), ("", ""))
        if kind != REL_TYPE + "worksheet":
            problems.append(f"{workbook_part}: sheet {name!r} is not linked to a worksheet")
        sheets[name] = target
    return sheets


def sheet_name_problems(names: list[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for name in names:
        if not 1 <= len(name) <= MAX_SHEET_NAME:
            problems.append(f"sheet name {name!r} has {len(name)} characters (1 to 31)")
        if SHEET_NAME_FORBIDDEN & set(name) or name.startswith("'") or name.endswith("'"):
            problems.append(f"sheet name {name!r} has a character Excel forbids there")
        if name.casefold() == "history":
            problems.append("sheet name 'History' is reserved by Excel")
        if name.casefold() in seen:
            problems.append(f"sheet name {name!r} is used twice (Excel ignores case)")
        seen.add(name.casefold())
    return problems


def workbook_problems(package: Package, part: str, sheet_names: list[str]) -> list[str]:
    root = package.root(part)
    problems = child_order_problems(part, root, WORKBOOK_ORDER, MAIN)
    problems += [f"{part}: {problem}" for problem in sheet_name_problems(sheet_names)]
    sheets = list(root.iter(f"{MAIN}sheet"))
    if not sheets:
        problems.append(f"{part}: no sheets")
    ids = [sheet.get("sheetId") for sheet in sheets]
    if len(ids) != len(set(ids)):
        problems.append(f"{part}: a sheetId is used twice")
    visible = [i for i, sheet in enumerate(sheets) if sheet.get("state", "visible") == "visible"]
    if not visible:
        problems.append(f"{part}: every sheet is hidden")
    for view in root.iter(f"{MAIN}workbookView"):
        active = int(view.get("activeTab", "0"))
        if active not in visible:
            problems.append(f"{part}: the active tab {active} is not a visible sheet")
    seen: set[tuple[str, str]] = set()
    for defined in root.iter(f"{MAIN}definedName"):
        name = defined.get("name", "")
        scope = defined.get("localSheetId", "")
        if name.startswith("_xlnm."):
            if name not in BUILT_IN_NAMES:
                problems.append(f"{part}: unknown built-in name {name!r}")
        elif (
            len(name) > MAX_NAME
            or not DEFINED_NAME.fullmatch(name)
            or LOOKS_LIKE_CELL.fullmatch(name)
        ):
            problems.append(f"{part}: invalid defined name {name!r}")
        if scope and not 0 <= int(scope) < len(sheets):
            problems.append(f"{part}: {name} is scoped to sheet {scope}, which does not exist")
        if (name.casefold(), scope) in seen:
            problems.append(f"{part}: {name} is defined twice in one scope")
        seen.add((name.casefold(), scope))
        problems += [
            f"{part}: {name} {problem}" for problem in reference_problems(defined.text, sheet_names)
        ]
    return problems


def reference_problems(formula: str | None, sheet_names: list[str]) -> list[str]:
    """Sheets a formula names that the workbook does not have, or ranges beyond the grid."""
    problems: list[str] = []
    for quoted, bare in SHEET_REFERENCE.findall(formula or ""):
        name = quoted.replace("''", "'") if quoted else bare
        if name not in sheet_names:
            problems.append(f"refers to sheet {name!r}, which does not exist")
        elif bare and (not BARE_SHEET_NAME.fullmatch(bare) or LOOKS_LIKE_CELL.fullmatch(bare)):
            problems.append(f"refers to sheet {bare!r} without the quotes Excel needs")
    for column, row in CELL.findall((formula or "").split("!")[-1]):
        if column_number(column) > MAX_COLUMNS or not 1 <= int(row) <= MAX_ROWS:
            problems.append(f"refers to {column}{row}, beyond Excel's grid")
    return problems


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def related_part(package: Package, workbook_part: str, relationship: str) -> str:
    """The part the workbook links to with this relationship type; "" when there is none."""
    return next(
        (
            target
            for kind, target in package.relationships(workbook_part).values()
            if kind == REL_TYPE + relationship
        ),
        "",
    )


class Styles:
    """How many cell formats and differential formats the style sheet defines."""

    def __init__(self, package: Package, workbook_part: str, problems: list[str]) -> None:
        part = related_part(package, workbook_part, "styles")
        root = package.root(part)
        if root.tag == "missing":
            problems.append(f"{workbook_part}: no style sheet")
        problems += child_order_problems(part, root, STYLESHEET_ORDER, MAIN)

        def entries(group: str, child: str) -> list[Element]:
            element = root.find(f"{MAIN}{group}")
            found = [] if element is None else element.findall(f"{MAIN}{child}")
            if element is not None and element.get("count", str(len(found))) != str(len(found)):
                problems.append(f"{part}: <{group} count> is not the number of entries")
            return found

        number_formats = {int(f.get("numFmtId", "-1")) for f in entries("numFmts", "numFmt")}
        limits = {
            "fontId": len(entries("fonts", "font")),
            "fillId": len(entries("fills", "fill")),
            "borderId": len(entries("borders", "border")),
        }
        self.cell_formats = len(entries("cellXfs", "xf"))
        self.differential_formats = len(entries("dxfs", "dxf"))
        for xf in entries("cellXfs", "xf"):
            for attribute, limit in limits.items():
                if int(xf.get(attribute, "0")) >= limit:
                    problems.append(f"{part}: a cell format names {attribute} beyond {limit}")
            number_format = int(xf.get("numFmtId", "0"))
            if number_format >= FIRST_CUSTOM_NUMBER_FORMAT and number_format not in number_formats:
                problems.append(f"{part}: number format {number_format} is not defined")


def shared_strings(package: Package, workbook_part: str, problems: list[str]) -> list[str]:
    part = related_part(package, workbook_part, "sharedStrings")
    root = package.root(part)
    strings = [cell_text(item) for item in root.findall(f"{MAIN}si")]
    if root.tag != "missing" and root.get("uniqueCount", str(len(strings))) != str(len(strings)):
        problems.append(f"{part}: uniqueCount is not the number of strings")
    for index, text in enumerate(strings):
        if utf16_length(text) > MAX_CELL_TEXT:
            problems.append(f"{part}: string {index} has more than {MAX_CELL_TEXT} characters")
    return strings


def cell_text(element: Element) -> str:
    """The text of a string item or inline string (plain or in rich-text runs), with
    Excel's _xHHHH_ escapes decoded; phonetic runs are not part of it."""
    runs = [element, *element.findall(f"{MAIN}r")]
    text = "".join(run.findtext(f"{MAIN}t") or "" for run in runs)
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_range(reference: str) -> tuple[int, int, int, int] | None:
    """(first row, first column, last row, last column) of "A1" or "A1:C3", or None."""
    corners = [CELL.fullmatch(corner) for corner in reference.split(":")]
    if not 1 <= len(corners) <= 2 or not all(corners):
        return None
    numbers = [(int(m.group(2)), column_number(m.group(1))) for m in corners if m]
    (row1, col1), (row2, col2) = numbers[0], numbers[-1]
    if not (1 <= row1 <= row2 <= MAX_ROWS and 1 <= col1 <= col2 <= MAX_COLUMNS):
        return None
    return row1, col1, row2, col2


def worksheet_problems(
    package: Package,
    name: str,
    part: str,
    sheet_names: list[str],
    styles: Styles,
    strings: list[str],
) -> list[str]:
    root = package.root(part)
    where = f"{part} ({name})"
    problems = child_order_problems(where, root, WORKSHEET_ORDER, MAIN)
    problems += cell_problems(where, root, styles, strings)
    problems += range_problems(where, root)
    problems += size_problems(where, root)
    problems += validation_problems(where, root, sheet_names)
    for rule in root.iter(f"{MAIN}cfRule"):
        if "dxfId" in rule.attrib and int(rule.get("dxfId", "0")) >= styles.differential_formats:
            problems.append(f"{where}: a conditional format names a missing dxf")
    priorities = [rule.get("priority") for rule in root.iter(f"{MAIN}cfRule")]
    if len(priorities) != len(set(priorities)):
        problems.append(f"{where}: two conditional formats share a priority")
    return problems


def size_problems(where: str, root: Element) -> list[str]:
    """Column ranges in order without overlaps; widths and heights within Excel's limits."""
    problems: list[str] = []
    previous = 0
    for column in root.iter(f"{MAIN}col"):
        first, last = int(column.get("min", "0")), int(column.get("max", "0"))
        if not previous < first <= last <= MAX_COLUMNS:
            problems.append(f"{where}: <col min={first} max={last}> overlaps or is out of order")
        previous = last
        if float(column.get("width", "0")) > MAX_COLUMN_WIDTH:
            problems.append(f"{where}: columns {first}-{last} are wider than Excel allows")
    for row in root.iter(f"{MAIN}row"):
        if float(row.get("ht", "0")) > MAX_ROW_HEIGHT:
            problems.append(f"{where}: row {row.get('r')} is taller than Excel allows")
    return problems


def cell_problems(where: str, root: Element, styles: Styles, strings: list[str]) -> list[str]:
    problems: list[str] = []
    previous_row = 0
    for row in root.iter(f"{MAIN}row"):
        number = int(row.get("r", "0"))
        if not previous_row < number <= MAX_ROWS:
            problems.append(f"{where}: row {number} is out of order or beyond the grid")
        previous_row = number
        previous_column = 0
        for cell in row.findall(f"{MAIN}c"):
            reference = cell.get("r", "")
            match = CELL.fullmatch(reference)
            column = column_number(match.group(1)) if match else 0
            if not match or int(match.group(2)) != number:
                problems.append(f"{where}: cell {reference!r} is not in row {number}")
            elif not previous_column < column <= MAX_COLUMNS:
                problems.append(f"{where}: cell {reference} is out of order or beyond the grid")
            previous_column = column
            problems += [f"{where} {reference}: {p}" for p in value_problems(cell, styles, strings)]
    return problems


def value_problems(cell: Element, styles: Styles, strings: list[str]) -> Iterator[str]:
    if int(cell.get("s", "0")) >= styles.cell_formats:
        yield f"style {cell.get('s')} is not defined"
    kind = cell.get("t", "n")
    value = cell.findtext(f"{MAIN}v")
    formula = cell.findtext(f"{MAIN}f")
    if formula is not None and len(formula) > MAX_FORMULA:
        yield f"a formula of more than {MAX_FORMULA} characters"
    if kind == "s" and not (value is not None and value.isdigit() and int(value) < len(strings)):
        yield f"shared string {value!r} does not exist"
    elif kind == "inlineStr":
        inline = cell.find(f"{MAIN}is")
        if inline is None:
            yield "an inline string cell without its string"
        elif utf16_length(cell_text(inline)) > MAX_CELL_TEXT:
            yield f"text of more than {MAX_CELL_TEXT} characters"
    elif kind == "b" and value not in ("0", "1"):
        yield f"boolean {value!r}"
    elif kind == "n" and value is not None and not is_finite_number(value):
        yield f"number {value!r}"
    elif kind not in ("s", "inlineStr", "b", "n", "str", "e", "d"):
        yield f"unknown cell type {kind!r}"


def is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def range_problems(where: str, root: Element) -> list[str]:
    problems: list[str] = []
    for tag in ("dimension", "autoFilter", "mergeCell"):
        for element in root.iter(f"{MAIN}{tag}"):
            if parse_range(element.get("ref", "")) is None:
                problems.append(f"{where}: <{tag} ref={element.get('ref')!r}> is not a range")
    for tag in ("conditionalFormatting", "dataValidation"):
        for element in root.iter(f"{MAIN}{tag}"):
            for reference in element.get("sqref", "").split():
                if parse_range(reference) is None:
                    problems.append(f"{where}: <{tag} sqref={reference!r}> is not a range")
    merged = [parse_range(m.get("ref", "")) for m in root.iter(f"{MAIN}mergeCell")]
    boxes = [box for box in merged if box is not None]
    for index, (r1, c1, r2, c2) in enumerate(boxes):
        for s1, d1, s2, d2 in boxes[index + 1 :]:
            if r1 <= s2 and s1 <= r2 and c1 <= d2 and d1 <= c2:
                problems.append(f"{where}: merged ranges overlap")
    for group in ("mergeCells", "dataValidations"):
        element = root.find(f"{MAIN}{group}")
        if element is not None and element.get("count", str(len(element))) != str(len(element)):
            problems.append(f"{where}: <{group} count> is not the number of entries")
    return problems


def validation_problems(where: str, root: Element, sheet_names: list[str]) -> list[str]:
    problems: list[str] = []
    for validation in root.iter(f"{MAIN}dataValidation"):
        cells = validation.get("sqref", "")
        for attribute, limit in (
            ("promptTitle", MAX_PROMPT_TITLE),
            ("errorTitle", MAX_PROMPT_TITLE),
            ("prompt", MAX_PROMPT),
            ("error", MAX_PROMPT),
        ):
            if len(validation.get(attribute, "")) > limit:
                problems.append(f"{where} {cells}: {attribute} has more than {limit} characters")
        for tag in ("formula1", "formula2"):
            formula = validation.findtext(f"{MAIN}{tag}")
            if formula is None:
                continue
            literal = formula.startswith('"') and formula.endswith('"')
            if literal and '"' in formula[1:-1].replace('""', ""):
                problems.append(f"{where} {cells}: {tag} has a double quote that is not doubled")
            if validation.get("type") == "list" and literal and len(formula) - 2 > MAX_LIST_SOURCE:
                problems.append(
                    f"{where} {cells}: a drop-down list of {len(formula) - 2} characters "
                    f"(Excel allows {MAX_LIST_SOURCE})"
                )
            if not literal:
                problems += [
                    f"{where} {cells}: {tag} {problem}"
                    for problem in reference_problems(formula, sheet_names)
                ]
        if validation.get("type") == "list" and validation.find(f"{MAIN}formula1") is None:
            problems.append(f"{where} {cells}: a list validation without its list")
    return problems + validation_overlaps(where, root)


def validation_overlaps(where: str, root: Element) -> list[str]:
    """A cell under two data validations, which Excel drops as unreadable content."""
    covered: set[tuple[int, int]] = set()
    for validation in root.iter(f"{MAIN}dataValidation"):
        for reference in validation.get("sqref", "").split():
            box = parse_range(reference)
            if box is None:
                continue  # reported by range_problems
            first_row, first_column, last_row, last_column = box
            cells = {
                (row, column)
                for row in range(first_row, min(last_row, first_row + 10_000) + 1)
                for column in range(first_column, min(last_column, first_column + 100) + 1)
            }
            if cells & covered:
                return [f"{where}: {reference} is under two data validations"]
            covered |= cells
    return []


def chart_problems(package: Package, sheet_names: list[str]) -> list[str]:
    problems: list[str] = []
    for part, root in package.xml.items():
        if part.startswith("xl/charts/"):
            for formula in root.iter(f"{CHART}f"):
                problems += [
                    f"{part}: {problem}"
                    for problem in reference_problems(formula.text, sheet_names)
                ]
    return problems


# ---------------------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize(("kind", "language"), KINDS)
def test_the_package_has_nothing_excel_would_repair(
    workbooks: dict[str, Generated], kind: str, language: str
) -> None:
    assert package_problems(workbooks[file_name(kind, language)].data) == []


def test_the_checks_cover_what_the_workbooks_contain(workbooks: dict[str, Generated]) -> None:
    """The features whose limits are checked are really there to be checked."""
    worksheets = [
        root
        for language in ("en", "zh")
        for part, root in Package(
            workbooks[file_name("offline_template", language)].data
        ).xml.items()
        if part.startswith("xl/worksheets/")
    ]
    validations = [v for root in worksheets for v in root.iter(f"{MAIN}dataValidation")]
    assert {v.get("type") for v in validations} >= {"list", "decimal"}
    sources = [v.findtext(f"{MAIN}formula1") or "" for v in validations if v.get("type") == "list"]
    assert any(source.startswith('"') for source in sources)  # typed-in drop-down lists
    assert any("Lists!" in source for source in sources)  # and ranges on the Lists sheet
    assert any(v.get("promptTitle") for v in validations)
    report = Package(workbooks[file_name("country_report", "zh")].data)
    assert any(part.startswith("xl/charts/") for part in report.parts)
    assert any(report.root(part).iter(f"{MAIN}mergeCell") for part in report.parts)
    names = [n.get("name") for n in report.root("xl/workbook.xml").iter(f"{MAIN}definedName")]
    assert {"_xlnm._FilterDatabase", "_xlnm.Print_Titles"} <= set(names)


def _edit(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read(part)
    assert old in content, f"{old!r} is not in {part}"
    return offline_files.rebuild(data, replace={part: content.replace(old, new, 1)})


def _drop(data: bytes, part: str) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != part:
                target.writestr(member.filename, source.read(member))
    return out.getvalue()


DAMAGE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "broken XML": (
        lambda d: _edit(d, "xl/workbook.xml", b"</sheets>", b"</sheet>"),
        "not well-formed XML",
    ),
    "part without a content type": (
        lambda d: offline_files.rebuild(d, add={"xl/extra.bin": b"x"}),
        "no content type for xl/extra.bin",
    ),
    "missing part": (lambda d: _drop(d, "xl/styles.xml"), "points to xl/styles.xml"),
    "long sheet name": (
        lambda d: _edit(d, "xl/workbook.xml", b'name="Lists"', b'name="' + b"L" * 32 + b'"'),
        "has 32 characters",
    ),
    "sheet name twice": (
        lambda d: _edit(d, "xl/workbook.xml", b'name="Lists"', b'name="questionnaire"'),
        "used twice",
    ),
    "cells out of order": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b'r="B1"', b'r="Z1"'),
        "out of order",
    ),
    "long drop-down list": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b'<formula1>"', b'<formula1>"' + b"x" * 256),
        "a drop-down list of",
    ),
    "long input title": (
        lambda d: _edit(
            d, "xl/worksheets/sheet2.xml", b'promptTitle="', b'promptTitle="' + b"x" * 32
        ),
        "promptTitle has more than 32",
    ),
    "undefined style": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b' s="', b' s="9999'),
        "is not defined",
    ),
    "invalid defined name": (
        lambda d: _edit(d, "xl/workbook.xml", b'name="_xlnm._FilterDatabase"', b'name="A1"'),
        "invalid defined name 'A1'",
    ),
    "name pointing to no sheet": (
        lambda d: _edit(d, "xl/workbook.xml", b">Questionnaire!", b">Nowhere!"),
        "refers to sheet 'Nowhere'",
    ),
    "elements out of schema order": (
        lambda d: _edit(d, "xl/workbook.xml", b"<bookViews>", b"<calcPr/><bookViews>"),
        "comes after",
    ),
    "overlapping columns": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b'<col min="2"', b'<col min="1"'),
        "overlaps or is out of order",
    ),
    "sheet name without its quotes": (
        lambda d: _edit(
            _edit(d, "xl/workbook.xml", b'name="Lists"', b'name="Lists-1"'),
            "xl/worksheets/sheet2.xml",
            b"<formula1>Lists!",
            b"<formula1>Lists-1!",
        ),
        "without the quotes Excel needs",
    ),
    "double quote in a drop-down list": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b'<formula1>"Yes,', b'<formula1>"Yes,"'),
        "double quote that is not doubled",
    ),
    "two validations on a cell": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b'sqref="L3"', b'sqref="L2"'),
        "under two data validations",
    ),
    "number that is not finite": (
        lambda d: _edit(d, "xl/worksheets/sheet2.xml", b"<v>1</v>", b"<v>NaN</v>"),
        "number 'NaN'",
    ),
    "text longer than a cell holds": (
        lambda d: _edit(d, "xl/sharedStrings.xml", b"<t>", b"<t>" + b"x" * MAX_CELL_TEXT),
        f"more than {MAX_CELL_TEXT} characters",
    ),
}


@pytest.fixture(scope="module")
def small_template(bank: QuestionBank) -> bytes:
    """An offline template of two commitments, with typed-in and range drop-downs."""
    snapshot = offline_files.snapshot(bank, OFFLINE_ANSWERS, commitment_ids=OFFLINE_ANSWERS)
    data = offline_files.template(snapshot)
    assert package_problems(data) == []
    return data


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_the_checks_find_damage_excel_would_repair(small_template: bytes, damage: str) -> None:
    spoil, expected = DAMAGE[damage]
    problems = package_problems(spoil(small_template))
    assert any(expected in problem for problem in problems), problems


# ---------------------------------------------------------------------------------------
# LibreOffice

# Export every sheet to its own CSV file (the twelfth token, -1; LibreOffice 7.2 and later):
# comma, double quote, UTF-8, from line 1, values as stored rather than formulas.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
SOFFICE_TIMEOUT = 300


@pytest.fixture(scope="module")
def converted(
    workbooks: dict[str, Generated], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, list[list[str]]]]:
    """Every workbook converted by one headless LibreOffice: file -> sheet -> CSV rows."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    base = tmp_path_factory.mktemp("libreoffice")
    source, target, profile = base / "in", base / "out", base / "profile"
    source.mkdir()
    for name, generated in workbooks.items():
        (source / name).write_bytes(generated.data)
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        CSV_FILTER,
        "--outdir",
        str(target),
        *sorted(str(path) for path in source.iterdir()),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT, check=False
    )
    assert result.returncode == 0, result.stderr
    sheets: dict[str, dict[str, list[list[str]]]] = {}
    for name in workbooks:
        stem = Path(name).stem
        sheets[name] = {
            path.stem.removeprefix(f"{stem}-"): read_csv(path)
            for path in target.glob(f"{glob_escape(stem)}-*.csv")
            if path.stat().st_size > 0
        }
    return sheets


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def without_empty_tail(rows: list[list[T]]) -> list[list[T]]:
    while rows and not rows[-1]:
        rows = rows[:-1]
    return rows


@pytest.mark.parametrize(("kind", "language"), KINDS)
def test_libreoffice_opens_every_sheet(
    workbooks: dict[str, Generated],
    converted: dict[str, dict[str, list[list[str]]]],
    kind: str,
    language: str,
) -> None:
    """LibreOffice reads every sheet, and in each row as many filled cells as were written.

    The first cell of each sheet (a title or header) must also read the same.
    """
    name = file_name(kind, language)
    written = openpyxl.load_workbook(io.BytesIO(workbooks[name].data), read_only=True)
    try:
        expected = {
            sheet.title: [
                [cell for cell in row if cell is not None and cell != ""]
                for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in written.worksheets
        }
    finally:
        written.close()
    seen = converted[name]
    assert sorted(seen) == sorted(expected), f"{name}: LibreOffice wrote no CSV for a sheet"
    for title, rows in expected.items():
        filled = without_empty_tail(
            [[value for value in row if value != ""] for row in seen[title]]
        )
        rows = without_empty_tail(rows)
        assert [len(row) for row in filled] == [len(row) for row in rows], f"{name} {title}"
        if rows and rows[0]:
            assert filled[0][0] == str(rows[0][0]), f"{name} {title}: first cell"


@pytest.mark.parametrize(("kind", "language"), KINDS)
def test_libreoffice_keeps_formula_like_text_as_text(
    workbooks: dict[str, Generated],
    converted: dict[str, dict[str, list[list[str]]]],
    kind: str,
    language: str,
) -> None:
    name = file_name(kind, language)
    values = {value for rows in converted[name].values() for row in rows for value in row}
    for text in workbooks[name].kept_as_text:
        assert text in values, f"{name}: {text!r} did not come out of LibreOffice as typed"
