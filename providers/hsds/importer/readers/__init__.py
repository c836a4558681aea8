"""A reader per format: each turns its files into the rows of a ``Batch`` (records.py).

``READERS`` names them as ``--format`` does; ``readers/detect.py`` tells which one a folder, zip or
file is written in (``--format auto``).
"""

import dataclasses
from collections.abc import Callable

from providers.hsds.importer.files import Files
from providers.hsds.importer.readers.hsds3 import read_hsds3
from providers.hsds.importer.readers.hsds11 import read_hsds11
from providers.hsds.importer.readers.hsds20 import read_hsds20
from providers.hsds.importer.readers.ohana import read_ohana
from providers.hsds.importer.readers.oruk import read_oruk
from providers.hsds.importer.records import Batch


@dataclasses.dataclass(frozen=True)
class Reader:
    label: str  # the format as a person names it
    read: Callable[[Files, Batch], None]
    # Formats whose ids are not UUIDs: their records get derived ids without a warning for each.
    legacy: bool


READERS = {
    "hsds-3.0": Reader("HSDS 3.0/3.1 (JSON, or a CSV data package)", read_hsds3, legacy=False),
    "hsds-2.0": Reader("HSDS 2.0 CSV", read_hsds20, legacy=True),
    "hsds-1.1": Reader("HSDS 1.1 CSV", read_hsds11, legacy=True),
    "oruk-1": Reader("Open Referral UK v1 JSON", read_oruk, legacy=True),
    "ohana": Reader("Ohana API CSV", read_ohana, legacy=True),
}
