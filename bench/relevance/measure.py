"""The judged query set, run through the product's search, and the figures the runner and the floor test report.

Read once per run: ``load_queries`` reads queries.json (README.md beside it says how it was judged).
``run_queries`` asks search.query.search for the first page of each query, as the search page would, in
whatever backend settings.SEARCH_BACKEND names, over whatever network the database holds (the demo
network). ``summarise`` turns what each query found into the figures per class of query:

- nDCG@10: the discounted cumulative gain of the first ten results, gain 2^grade - 1 (a grade 3 counts
  more than two grade 2s), divided by that of the ideal order of every service judged for the query;
- P@5: the share of the first five results that are relevant (grade 2 or 3), out of the most that could
  be (five, or fewer when fewer services are relevant), so that 1.0 is always reachable;
- first relevant: the share of queries whose first result is relevant (grade 2 or 3);
- zero results: the queries of a need the network covers that found nothing at all;
- recorded unmet: the queries of a need the network covers that the search recorded as an unmet need
  (nothing relevant found: search.query.SearchResults.unmet), which it should not.

Needs the network does not cover (class ``uncovered``) are kept out of these: for them the honest answer
is nothing relevant, so they are counted apart (how many the search recorded as an unmet need, as it
should; how many put a service judged unrelated first).
"""

import dataclasses
import json
import math
from pathlib import Path

QUERIES_PATH = Path(__file__).resolve().parent / "queries.json"
CLASSES = ("keyword", "sentence", "spanish", "misspelling", "exact-name", "profile", "uncovered")
UNCOVERED = "uncovered"
RELEVANT = 2  # the least grade that counts as relevant (P@5, first relevant)
DEPTH = 10  # nDCG@10, and the results read of each query
PRECISION_DEPTH = 5


