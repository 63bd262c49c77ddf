"""Refuse a hostile file before any spreadsheet library looks inside it.

Everything here reads the zip central directory, the members inflated under a budget,
and their raw XML: file type, macros, zip bombs, and XML entity tricks (DTDs, entity
expansion, external entities) through defusedxml. openpyxl opens only files that passed
all of it.

Zip bombs are stopped twice. The sizes and compression ratios the directory declares are
checked first; then every member is inflated in small steps with a running byte count
that stops at its declared size and at the budget, whatever the headers claim, and within
a time budget. A member whose stream does not end exactly at its declared size and
checksum is refused: `zipfile` (and openpyxl through it) asks zlib for up to 2 GiB in one
call, so a lying header would otherwise be believed only after the whole member had been
inflated into memory.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, fromstring

from questionnaire.domain.offline.errors import OfflineImportError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) format
CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_PART = "xl/workbook.xml"
XML_SUFFIXES = (".xml", ".rels", ".vml")
MACRO_MARKERS = ("macroenabled", "vbaproject", "ms-office.activex")
MIB = 1024 * 1024
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own layout of a local file header
LOCAL_MAGIC = b"PK\x03\x04"
INFLATE_STEP = 64 * 1024  # bytes of output asked of zlib at a time
DAMAGED = (
    "The file is damaged or incomplete and cannot be read. Save it again in Excel "
    "as .xlsx, or download a new template."
)

NOT_A_WORKBOOK = (
    "This is not an Excel workbook (.xlsx). Upload the offline questionnaire downloaded "
    "from this application, saved in Excel's .xlsx format."
)


@dataclass(frozen=True)
class ImportLimits:
    """How large a file may be; generous for a template of about 1,500 rows."""

    max_file_bytes: int = 10 * MIB
    max_members: int = 200
    max_uncompressed_bytes: int = 50 * MIB
    max_compression_ratio: float = 100.0
    max_inflate_seconds: float = 5.0

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_members", "max_uncompressed_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"ImportLimits.{name} must be at least 1")
        if self.max_compression_ratio < 1:
            raise ValueError("ImportLimits.max_compression_ratio must be at least 1")
        if self.max_inflate_seconds <= 0:
            raise ValueError("ImportLimits.max_inflate_seconds must be above 0")


def screen_package(data: bytes, limits: ImportLimits) -> None:
    """Raise `OfflineImportError` unless `data` is a plain, reasonably sized .xlsx package."""
    _check_file(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_directory(members, limits)
            _check_parts(archive, members)
            _inflate_under_budget(data, members, limits)
            _check_xml(archive, members)
    except OfflineImportError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError):
        raise OfflineImportError(DAMAGED) from None
    except NotImplementedError:
        raise OfflineImportError(
            "The file uses a compression method Excel does not use. Save it again in Excel "
            "as .xlsx."
        ) from None


def _check_file(data: bytes, limits: ImportLimits) -> None:
    if len(data) > limits.max_file_bytes:
        raise OfflineImportError(
            f"The file is {len(data) / MIB:.1f} MiB; the limit is "
            f"{limits.max_file_bytes / MIB:.1f} MiB. Upload the template you downloaded, "
            "without added pictures or sheets."
        )
    if data.startswith(OLE_MAGIC):
        raise OfflineImportError(
            "This is an old-format Excel file (.xls). Open it in Excel and save it as an "
            "Excel workbook (.xlsx)."
        )
    if not data.startswith(ZIP_MAGIC):
        raise OfflineImportError(NOT_A_WORKBOOK)


def _check_directory(members: list[zipfile.ZipInfo], limits: ImportLimits) -> None:
    if len(members) > limits.max_members:
        raise OfflineImportError(
            f"The file has {len(members)} parts; a questionnaire has far fewer (at most "
            f"{limits.max_members}). Upload the template you downloaded."
        )
    names = [member.filename for member in members]
    if len(set(names)) != len(names):
        raise OfflineImportError("The file holds two parts of the same name and is refused.")
    if any(member.flag_bits & 0x1 for member in members):
        raise OfflineImportError(
            "The file is encrypted or password-protected. Remove the password and upload it again."
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise OfflineImportError(
            f"Unpacked, the file would take {total / MIB:.0f} MiB; the limit is "
            f"{limits.max_uncompressed_bytes / MIB:.0f} MiB. It is refused as a possible "
            "zip bomb."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise OfflineImportError(
                f"The part {member.filename} is compressed {ratio:.0f} times (at most "
                f"{limits.max_compression_ratio:.0f} is accepted). It is refused as a "
                "possible zip bomb."
            )


def _inflate_under_budget(
    data: bytes, members: list[zipfile.ZipInfo], limits: ImportLimits
) -> None:
    """Inflate every member in small steps, counting bytes; refuse any lie or excess."""
    deadline = time.monotonic() + limits.max_inflate_seconds
    budget = limits.max_uncompressed_bytes
    for member in members:
        budget -= _inflate_member(data, member, budget, deadline, limits)


def _inflate_member(
    data: bytes, member: zipfile.ZipInfo, budget: int, deadline: float, limits: ImportLimits
) -> int:
    """The number of bytes `member` inflates to, checked against its declared size and CRC."""
    compressed = _compressed_bytes(data, member)
    if member.compress_type == zipfile.ZIP_STORED:
        produced, checksum = len(compressed), zlib.crc32(compressed)
        finished = True
    elif member.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        produced = checksum = 0
        for offset in range(0, len(compressed), INFLATE_STEP):
            pending: bytes | memoryview = compressed[offset : offset + INFLATE_STEP]
            while pending and not inflater.eof:
                chunk = inflater.decompress(pending, INFLATE_STEP)
                pending = inflater.unconsumed_tail
                produced += len(chunk)
                if produced > min(budget, member.file_size):
                    # More than its header says (a lie), or more than the budget left.
                    raise _bomb_error(limits) if produced > budget else OfflineImportError(DAMAGED)
                if time.monotonic() > deadline:
                    raise OfflineImportError(
                        f"Unpacking the file took longer than {limits.max_inflate_seconds:g} "
                        "seconds. It is refused as a possible zip bomb."
                    )
                checksum = zlib.crc32(chunk, checksum)
        finished = inflater.eof
    else:
        raise NotImplementedError(member.compress_type)
    if not finished or produced != member.file_size or checksum != member.CRC:
        raise OfflineImportError(DAMAGED)
    return produced


def _compressed_bytes(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """The member's compressed bytes, found as zipfile finds them (after its local header)."""
    start = member.header_offset
    header = data[start : start + LOCAL_HEADER.size]
    if len(header) != LOCAL_HEADER.size or not header.startswith(LOCAL_MAGIC):
        raise OfflineImportError(DAMAGED)
    fields = LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[-2], fields[-1]
    begin = start + LOCAL_HEADER.size + name_length + extra_length
    compressed = memoryview(data)[begin : begin + member.compress_size]
    if len(compressed) != member.compress_size:
        raise OfflineImportError(DAMAGED)
    return compressed


