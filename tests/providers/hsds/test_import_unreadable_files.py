"""manage.py import_hsds on files it cannot read: every error names the file (and the line), none is a traceback.

For every format the importer reads (HSDS 3.0 JSON, the 3.0 CSV package, HSDS 1.1 CSV, Ohana CSV): text
that is not UTF-8 (Latin-1, UTF-16 with or without a byte order mark), NUL bytes, a CSV value over the
importer's CSV field limit (16 MiB), JSON nested deeper than directory.jsonlimits allows, broken JSON, an
empty file, a damaged zip member. The import stops with the error (nothing is written), or with
--partial reads the rest.
"""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.jsonlimits import MAX_DEPTH
from providers.hsds.importer.files import CSV_FIELD_LIMIT
from providers.models import Organization, Service
from tests.providers.hsds.test_import import hsds_file, run

pytestmark = pytest.mark.django_db

ORGANIZATION_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
ORGANIZATION = {"id": ORGANIZATION_ID, "name": "Café Community", "description": "A community café."}
DEEP = "[" * 100_000 + "]" * 100_000
DEPTH_ERROR = f"Not valid JSON: JSON may nest at most {MAX_DEPTH} levels deep."
NOT_UTF8 = "Not UTF-8 text (byte 0xE9; Latin-1 or Windows-1252 perhaps); save the file as UTF-8."
UTF16 = "The file is UTF-16 text; save it as UTF-8."
NUL = "The file holds a NUL byte, which text does not (UTF-16 without a byte order mark?); save it as UTF-8."
EMPTY = "The file is empty."
FIELD_LIMIT = f"A value is longer than {CSV_FIELD_LIMIT:,} characters, the most a CSV field may hold."


def refused(path: Path, **options) -> str:
    """Run the import, which must fail (a CommandError, so exit status 1); return all it said."""
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=err, **options)
    return f"{err.getvalue()}{raised.value}"


def organizations_csv(rows: list[dict] | None = None) -> str:
    rows = [ORGANIZATION] if rows is None else rows
    lines = ["id,name,description"] + [f"{row['id']},{row['name']},{row['description']}" for row in rows]
    return "\r\n".join(lines) + "\r\n"


def write(folder: Path, files: dict[str, bytes | str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def csv_package(folder: Path, organizations: bytes) -> Path:
    """An HSDS 3.0 CSV package: the official datapackage.json and organizations.csv as given."""
    return write(
        folder,
        {"datapackage.json": hsds_file("v3.0", "datapackage.json").read_bytes(), "organizations.csv": organizations},
    )


def hsds11(folder: Path, organizations: bytes) -> Path:
    return write(folder, {"organizations.csv": organizations, "services.csv": "id,organization_id,name\r\n"})


def ohana(folder: Path, locations: bytes) -> Path:
    return write(folder, {"locations.csv": locations, "services.csv": "id,location_id,name\r\n"})


# How each format is given a CSV file it cannot read: (format, folder maker, the file's name).
CSV_FORMATS = [
    pytest.param("auto", csv_package, "organizations.csv", id="hsds-3.0-csv"),
    pytest.param("hsds-1.1", hsds11, "organizations.csv", id="hsds-1.1"),
    pytest.param("ohana", ohana, "locations.csv", id="ohana"),
]


@pytest.mark.parametrize(("format", "make", "name"), CSV_FORMATS)
@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        pytest.param(organizations_csv().encode("latin-1"), " line 2", NOT_UTF8, id="latin-1"),
        pytest.param(organizations_csv().encode("utf-16"), "", UTF16, id="utf-16"),
        pytest.param(organizations_csv().encode("utf-16-le"), " line 1", NUL, id="utf-16-without-bom"),
        pytest.param(
            organizations_csv().encode("utf-32"), "", "The file is UTF-32 text; save it as UTF-8.", id="utf-32"
        ),
        pytest.param(b"id,name\r\n1,Caf\x00e\r\n", " line 2", NUL, id="nul-byte"),
        pytest.param(
            b"id,name\r\n1,A\r\n2," + b"x" * (CSV_FIELD_LIMIT + 1) + b"\r\n", " line 3", FIELD_LIMIT, id="field-limit"
        ),
        pytest.param(b"", "", EMPTY, id="empty"),
    ],
)
def test_it_names_a_csv_file_it_cannot_read(tmp_path, format, make, name, content, line, reason):
    """The error is "error: <file> line <n>: file: <reason>"; the import stops, nothing is written."""
    folder = make(tmp_path / "dataset", content)

    said = refused(folder, format=format)

    assert f"error: {name}{line}: file: {reason}" in said
    assert "Nothing was imported" in said
    assert not Organization.objects.exists()


