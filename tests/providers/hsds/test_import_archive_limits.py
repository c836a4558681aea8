"""manage.py import_hsds refuses a zip that would expand past its limits, before expanding any of it.

A 1 MB zip used to expand to 2.1 GB in memory. Now what the archive's directory declares is checked
first (providers/hsds/archive.py): all files together, the number of files, the compression ratio, and
file names that climb out of the archive. The message names the archive, the limit, and how to raise it.
"""

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from providers.models import Organization
from tests.providers.hsds.test_import import hsds_file, run

pytestmark = pytest.mark.django_db

ORGANIZATION = {"id": "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610", "name": "Food Bank", "description": "Groceries."}


def refused(path: Path, **options) -> str:
    """Run the import, which must fail with a CommandError (exit status 1); return its message."""
    with pytest.raises(CommandError) as raised:
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=io.StringIO(), **options)
    return str(raised.value)


def errors_of(path: Path) -> str:
    """Run the import, which must fail; return the errors it listed."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def text_of(size: int) -> bytes:
    """JSON-like text that compresses about as well as real HSDS data (a few times, not hundreds)."""
    words = [
        f'{{"id": "{number:08x}-{number * 7919 % 100003}", "name": "Service {number * 31 % 997}"}}, '
        for number in range(size // 40)
    ]
    return ("[" + "".join(words) + '""]').encode()[:size]


def test_it_refuses_a_zip_bomb_quickly_without_expanding_it(tmp_path):
    """30 MB of spaces in a 30 kB zip: refused for its ratio in well under a second, in little memory."""
    archive = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package,
        package.open("organizations.json", "w") as member,
    ):
        member.write(b"[")
        for _ in range(30):
            member.write(b" " * 1_000_000)
        member.write(b"]")

    tracemalloc.start()
    started = time.monotonic()
    message = refused(archive)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert message.startswith("bomb.zip: refused: organizations.json would expand ")
    assert "more than the limit of 100 times, as a zip bomb does (allow more with --max-ratio or the setting" in message
    assert elapsed < 1
    assert peak < 5_000_000
    assert not Organization.objects.exists()


def test_it_refuses_an_archive_that_expands_past_the_limit(tmp_path, settings):
    """3 MB of ordinary data against a 2 MB limit (the setting, then the option): refused, naming both sizes."""
    archive = make_zip(tmp_path / "big.zip", {f"part{number}.json": text_of(1_000_000) for number in range(3)})
    settings.HSDS_IMPORT_MAX_EXPANDED_MB = 2

    message = refused(archive)

    assert message == (
        "big.zip: refused: its files would expand to 3.0 MB, more than the limit of 2.0 MB "
        "(allow more with --max-expanded-mb or the setting HSDS_IMPORT_MAX_EXPANDED_MB)."
    )
    settings.HSDS_IMPORT_MAX_EXPANDED_MB = 1000
    assert "more than the limit of 1.0 MB" in refused(archive, max_expanded_mb=1)


def test_it_refuses_an_archive_of_too_many_files(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"organizations/{number}.json": b"[]" for number in range(6)})

    message = refused(archive, max_files=5)

    assert message == (
        "many.zip: refused: it holds 6 files, more than the limit of 5 "
        "(allow more with --max-files or the setting HSDS_IMPORT_MAX_FILES)."
    )


def test_it_refuses_an_archive_that_compresses_too_well_in_many_small_files(tmp_path):
    """Many files, each too small to count alone, of a thousand times compressible data: the whole archive counts."""
    archive = make_zip(tmp_path / "small-bombs.zip", {f"part{number}.json": b" " * 500_000 for number in range(20)})

    message = refused(archive)

    assert message.startswith("small-bombs.zip: refused: its files would expand ")


@pytest.mark.parametrize(
    "name",
    [
        "../organization.json",
        "json/../../organization.json",
        "/etc/organization.json",
        "..\\organization.json",
        "C:/x.json",
    ],
)
def test_it_refuses_a_file_name_outside_the_archive(tmp_path, name):
    archive = make_zip(tmp_path / "climbing.zip", {name: json.dumps(ORGANIZATION).encode()})

    message = refused(archive)

    assert message == (
        f"climbing.zip: refused: the file name {name!r} points outside the archive (an absolute path or '..')."
    )
    assert not Organization.objects.exists()


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_it_refuses_compression_methods_it_cannot_expand_a_little_at_a_time(tmp_path, method):
    """bzip2 and LZMA members would be expanded whole whatever size they declare: refused, with what to do."""
    archive = tmp_path / "packed.zip"
    with zipfile.ZipFile(archive, "w", method) as package:
        package.writestr("organization.json", json.dumps(ORGANIZATION))

    message = refused(archive)

    assert message == (
        "packed.zip: refused: organization.json is compressed with a method other than deflate; "
        "make the zip again with the usual settings."
    )


def test_it_refuses_a_file_that_expands_past_what_it_declares(tmp_path):
    """A member whose header says 1 kB but whose data holds 20 MB: expanded only to 1 kB, then refused as damaged."""
    archive = make_zip(tmp_path / "lying.zip", {"organization.json": b" " * 20_000_000})
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        position = data.index(signature)
        data[position + offset : position + offset + 4] = (1000).to_bytes(4, "little")
    archive.write_bytes(bytes(data))

    tracemalloc.start()
    errors = errors_of(archive)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert "error: organization.json: file: The archive's copy of this file is damaged (Bad CRC-32" in errors
    assert peak < 5_000_000


def test_it_imports_an_ordinary_archive_within_the_limits(tmp_path):
    """The official CSV package, zipped, is well within every default limit."""
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        for path in hsds_file("v3.0", "examples", "csv").iterdir():
            package.write(path, f"export/{path.name}")

    out, _ = run(archive, partial=True)

    assert out.splitlines()[-1].startswith("Imported: created ")