def _bomb_error(limits: ImportLimits) -> OfflineImportError:
    return OfflineImportError(
        f"Unpacked, the file would take more than {limits.max_uncompressed_bytes / MIB:.0f} "
        "MiB. It is refused as a possible zip bomb."
    )


def _check_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    names = {member.filename for member in members}
    if CONTENT_TYPES not in names or WORKBOOK_PART not in names:
        raise OfflineImportError(NOT_A_WORKBOOK)
    lowered = [name.lower() for name in names]
    if any(name.endswith("vbaproject.bin") or "/activex/" in name for name in lowered):
        raise _macro_error()


def _macro_error() -> OfflineImportError:
    return OfflineImportError(
        "The file contains macros or ActiveX controls (an .xlsm-style workbook). Macros "
        "are never accepted: save the file as an Excel workbook (.xlsx) and upload it again."
    )


def _check_xml(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    for member in members:
        if member.filename == CONTENT_TYPES:
            _check_content_types(_parse(member.filename, archive.read(member), build_tree=True))
        elif member.filename.lower().endswith(XML_SUFFIXES):
            _parse(member.filename, archive.read(member), build_tree=False)


class _NoTree:
    """A parser target that keeps nothing: expat checks the XML at C speed."""

    def close(self) -> None:
        return None


def _parse(name: str, content: bytes, build_tree: bool) -> Element | None:
    try:
        if build_tree:
            return fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser = DefusedXMLParser(
            target=_NoTree(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        parser.feed(content)
        parser.close()
        return None
    except DefusedXmlException:
        raise OfflineImportError(
            f"The part {name} of the file declares a DTD or XML entities, a known way to "
            "attack a server. The file is refused; download a new template."
        ) from None
    except ParseError:
        raise OfflineImportError(
            f"The part {name} of the file is not well-formed XML; the file is damaged. "
            "Save it again in Excel as .xlsx."
        ) from None


def _check_content_types(root: Element) -> None:
    declared = [
        element.get("ContentType", "").lower()
        for element in root.iter()
        if element.tag.endswith(("}Override", "}Default"))
    ]
    if any(marker in content for content in declared for marker in MACRO_MARKERS):
        raise _macro_error()
    if not any("spreadsheetml.sheet.main+xml" in content for content in declared):
        raise OfflineImportError(NOT_A_WORKBOOK)
