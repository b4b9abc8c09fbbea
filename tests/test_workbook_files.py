"""Spreadsheets from outside (12345 ticket exports, call-back answers, ledgers) are read as what
their names say, or refused: GDAL opens a file by its content, so an ".ods" or ".xlsx" holding an
OGR VRT would have it read any file or URL the service can reach and hand it back in the import's
problems; a small workbook can unzip to gigabytes. No database: the readers alone."""

from __future__ import annotations

import zipfile

import pandas as pd
import pyogrio
import pytest

from gis.cases.tickets import read_records
from gis.errors import UnreadableFile
from gis.filesio import file_encoding
from gis.ledger import read_table
from gis.limits import MAX_WORKBOOK_BYTES

SECRET = "the-service-config-secret"


def _vrt(tmp_path) -> str:
    """An OGR VRT whose rows are the lines of a file of the service's (the secret)."""
    secret = tmp_path / "secret.csv"
    secret.write_text(f"{SECRET}\n{SECRET}\n")
    return (f'<OGRVRTDataSource><OGRVRTLayer name="t"><SrcDataSource>CSV:{secret}</SrcDataSource>'
            '<SrcLayer>secret</SrcLayer><OpenOptions><OOI key="HEADERS">NO</OOI></OpenOptions>'
            '</OGRVRTLayer></OGRVRTDataSource>')


def test_gdal_alone_would_read_the_secret_through_a_vrt_named_ods(tmp_path):
    """What the check stands against: GDAL opens the disguised file as a VRT, whatever its name."""
    path = tmp_path / "tickets.ods"
    path.write_text(_vrt(tmp_path))
    frame = pyogrio.read_dataframe(str(path), read_geometry=False)
    assert SECRET in frame.to_string()


@pytest.mark.parametrize("suffix, message", [(".ods", "is not an OpenDocument spreadsheet (.ods)"),
                                             (".xlsx", "is not an Excel workbook (.xlsx)")])
def test_a_vrt_named_as_a_workbook_is_refused(tmp_path, suffix, message):
    path = tmp_path / f"tickets{suffix}"
    path.write_text(_vrt(tmp_path))
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_records(path)
    with pytest.raises(UnreadableFile):
        read_table(path)


@pytest.mark.parametrize("suffix", [".ods", ".xlsx"])
def test_a_zip_that_is_not_a_workbook_of_its_kind_is_refused(tmp_path, suffix):
    path = tmp_path / f"tickets{suffix}"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", _vrt(tmp_path))
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")  # a text document, not a sheet
    with pytest.raises(UnreadableFile, match="is not an"):
        read_records(path)


def test_a_ledger_csv_holding_a_vrt_is_read_as_csv(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text(_vrt(tmp_path))
    rows = read_table(path)
    assert SECRET not in repr(rows)  # the XML's own text, as a CSV's cells, not the file it names


@pytest.mark.parametrize("suffix, driver", [(".ods", "ODS"), (".xlsx", "XLSX")])
def test_real_workbooks_are_read(tmp_path, suffix, driver):
    path = tmp_path / f"tickets{suffix}"
    frame = pd.DataFrame({"工单编号": ["X1", "X2"], "诉求内容": ["井盖松动", "路灯不亮"]})
    pyogrio.write_dataframe(frame, path, driver=driver)
    assert [r["工单编号"] for r in read_records(path)] == ["X1", "X2"]


def test_a_workbook_that_unzips_past_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "tickets.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (MAX_WORKBOOK_BYTES + 1))
    assert path.stat().st_size < 200_000  # small to send, huge to read
    with pytest.raises(UnreadableFile, match=f"more than {MAX_WORKBOOK_BYTES // 2**20} MB"):
        read_records(path)


@pytest.mark.parametrize("encoding", ["hex", "base64", "zlib", "rot13", "uu", "klingon"])
def test_codecs_that_are_no_text_encoding_are_refused_by_name(tmp_path, encoding):
    path = tmp_path / "tickets.csv"
    path.write_text("工单编号\nX1\n")
    with pytest.raises(UnreadableFile, match=f"unknown encoding {encoding}"):
        file_encoding(path, encoding)
    with pytest.raises(UnreadableFile, match=f"unknown encoding {encoding}"):
        read_records(path, encoding)


def test_bytes_that_punycode_cannot_decode_are_refused_as_such(tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(b"ticket-no,x\nX1,y\n")  # ASCII, but no punycode: UnicodeError, not UnicodeDecodeError
    with pytest.raises(UnreadableFile, match="is not text in punycode"):
        read_records(path, "punycode")
