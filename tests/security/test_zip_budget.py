"""A workbook whose zip headers lie about its sizes is refused without inflating it (issue 14, 1).

The central directory and the local header claim that the shared strings are 1,000 bytes
(with the checksum of 1,000 zero bytes, so even zipfile's own check would pass), while the
deflate stream inflates to more than 1 GiB. The file is about 1 MiB, under the upload
limit. It is refused with the usual message, quickly, and the process that reads it grows
by less than 100 MiB; the old reader inflated the whole member into memory first.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.offline import ImportLimits, OfflineImportError, read_workbook
from questionnaire.models import Answer, AuditEvent, Role
from tests.domain import offline_files
from tests.security.helpers import client_for, count_rows, open_small_assessment

MIB = 1024 * 1024
CLAIMED_SIZE = 1000
INFLATED_MIB = 1100  # more than 1 GiB
BOMB_MEMBER = "xl/sharedStrings.xml"
DAMAGED = "damaged or incomplete"


def zeros_deflated(mebibytes: int) -> bytes:
    """A raw deflate stream of `mebibytes` MiB of zeros, built from one repeated block.

    After a full flush the compressor forgets everything, so each MiB of zeros compresses
    to the same bytes: the stream is written without compressing a GiB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == block
    return block * mebibytes + compressor.flush(zlib.Z_FINISH)


def lying_package(template: bytes) -> bytes:
    """`template` with its shared strings replaced by the bomb, headers patched to lie."""
    with zipfile.ZipFile(io.BytesIO(template)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    members[BOMB_MEMBER] = b""
    out = io.BytesIO()
    central = []
    for name, content in members.items():
        encoded = name.encode()
        if name == BOMB_MEMBER:
            compressed = zeros_deflated(INFLATED_MIB)
            crc, size = zlib.crc32(bytes(CLAIMED_SIZE)), CLAIMED_SIZE
        else:
            deflater = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
            compressed = deflater.compress(content) + deflater.flush()
            crc, size = zlib.crc32(content), len(content)
        sizes = struct.pack("<3L", crc, len(compressed), size)
        offset = out.tell()
        out.write(b"PK\x03\x04" + struct.pack("<4H", 20, 0, 8, 0) + struct.pack("<H", 0))
        out.write(sizes + struct.pack("<2H", len(encoded), 0) + encoded + compressed)
        central.append(
            b"PK\x01\x02"
            + struct.pack("<6H", 20, 20, 0, 8, 0, 0)
            + sizes
            + struct.pack("<5H2L", len(encoded), 0, 0, 0, 0, 0, offset)
            + encoded
        )
    directory_at = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        b"PK\x05\x06"
        + struct.pack("<4H2LH", 0, 0, len(central), len(central), len(directory), directory_at, 0)
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb(bank: QuestionBank) -> bytes:
    snap = offline_files.snapshot(bank, commitment_ids=("pd2021.p1",))
    return lying_package(offline_files.template(snap))


def test_the_lying_zip_is_what_the_issue_describes(bomb: bytes) -> None:
    assert len(bomb) < ImportLimits().max_file_bytes
    with zipfile.ZipFile(io.BytesIO(bomb)) as package:
        member = package.getinfo(BOMB_MEMBER)
        assert (member.file_size, member.CRC) == (CLAIMED_SIZE, zlib.crc32(bytes(CLAIMED_SIZE)))
        with package.open(member) as stream:  # read a step at a time, it looks honest
            assert stream.read(4096) == bytes(CLAIMED_SIZE)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    assert len(inflater.decompress(zeros_deflated(3), 4 * MIB)) == 3 * MIB and inflater.eof


# Peak and current resident memory of this process's own address space, from the kernel:
# VmHWM starts afresh at exec, whereas ru_maxrss would carry the forking pytest's size.
MEASURE = """
import sys, time
from pathlib import Path
from questionnaire.domain.offline import ImportLimits, OfflineImportError, read_workbook

def kibibytes(field):
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024

data = Path(sys.argv[1]).read_bytes()
before = kibibytes("VmRSS")
started = time.monotonic()
try:
    read_workbook(data, ImportLimits(), b"secret")
    message = "accepted"
except OfflineImportError as error:
    message = error.message
seconds = time.monotonic() - started
print(max(kibibytes("VmHWM") - before, 0), seconds)
print(message)
"""


def test_a_zip_lying_about_its_sizes_is_refused_in_under_100_mib_and_quickly(
    bomb: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    numbers, message = measured.stdout.split("\n", 1)
    growth, seconds = int(numbers.split()[0]), float(numbers.split()[1])
    assert growth < 100 * MIB, f"the reader grew by {growth / MIB:.0f} MiB"
    assert seconds < 2.0
    assert DAMAGED in message


def test_the_refusal_costs_little_time_in_this_process_too(bomb: bytes) -> None:
    started = time.process_time()
    with pytest.raises(OfflineImportError, match=DAMAGED):
        read_workbook(bomb, ImportLimits(), offline_files.SECRET)
    assert time.process_time() - started < 1.0


def test_inflating_stops_at_the_byte_budget_whatever_the_headers_say(bank: QuestionBank) -> None:
    """Honest headers, but more to inflate than the budget: stopped by the running count."""
    snap = offline_files.snapshot(bank, commitment_ids=("pd2021.p1",))
    template = offline_files.template(snap)
    limits = ImportLimits(max_uncompressed_bytes=len(template) * 100)
    with pytest.raises(OfflineImportError, match="zip bomb"):
        read_workbook(offline_files.zip_bomb(template, megabytes=20), limits, offline_files.SECRET)


def test_inflating_stops_at_the_time_budget(bank: QuestionBank) -> None:
    snap = offline_files.snapshot(bank, commitment_ids=("pd2021.p1",))
    template = offline_files.template(snap)
    limits = ImportLimits(max_inflate_seconds=1e-9)
    with pytest.raises(OfflineImportError, match="took longer than"):
        read_workbook(template, limits, offline_files.SECRET)


def test_an_uploaded_lying_zip_is_refused_with_the_usual_message_and_changes_nothing(
    app: Flask, db: Session, make_user: Any, loaded_bank: Any, bomb: bytes
) -> None:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    china = open_small_assessment(db, "CHN")
    focal_point = client_for(app, "fp@china.test")
    events = count_rows(db, AuditEvent)
    page = focal_point.get(f"/assessments/{china.id}/offline/import").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = focal_point.post(
        f"/assessments/{china.id}/offline/import",
        data={"csrf_token": token, "file": (io.BytesIO(bomb), "answers.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert DAMAGED in response.get_data(as_text=True)
    assert count_rows(db, Answer) == 0
    assert count_rows(db, AuditEvent) == events
