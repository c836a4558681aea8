"""CSV files for people: no cell a spreadsheet would run as a formula (CSV injection).

Excel, LibreOffice and Google Sheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one, or the full-width forms some of them accept) as a formula, which
can fetch addresses (``=HYPERLINK``, ``=WEBSERVICE``) with the reader's data. The product writes words
that anyone may type, anonymous search words among them, so every CSV written for people goes
through ``writer``: such text gets a leading apostrophe, the spreadsheets' own "this is text" mark
(OWASP's advice), and every cell is quoted, so that a spreadsheet that splits at ``;`` cannot start a
new cell inside one. Numbers that are not text (int, float, Decimal) are written as they are.

The HSDS data package (providers/hsds/exporter.py) is data for other systems, not a download for
people, and is written exactly; providers/hsds/README.md says why.
"""

import csv

# A formula's first character (with the full-width = + - @), and the spaces spreadsheets skip before it.
TRIGGERS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
SKIPPED = " "


def neutralise(value):
    """Return ``value`` as it should be written: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.lstrip(SKIPPED)[:1] in TRIGGERS:
        return "'" + value
    return value


class Writer:
    """``csv.writer`` with every cell neutralised and quoted; it writes rows as ``csv.writer`` does."""

    def __init__(self, file, **options) -> None:
        self._writer = csv.writer(file, quoting=csv.QUOTE_ALL, **options)

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def writer(file, **options) -> Writer:
    """A CSV writer for a file people will open in a spreadsheet."""
    return Writer(file, **options)
