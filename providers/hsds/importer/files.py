"""The files of an import: a folder, a zip archive or one file, read as UTF-8 text and CSV rows."""

import codecs
import contextlib
import csv
import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from directory import jsonlimits
from providers.hsds.archive import ArchiveLimits, check_archive, read_member
from providers.hsds.importer.records import Batch

# ---- files -------------------------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """A file of the import that is not text we can read: ``where`` names it (and the line), ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


# Byte order marks of text that is not UTF-8 (UTF-32's first: UTF-32-LE's begins like UTF-16-LE's).
OTHER_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# What a damaged or unusual zip member raises when read (CRC, truncated data, encryption, methods).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)


# The longest CSV value the importer reads, in characters: Python's csv module stops at 128 KiB, and real
# descriptions run longer (a feed's 145 KB one). 16 MiB holds any text a person writes and still bounds
# one value; a file as a whole is bounded by the archive limits (providers/hsds/archive.py).
CSV_FIELD_LIMIT = 16 * 1024 * 1024


@contextlib.contextmanager
def csv_field_limit(limit: int):
    """Let the csv module read values up to ``limit`` characters, and put back its limit afterwards.

    The module keeps one limit for the whole process; holding it only while a row is read keeps the
    change from leaking into anything else that reads CSV.
    """
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def csv_records(reader) -> Iterator[list[str]]:
    """The records of a ``csv.reader``, each read under ``CSV_FIELD_LIMIT``."""
    while True:
        with csv_field_limit(CSV_FIELD_LIMIT):
            values = next(reader, None)
        if values is None:
            return
        yield values


def line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


class Files:
    """The files of an import, by relative POSIX path: a folder, a zip archive or a single file.

    Every problem reading one is an ``UnreadableFile`` naming it; a zip over ``limits`` is refused
    (``ArchiveRefused``, providers/hsds/archive.py) before anything in it is expanded.
    """

    def __init__(self, path: Path, limits: ArchiveLimits | None = None) -> None:
        self.path = Path(path)
        self.archive = None
        self.unreadable: set[str] = set()  # CSV files already reported, so a second reading stays quiet
        if self.path.is_dir():
            self.root = self.path
            found = (item for item in self.path.rglob("*") if item.is_file())
            self._names = sorted(item.relative_to(self.path).as_posix() for item in found)
        elif zipfile.is_zipfile(self.path):
            try:
                self.archive = zipfile.ZipFile(self.path)
            except (*ZIP_ERRORS, OSError) as error:
                raise UnreadableFile(self.path.name, f"Not a zip archive that can be read ({error}).") from None
            check_archive(self.path, self.archive, limits or ArchiveLimits.from_settings())
            self._names = sorted(name for name in self.archive.namelist() if not name.endswith("/"))
        elif self.path.is_file():
            self.root = self.path.parent
            self._names = [self.path.name]
        else:
            raise FileNotFoundError(f"No file or folder {self.path}.")

    def names(self) -> list[str]:
        return [name for name in self._names if not PurePosixPath(name).name.startswith(".")]

    def read_bytes(self, name: str) -> bytes:
        try:
            return read_member(self.archive, name) if self.archive else (self.root / name).read_bytes()
        except ZIP_ERRORS as error:
            raise UnreadableFile(name, f"The archive's copy of this file is damaged ({error}).") from None
        except OSError as error:
            raise UnreadableFile(name, f"The file cannot be read ({error.strerror or error}).") from None

    def read_text(self, name: str) -> str:
        """The file's text: UTF-8, with or without a byte order mark. Anything else is an UnreadableFile."""
        data = self.read_bytes(name)
        for mark, encoding in OTHER_ENCODINGS:
            if data.startswith(mark):
                raise UnreadableFile(name, f"The file is {encoding} text; save it as UTF-8.")
        nul = data.find(b"\x00")
        if nul >= 0:
            raise UnreadableFile(
                f"{name} line {line_of(data, nul)}",
                "The file holds a NUL byte, which text does not (UTF-16 without a byte order mark?); save it as UTF-8.",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"{name} line {line_of(data, error.start)}",
                f"Not UTF-8 text (byte 0x{data[error.start]:02X}; Latin-1 or Windows-1252 perhaps); "
                "save the file as UTF-8.",
            ) from None
        if not text or text.isspace():
            raise UnreadableFile(name, "The file is empty.")
        return text

    def find(self, filename: str) -> str | None:
        """The file called ``filename`` nearest the top, or None."""
        found = [name for name in self.names() if PurePosixPath(name).name.lower() == filename.lower()]
        return min(found, key=lambda name: (name.count("/"), name)) if found else None

    def json_documents(self, names: list[str], batch: "Batch") -> Iterator[tuple[str, object]]:
        """Yield (name, parsed JSON) of each file; one that cannot be read or parsed is an error of ``batch``."""
        for name in names:
            try:
                document = jsonlimits.loads(self.read_text(name))
            except UnreadableFile as error:
                batch.error(error.where, "file", "", "", error.reason)
                continue
            except ValueError as error:
                batch.error(name, "file", "", "", f"Not valid JSON: {str(error).rstrip('.')}.")
                continue
            yield name, document

    def csv_rows(self, name: str, batch: "Batch") -> Iterator[tuple[str, dict]]:
        """Yield ("<file> line <n>", row) for each record; a quoted value may span lines.

        A file that cannot be read as CSV is an error of ``batch`` naming the file and line (once, however
        often the file is read); the rows before that line are yielded.
        """
        if name in self.unreadable:
            return
        start = 1
        try:
            reader = csv.reader(io.StringIO(self.read_text(name), newline=""))
            header = [column.strip() for column in next(csv_records(reader), [])]
            start = reader.line_num + 1
            for values in csv_records(reader):
                if any(value.strip() for value in values):
                    yield f"{name} line {start}", dict(zip(header, values, strict=False))
                start = reader.line_num + 1
        except UnreadableFile as error:
            self.unreadable.add(name)
            batch.error(error.where, "file", "", "", error.reason)
        except csv.Error as error:
            self.unreadable.add(name)
            reason = (
                f"A value is longer than {CSV_FIELD_LIMIT:,} characters, the most a CSV field may hold."
                if "field limit" in str(error)
                else f"Not readable as CSV: {error}."
            )
            batch.error(f"{name} line {start}", "file", "", "", reason)
