"""What an import did and every problem it found."""

import dataclasses

# ---- problems and counts ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Problem:
    where: str  # "services.csv line 12", "service_full.json /service_at_locations/0/location"
    kind: str
    record: str  # the id as the source gives it; "" when it has none
    field: str  # "" for the record as a whole
    reason: str
    detail: str = ""  # specifics left out of the grouped warning counts

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        detail = f" ({self.detail})" if self.detail else ""
        record = f" {self.record}" if self.record else ""
        return f"{self.where}: {self.kind}{record}: {field}{self.reason}{detail}"


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


@dataclasses.dataclass
class ImportReport:
    errors: list[Problem] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    tallies: dict[str, Tally] = dataclasses.field(default_factory=dict)
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
