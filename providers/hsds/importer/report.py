"""What an import did and every problem it found, as a data steward acts on them.

A steward fixes the source, so a problem names what the source names: the file and its line (CSV) or
the record's JSON pointer (JSON), the record's id as the source writes it, the field and its value.
Ids the importer derives for sources whose ids are not UUIDs are never shown: ``ImportReport.use_source_ids``
puts the source's id back wherever one appears in a problem's text.

Problems alike are told once: ``group_problems`` puts together those of one kind and field whose
reasons differ only in what varies from record to record (a quoted value, a number, an id), with their
count and a few examples. ``ImportReport.write_csv`` writes every problem, one row each.
"""

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from directory import csvsafe

# ``Problem.where``: "services.csv line 12", "service_full.json /service_at_locations/0/location",
# "tabular.json /phones.csv/3", or a file alone.
AT_LINE = re.compile(r"^(?P<file>.+) line (?P<line>\d+)$")
AT_POINTER = re.compile(r"^(?P<file>.+?\.json) (?P<pointer>/.*)$", re.IGNORECASE)
UUID_TEXT = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
# What varies from one record to the next in a reason: a quoted value, an id, a number.
VARYING = re.compile(
    r"(?<!\w)'[^'\n]*'(?!\w)|(?<!\w)\"[^\"\n]*\"(?!\w)"
    "|\u201c[^\u201d\n]*\u201d|\u2018[^\u2019\n]*\u2019|"  # curly double and single quotes
    + UUID_TEXT.pattern
    + r"|\d+(?:[.,:]\d+)*",
    re.IGNORECASE,
)
SHOWN_VALUE = 80  # characters of a value shown in a problem's line; the report file has it whole
EXAMPLES = 3  # problems shown for a group
# The columns of the report file (``write_csv``).
COLUMNS = ("severity", "file", "line", "json_pointer", "kind", "source_id", "field", "value", "reason", "detail")
# A source record counts once, as the strongest of what became of its parts (opening hours on two
# days are two records of the directory): a skip wins over the rest.
OUTCOMES = ("unchanged", "updated", "created", "skipped")


# ---- problems and counts ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Problem:
    where: str  # "services.csv line 12", "service_full.json /service_at_locations/0/location"
    kind: str
    record: str  # the id as the source gives it; "" when it has none
    field: str  # "" for the record as a whole
    reason: str
    detail: str = ""  # specifics left out of the grouped warning counts
    value: str = ""  # the field's value as the source gives it, where known

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return one_line(f"{self.where}: {self.subject}: {field}{self.reason}{self.notes}")

    @property
    def subject(self) -> str:
        """The record: "service 135831", "service (no id)"; the kind alone for a file or table."""
        return f"{self.kind} {self.record}" if self.record else self.kind

    @property
    def notes(self) -> str:
        """(value '12'; detail)": the value unless the reason or detail already says it, and the detail."""
        notes = []
        if self.value and self.value not in self.reason and self.value not in self.detail:
            notes.append(f"value {shorten(self.value)!r}")
        if self.detail:
            notes.append(self.detail)
        return f" ({'; '.join(notes)})" if notes else ""

    @property
    def example(self) -> str:
        """The problem as an example of its group, which already says the kind, field and reason."""
        return one_line(f"{self.where}: {self.subject}{self.notes}")

    @property
    def file(self) -> str:
        match = AT_LINE.match(self.where) or AT_POINTER.match(self.where)
        return match["file"] if match else self.where

    @property
    def line(self) -> int | None:
        match = AT_LINE.match(self.where)
        return int(match["line"]) if match else None

    @property
    def pointer(self) -> str:
        match = AT_POINTER.match(self.where)
        return match["pointer"] if match else ""

    @property
    def not_kept(self) -> bool:
        """Whether it names a field, table or file the directory does not keep, for all the records that have it."""
        return not self.record and self.reason.startswith(("Not kept", "Not read"))


def one_line(text: str) -> str:
    return " ".join(text.split())


def shorten(value: str) -> str:
    return value if len(value) <= SHOWN_VALUE else f"{value[:SHOWN_VALUE]}…"