@pytest.mark.parametrize(("format", "make", "name"), CSV_FORMATS[:2])  # an Ohana location needs more files
def test_it_reads_a_csv_file_with_a_utf8_byte_order_mark(tmp_path, format, make, name):
    """UTF-8 with a byte order mark (Excel's "CSV UTF-8") is UTF-8: its first column is read by its name."""
    folder = make(tmp_path / "dataset", b"\xef\xbb\xbf" + organizations_csv().encode())

    run(folder, format=format, partial=True)

    assert Organization.objects.filter(name="Café Community").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(DEEP, DEPTH_ERROR, id="nested-arrays"),
        pytest.param('{"services": ' * 50_000 + "[]" + "}" * 50_000, DEPTH_ERROR, id="nested-objects"),
        pytest.param("[" * 100_000, DEPTH_ERROR, id="unclosed"),
        pytest.param('{"id": "x", "name": NaN}', "Not valid JSON: NaN is not a number JSON allows.", id="nan"),
        pytest.param(
            '{"id": "x",',
            "Not valid JSON: Expecting property name enclosed in double quotes: line 1 column 12 (char 11).",
            id="broken",
        ),
        pytest.param(json.dumps(ORGANIZATION, ensure_ascii=False).encode("latin-1"), NOT_UTF8, id="latin-1"),
        pytest.param(json.dumps(ORGANIZATION).encode("utf-16"), UTF16, id="utf-16"),
        pytest.param(" \n", EMPTY, id="empty"),
    ],
)
def test_it_names_a_json_file_it_cannot_read(tmp_path, content, reason):
    """Nested too deep (this was a RecursionError traceback), NaN, broken, not UTF-8, empty: the file is named."""
    path = tmp_path / "organization.json"
    path.write_bytes(content.encode() if isinstance(content, str) else content)

    said = refused(path)

    assert f"error: organization.json{' line 1' if 'byte 0x' in reason else ''}: file: {reason}" in said
    assert "Traceback" not in said
    assert not Organization.objects.exists()


def test_it_reads_the_other_files_with_partial(tmp_path):
    """With --partial, a file nested too deeply is reported and the folder's other files are imported."""
    write(tmp_path / "folder", {"deep.json": DEEP, "organization.json": json.dumps(ORGANIZATION)})

    out, err = run(tmp_path / "folder", partial=True)

    assert f"error: deep.json: file: {DEPTH_ERROR}" in err
    assert Organization.objects.get().name == "Café Community"
    assert out.splitlines()[-1].startswith("Imported: created 1 /")


def test_it_names_a_file_nested_too_deeply_inside_a_zip(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("json/organizations/deep.json", DEEP)

    said = refused(archive)

    assert f"error: json/organizations/deep.json: file: {DEPTH_ERROR}" in said


def test_it_reads_a_package_whose_descriptor_is_nested_too_deeply(tmp_path):
    """A datapackage.json it cannot read is a warning; the standard file names are read instead."""
    folder = write(tmp_path / "package", {"datapackage.json": DEEP, "organizations.csv": organizations_csv()})

    _, err = run(folder, verbosity=2)

    assert "warning: datapackage.json: datapackage: Not a data package descriptor" in err
    assert Organization.objects.get().name == "Café Community"


def test_it_keeps_no_area_from_an_extent_nested_too_deeply(tmp_path):
    """A GeoJSON extent nested too deeply is not a polygon (this was a RecursionError): no area is kept."""
    organization = {
        **ORGANIZATION,
        "services": [
            {
                "id": "ac148810-d857-441c-9679-408f346de14b",
                "name": "Meals",
                "status": "active",
                "service_areas": [
                    {
                        "id": "5b7c2e3a-5d41-4d7e-9c6b-7a1f0e2d3c4b",
                        "name": "North",
                        "extent_type": "geojson",
                        "extent": DEEP,
                    }
                ],
            }
        ],
    }
    path = tmp_path / "organization.json"
    path.write_text(json.dumps(organization))

    run(path, partial=True)

    assert Service.objects.get().service_areas.count() == 0


def test_it_names_a_damaged_file_in_a_zip(tmp_path):
    """A zip member whose data fails its check is an error naming it, not a BadZipFile traceback."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as package:
        package.writestr("organization.json", json.dumps(ORGANIZATION))
    data = bytearray(archive.read_bytes())
    position = data.index(b"Community")
    data[position] ^= 0x20  # one letter's case: the CRC no longer matches
    archive.write_bytes(bytes(data))

    said = refused(archive)

    assert "error: organization.json: file: The archive's copy of this file is damaged (Bad CRC-32" in said
    assert not Organization.objects.exists()