@dataclasses.dataclass(frozen=True)
class Query:
    id: str
    klass: str  # "class" in the file
    text: str
    grades: dict[str, int]  # service id: grade 1-3; a service not judged is not relevant (0)
    names: dict[str, str]  # service id: "organization / service", as the judge read it
    profile: dict = dataclasses.field(default_factory=dict)  # search.eligibility.Participant's fields

    @property
    def covered(self) -> bool:
        """Whether the network has a relevant service for this need (every class but ``uncovered`` should)."""
        return any(grade >= RELEVANT for grade in self.grades.values())


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one query found: the first DEPTH service ids in order, how many results it had in all, and
    whether the search recorded it as an unmet need."""

    query: Query
    found: list[str]
    count: int
    unmet: bool

    def grade(self, position: int) -> int:
        return self.query.grades.get(self.found[position], 0)

    @property
    def ndcg(self) -> float:
        ideal = _dcg(sorted(self.query.grades.values(), reverse=True))
        return _dcg([self.query.grades.get(service, 0) for service in self.found]) / ideal if ideal else 0.0

    @property
    def precision(self) -> float:
        reachable = min(PRECISION_DEPTH, sum(grade >= RELEVANT for grade in self.query.grades.values()))
        if not reachable:
            return 0.0
        relevant = sum(self.grade(position) >= RELEVANT for position in range(min(PRECISION_DEPTH, len(self.found))))
        return relevant / reachable

    @property
    def first_relevant(self) -> bool:
        return bool(self.found) and self.grade(0) >= RELEVANT


def _dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(position + 2) for position, grade in enumerate(grades[:DEPTH]))


def load_queries(path: Path = QUERIES_PATH) -> list[Query]:
    """Read the judged queries; a service judged twice for a query, or an unknown class, is an error."""
    queries = []
    for entry in json.loads(Path(path).read_text(encoding="utf-8"))["queries"]:
        if entry["class"] not in CLASSES:
            raise ValueError(f"{entry['id']}: unknown class {entry['class']!r}")
        grades, names = {}, {}
        for judgement in entry["judgements"]:
            if judgement["service"] in grades:
                raise ValueError(f"{entry['id']}: {judgement['name']} is judged twice")
            if judgement["grade"] not in (1, 2, 3):
                raise ValueError(f"{entry['id']}: {judgement['name']} has grade {judgement['grade']}, not 1-3")
            grades[judgement["service"]] = judgement["grade"]
            names[judgement["service"]] = judgement["name"]
        queries.append(Query(entry["id"], entry["class"], entry["text"], grades, names, entry.get("profile", {})))
    return queries


def stale_judgements(queries: list[Query], listed: dict[str, str]) -> list[str]:
    """Return the judgements that no longer fit the network's listed services ({id: "organization / service"}):
    a judged service that is not listed, or is listed under another name (the network file changed)."""
    problems = []
    for query in queries:
        for service, name in query.names.items():
            held = listed.get(service)
            if held != name:
                problems.append(f"{query.id}: {name} ({service}) is {held or 'not listed'}")
    return problems


def run_queries(queries: list[Query]) -> list[Outcome]:
    """Search for each query as the search page would (first page, in the configured backend); costs queries.

    Ranking reads each service's responsiveness from the history of referrals, which a process keeps for
    minutes: read afresh, so that the figures are those of the network the database holds now.
    """
    from search.backends.base import SearchRequest
    from search.eligibility import Participant
    from search.query import forget_responsiveness, search

    forget_responsiveness()
    outcomes = []
    for query in queries:
        participant = Participant(
            **{name: frozenset(value) if isinstance(value, list) else value for name, value in query.profile.items()}
        )
        request = SearchRequest(text=query.text, participant=participant, page_size=DEPTH)
        results = search(request, log_unmet=False, details=False)
        found = [str(result.service_id) for result in results.results]
        outcomes.append(Outcome(query, found, results.count, results.unmet))
    return outcomes


@dataclasses.dataclass(frozen=True)
class Figures:
    """The figures of a set of queries (a class, or every covered query)."""

    name: str
    queries: int
    ndcg: float
    precision: float
    first_relevant: float
    zero_results: list[str]  # the texts of the queries that found nothing
    unmet: list[str]  # the texts of the queries recorded as an unmet need


@dataclasses.dataclass(frozen=True)
class Uncovered:
    """Needs the network does not cover: the share recorded as an unmet need (as it should be), and the
    share that put a service judged unrelated (grade 0) first."""

    queries: int
    recorded_unmet: float
    unrelated_first: float


def figures(name: str, outcomes: list[Outcome]) -> Figures:
    count = len(outcomes)
    return Figures(
        name=name,
        queries=count,
        ndcg=sum(outcome.ndcg for outcome in outcomes) / count,
        precision=sum(outcome.precision for outcome in outcomes) / count,
        first_relevant=sum(outcome.first_relevant for outcome in outcomes) / count,
        zero_results=[outcome.query.text for outcome in outcomes if outcome.count == 0],
        unmet=[outcome.query.text for outcome in outcomes if outcome.unmet],
    )


def summarise(outcomes: list[Outcome]) -> tuple[dict[str, Figures], Uncovered | None]:
    """Return the figures per class and "overall" (every class but ``uncovered``), and the uncovered needs'."""
    covered = [outcome for outcome in outcomes if outcome.query.klass != UNCOVERED]
    by_class = {}
    for klass in CLASSES:
        members = [outcome for outcome in covered if outcome.query.klass == klass]
        if members:
            by_class[klass] = figures(klass, members)
    if covered:
        by_class["overall"] = figures("overall", covered)
    uncovered = [outcome for outcome in outcomes if outcome.query.klass == UNCOVERED]
    if not uncovered:
        return by_class, None
    return by_class, Uncovered(
        queries=len(uncovered),
        recorded_unmet=sum(outcome.unmet for outcome in uncovered) / len(uncovered),
        unrelated_first=sum(bool(outcome.found) and outcome.grade(0) == 0 for outcome in uncovered) / len(uncovered),
    )


def table(by_class: dict[str, Figures], uncovered: Uncovered | None) -> str:
    """The figures as a Markdown table, then the uncovered needs' line and the zero-result queries by name."""
    lines = [
        "| queries of | count | nDCG@10 | P@5 | first relevant | zero results | recorded unmet |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for figures in by_class.values():
        lines.append(
            f"| {figures.name} | {figures.queries} | {figures.ndcg:.3f} | {figures.precision:.3f} "
            f"| {figures.first_relevant:.3f} | {len(figures.zero_results)} | {len(figures.unmet)} |"
        )
    if uncovered is not None:
        lines += [
            "",
            f"Needs the network does not cover ({uncovered.queries} queries): {uncovered.recorded_unmet:.0%} "
            f"recorded as an unmet need; {uncovered.unrelated_first:.0%} put an unrelated service first.",
        ]
    overall = by_class.get("overall")
    if overall is not None:
        named = ", ".join(f'"{text}"' for text in overall.zero_results) or "none"
        unmet = ", ".join(f'"{text}"' for text in overall.unmet) or "none"
        lines += ["", f"Covered needs with no result: {named}.", "", f"Covered needs recorded as unmet: {unmet}."]
    return "\n".join(lines)
