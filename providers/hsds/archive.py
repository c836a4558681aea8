"""What a zip archive given to ``import_hsds`` may hold, checked before any of it is expanded.

A zip's central directory says what each file expands to, and no file is expanded past the size it
declares (one that lies fails its CRC check instead): ``read_member`` expands a megabyte at a time,
which ``zipfile`` can do for deflated files only, so the other methods (bzip2, LZMA) are refused. The
sizes are checked up front, from the directory alone, against three limits:

- what all its files expand to together (``HSDS_IMPORT_MAX_EXPANDED_MB``, ``--max-expanded-mb``);
- how many files it holds (``HSDS_IMPORT_MAX_FILES``, ``--max-files``);
- how many times the archive, or any file in it over 1 MB, expands (``HSDS_IMPORT_MAX_RATIO``,
  ``--max-ratio``): HSDS JSON and CSV compress 5 to 30 times; a zip bomb, a thousand.

A file name that is absolute or climbs out with ``..`` is refused too: the import reads files in
memory and writes none, but such a name only comes from a hostile or broken archive.
"""

import dataclasses
import re
import zipfile
from pathlib import Path

from django.conf import settings

MB = 1_000_000
RATIO_FLOOR = MB  # a file this small cannot do harm whatever its ratio
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}

OUTSIDE = re.compile(r"^([/\\]|[A-Za-z]:)|(^|[/\\])\.\.([/\\]|$)")


class ArchiveRefused(ValueError):
    """The archive is over a limit, or names a file outside itself; the message says which and how to allow it."""


@dataclasses.dataclass(frozen=True)
class ArchiveLimits:
    expanded_mb: int
    files: int
    ratio: int

    @classmethod
    def from_settings(cls, *, expanded_mb: int | None = None, files: int | None = None, ratio: int | None = None):
        """The settings' limits, each replaced by the value given (a command's option)."""
        return cls(
            expanded_mb=settings.HSDS_IMPORT_MAX_EXPANDED_MB if expanded_mb is None else expanded_mb,
            files=settings.HSDS_IMPORT_MAX_FILES if files is None else files,
            ratio=settings.HSDS_IMPORT_MAX_RATIO if ratio is None else ratio,
        )


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def check_archive(path: Path, archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
    """Raise ArchiveRefused when ``archive`` (at ``path``) is over ``limits``; read nothing but its directory."""
    members = [member for member in archive.infolist() if not member.is_dir()]
    refused = f"{path.name}: refused:"
    for member in members:
        if OUTSIDE.search(member.filename):
            raise ArchiveRefused(
                f"{refused} the file name {member.filename!r} points outside the archive (an absolute path or '..')."
            )
    for member in members:
        if member.compress_type not in METHODS:
            raise ArchiveRefused(
                f"{refused} {member.filename} is compressed with a method other than deflate; "
                "make the zip again with the usual settings."
            )
    if len(members) > limits.files:
        raise ArchiveRefused(
            f"{refused} it holds {len(members):,} files, more than the limit of {limits.files:,} "
            "(allow more with --max-files or the setting HSDS_IMPORT_MAX_FILES)."
        )
    expanded = sum(member.file_size for member in members)
    if expanded > limits.expanded_mb * MB:
        raise ArchiveRefused(
            f"{refused} its files would expand to {megabytes(expanded)}, more than the limit of "
            f"{megabytes(limits.expanded_mb * MB)} (allow more with --max-expanded-mb or the setting "
            "HSDS_IMPORT_MAX_EXPANDED_MB)."
        )
    # The file that expands most of those large enough to matter, then the archive as a whole.
    large = [member for member in members if member.file_size > RATIO_FLOOR]
    worst = max(large, key=lambda member: member.file_size / max(member.compress_size, 1), default=None)
    expansions = [(worst.filename, worst.compress_size, worst.file_size)] if worst else []
    if expanded > RATIO_FLOOR:
        expansions.append(("its files", path.stat().st_size, expanded))
    for name, packed, size in expansions:
        ratio = size / max(packed, 1)
        if ratio > limits.ratio:
            raise ArchiveRefused(
                f"{refused} {name} would expand {ratio:,.0f} times ({megabytes(packed)} to {megabytes(size)}), "
                f"more than the limit of {limits.ratio:,} times, as a zip bomb does (allow more with --max-ratio "
                "or the setting HSDS_IMPORT_MAX_RATIO)."
            )


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """Expand the file ``name`` a megabyte at a time, never past the size the archive declares for it.

    (``ZipFile.read`` expands all of a file's compressed data at once, whatever size it declares.)
    """
    chunks = []
    with archive.open(name) as member:
        while chunk := member.read(MB):
            chunks.append(chunk)
    return b"".join(chunks)