@dataclasses.dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return f"created {self.created} / updated {self.updated} / unchanged {self.unchanged} / skipped {self.skipped}"

    def __iadd__(self, other: "Tally") -> "Tally":
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclasses.dataclass
class ImportReport:
    errors: list[Problem] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    tallies: dict[str, Tally] = dataclasses.field(default_factory=dict)  # kind -> what became of its source records
    in_source: Counter = dataclasses.field(default_factory=Counter)  # kind -> records the source holds
    made: Counter = dataclasses.field(default_factory=Counter)  # kind -> records the import made, not in the source
    skips: dict[str, list[Problem]] = dataclasses.field(default_factory=lambda: defaultdict(list))  # kind -> why
    geocoded: int = 0
    rolled_back: bool = False
    service_ids: set = dataclasses.field(default_factory=set)  # services whose listing changed
    reindexed: int | None = None  # None: the search index upkeep is off, nothing was written to it

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.tallies.values():
            total += tally
        return total

    def problems(self) -> Iterator[tuple[str, Problem]]:
        """Every problem with its severity: the errors, then the warnings, each in the order found."""
        for problem in self.errors:
            yield "error", problem
        for problem in self.warnings:
            yield "warning", problem

    def use_source_ids(self, source_ids: dict[str, str]) -> None:
        """Name records by the source's ids: every derived id (``source_ids``: as text -> the source's id) replaced."""
        if not source_ids:
            return

        def named(text: str) -> str:
            return UUID_TEXT.sub(lambda match: source_ids.get(match[0].lower(), match[0]), text) if text else text

        def rename(problem: Problem) -> Problem:
            return dataclasses.replace(
                problem, reason=named(problem.reason), detail=named(problem.detail), value=named(problem.value)
            )

        self.errors = [rename(problem) for problem in self.errors]
        self.warnings = [rename(problem) for problem in self.warnings]
        for kind, problems in self.skips.items():
            self.skips[kind] = [rename(problem) for problem in problems]

    def write_csv(self, path: Path | str) -> int:
        """Write every problem to ``path`` as CSV, a row each; return how many.

        For people, in a spreadsheet: UTF-8 with a byte order mark (without one, Excel reads UTF-8 as the
        computer's legacy code page and every accented letter comes out wrong), and no cell a spreadsheet
        would run as a formula: ``spreadsheet_text``.
        """
        count = 0
        with open(path, "w", encoding="utf-8-sig", newline="") as file:
            writer = csvsafe.writer(file)
            writer.writerow(COLUMNS)
            for severity, problem in self.problems():
                cells = (
                    severity,
                    problem.file,
                    "" if problem.line is None else str(problem.line),
                    problem.pointer,
                    problem.kind,
                    problem.record,
                    problem.field,
                    problem.value,
                    problem.reason,
                    problem.detail,
                )
                writer.writerow([spreadsheet_text(cell) for cell in cells])
                count += 1
        return count


def spreadsheet_text(value: str) -> str:
    """The cell for ``value``, marked as text for a spreadsheet where it must be, so that it shows ``value`` exactly.

    csvsafe puts an apostrophe, the spreadsheets' "this is text" mark, before a value that would start a
    formula (``=``, ``+``, ``-``, ``@`` ...); spreadsheets show the value without it. A value that itself begins
    with an apostrophe before such a character would lose it the same way, so it gets one more here. A program
    reads a cell back exactly by removing one leading apostrophe where the rest would need the mark.
    """
    if value.startswith("'") and needs_mark(value[1:]):
        return "'" + value  # csvsafe leaves it: it does not begin with a formula character
    return value


def needs_mark(value: str) -> bool:
    return value.lstrip(csvsafe.SKIPPED)[:1] in csvsafe.TRIGGERS or (value.startswith("'") and needs_mark(value[1:]))


# ---- grouping ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Group:
    """Problems of one kind and field whose reasons differ only in values, ids and numbers."""

    kind: str
    field: str
    parts: list[str]  # the reason split at what varies: text, varying, text ... (text at even places)
    same: list[bool]  # for each varying part, whether every problem of the group has the same one
    count: int = 0
    examples: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def reason(self) -> str:
        """The reason with what differs from problem to problem as "…"."""
        return "".join(
            part if number % 2 == 0 or self.same[number // 2] else "…" for number, part in enumerate(self.parts)
        )

    @property
    def subject(self) -> str:
        return f"{self.kind}.{self.field}" if self.field else self.kind


def group_problems(problems: Iterable[Problem], examples: int = EXAMPLES) -> list[Group]:
    """Group alike problems, largest group first (then in the order found), each with its first ``examples``."""
    groups: dict[tuple, Group] = {}
    for problem in problems:
        parts = VARYING.split(problem.reason)
        varying = VARYING.findall(problem.reason)
        pieces = [piece for pair in zip(parts, [*varying, ""], strict=True) for piece in pair][:-1]
        key = (problem.kind, problem.field, tuple(parts))
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(problem.kind, problem.field, pieces, [True] * len(varying))
        else:
            group.same = [
                same and group.parts[2 * number + 1] == value
                for number, (same, value) in enumerate(zip(group.same, varying, strict=True))
            ]
        group.count += 1
        if len(group.examples) < examples:
            group.examples.append(problem)
    return sorted(groups.values(), key=lambda group: -group.count)


def group_skips(problems: Iterable[Problem]) -> list[tuple[str, int]]:
    """Why records were skipped: (field: reason, how many), most first."""
    return [
        (f"{group.field}: {group.reason}" if group.field else group.reason, group.count)
        for group in group_problems(problems, examples=0)
    ]
