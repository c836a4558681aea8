"""The outcome figures: how referrals turned out, per service and organization, and what the network lacks.

The database does the counting (one aggregate query per table, however many referrals there are);
medians are taken in Python over one list of durations, since SQLite has no median function.

What the figures mean (the reports page and its CSV files say the same):

- received: referrals sent to the service or organization, whatever became of them;
- answered: accepted or declined by the provider (``first_response_at`` is set);
- acceptance rate: accepted (whatever happened next) / answered;
- time to first response: ``first_response_at - sent_at`` of answered referrals; its median;
- completion rate: completed / (completed + not completed); a closed referral counts by how it ended;
- average rating: of the participants' own ratings (1 to 5), with how many there are;
- decline reasons: how many declines gave each reason.

Unmet needs, per month, top-level category and ZIP code or county: searches that found nothing
(search.models.UnmetSearch) and referrals declined for no capacity or because the participant was
not eligible. A referral counts in the month it was sent, under its need's top-level category and
its participant's ZIP code.

The brief track record on service pages and search results (``track_record_for``) and the search
ranking's responsiveness bands (``responsiveness_bands``) read the last ``TRACK_RECORD_DAYS`` only:
how a provider answers now, not years ago.
"""

import datetime
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.models import TaxonomyTerm
from referrals.models import Feedback, Referral, ReferralEvent
from referrals.selectors import response_cutoff
from search.geography import place_for_zip
from search.models import UnmetSearch

S = Referral.Status
UNMET_DECLINES = (Referral.DeclineReason.NO_CAPACITY, Referral.DeclineReason.NOT_ELIGIBLE)
TRACK_RECORD_DAYS = 365
TRACK_RECORD_MINIMUM = 5  # fewer referrals than this say nothing about a provider

# Responsiveness bands for search ranking: lower ranks first.
QUICK, UNKNOWN, SLOW = 0, 1, 2


# ---- filters --------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Return the first day of each month from ``first`` to ``last``, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class Period:
    """Whole months in the network's time zone, from ``first_month`` to ``last_month`` included."""

    first_month: datetime.date
    last_month: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first_month, datetime.time()))

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.datetime.combine(add_months(self.last_month, 1), datetime.time()))

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.first_month, self.last_month)


def in_period(referrals: QuerySet[Referral], period: Period) -> QuerySet[Referral]:
    """Referrals sent during ``period``."""
    return referrals.filter(sent_at__gte=period.start, sent_at__lt=period.end)


def in_category(referrals: QuerySet[Referral], category: str) -> QuerySet[Referral]:
    """Referrals whose need is the top-level category ``category`` or one of its children."""
    if not category:
        return referrals
    return referrals.filter(Q(need__code=category) | Q(need__parent__code=category))


# ---- per service and per organization -------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """What a table of figures is per: the id, name (and owner's name) fields of its rows."""

    key: str
    name: str
    owner: str = ""


BY_SERVICE = Grouping("service_id", "service__name", "service__organization__name")
BY_PROVIDER = Grouping("receiving_organization_id", "receiving_organization__name")
BY_REFERRER = Grouping("referring_organization_id", "referring_organization__name")


@dataclass
class Figures:
    """How the referrals of one service or organization turned out."""

    key: object
    name: str
    owner: str = ""
    received: int = 0
    answered: int = 0
    accepted: int = 0
    declined: int = 0
    completed: int = 0
    not_completed: int = 0
    ratings: int = 0
    average_rating: float | None = None
    median_response: datetime.timedelta | None = None
    decline_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.answered if self.answered else None

    @property
    def completion_rate(self) -> float | None:
        finished = self.completed + self.not_completed
        return self.completed / finished if finished else None


def reached(status: str) -> Exists:
    """True for referrals that were ever in ``status`` (their history says so, even once closed)."""
    return Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), new_status=status))


def figures_by(referrals: QuerySet[Referral], grouping: Grouping) -> list[Figures]:
    """Return the figures of ``referrals`` per service or organization, most referrals first (two queries)."""
    names = [grouping.key, grouping.name, *([grouping.owner] if grouping.owner else [])]
    counts = {
        "received": Count("pk"),
        "answered": Count("pk", filter=Q(first_response_at__isnull=False)),
        # Accepted first, whatever happened next: answered, and not by a decline.
        "accepted": Count("pk", filter=Q(first_response_at__isnull=False, decline_reason="")),
        "declined": Count("pk", filter=~Q(decline_reason="")),
        "completed": Count("pk", filter=reached(S.COMPLETED)),
        "not_completed": Count("pk", filter=~Q(not_completed_reason="")),
        "ratings": Count("feedback__participant_rating"),
        "average_rating": Avg("feedback__participant_rating"),
        **{
            f"declined_{reason}": Count("pk", filter=Q(decline_reason=reason))
            for reason in Referral.DeclineReason.values
        },
    }
    rows = referrals.order_by().values(*names).annotate(**counts)
    medians = median_responses(referrals, grouping.key)
    figures = []
    for row in rows:
        figures.append(
            Figures(
                key=row[grouping.key],
                name=row[grouping.name],
                owner=row[grouping.owner] if grouping.owner else "",
                received=row["received"],
                answered=row["answered"],
                accepted=row["accepted"],
                declined=row["declined"],
                completed=row["completed"],
                not_completed=row["not_completed"],
                ratings=row["ratings"],
                average_rating=row["average_rating"],
                median_response=medians.get(row[grouping.key]),
                decline_reasons={reason: row[f"declined_{reason}"] for reason in Referral.DeclineReason.values},
            )
        )
    figures.sort(key=lambda item: (-item.received, item.name.casefold()))
    return figures


def median_responses(referrals: QuerySet[Referral], key: str) -> dict:
    """Return the median time to first response per ``key`` value, of answered referrals (a query)."""
    durations = defaultdict(list)
    answered = referrals.filter(first_response_at__isnull=False).order_by()
    for group, sent_at, first_response_at in answered.values_list(key, "sent_at", "first_response_at"):
        durations[group].append(first_response_at - sent_at)
    return {group: statistics.median(values) for group, values in durations.items()}


def decline_reasons(referrals: QuerySet[Referral]) -> list[tuple[str, str, int]]:
    """Return (reason, label, count) for every decline reason, in the order of the choices (a query)."""
    counts = dict(
        referrals.exclude(decline_reason="")
        .order_by()
        .values("decline_reason")
        .annotate(count=Count("pk"))
        .values_list("decline_reason", "count")
    )
    return [(reason, label, counts.get(reason, 0)) for reason, label in Referral.DeclineReason.choices]


def participant_barriers(referrals: QuerySet[Referral]) -> list[tuple[str, str, int]]:
    """Return (barrier, label, count) for every answer to the participant's "what got in the way?", in the
    order of the choices, over the feedback on ``referrals`` (a query). Counts only: nobody's answer is named.
    """
    counts = dict(
        Feedback.objects.filter(referral__in=referrals.values("pk"))
        .exclude(participant_barrier="")
        .order_by()
        .values("participant_barrier")
        .annotate(count=Count("pk"))
        .values_list("participant_barrier", "count")
    )
    return [(barrier, label, counts.get(barrier, 0)) for barrier, label in Feedback.Barrier.choices]


# ---- unmet needs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name: str


class Categories:
    """Every category term, each rolled up to its top-level category (a query)."""

    def __init__(self) -> None:
        terms = {term.pk: term for term in TaxonomyTerm.objects.categories()}
        self.by_code = {term.code: term for term in terms.values()}
        self.top_of: dict[str, TaxonomyTerm] = {}
        for term in terms.values():
            top = term
            while top.parent_id is not None and top.parent_id in terms:
                top = terms[top.parent_id]
            self.top_of[term.code] = top
        self.top_level = sorted(
            {term.code: term for term in self.top_of.values()}.values(), key=lambda term: term.localized_name.casefold()
        )

    def top(self, code: str) -> Category:
        term = self.top_of.get(code)
        if term is None:
            return Category("", code or _("Any category"))
        return Category(term.code, term.localized_name)

    def name(self, code: str) -> str:
        """Return the term's own name (its code when it is no longer a category)."""
        term = self.by_code.get(code)
        return term.localized_name if term is not None else code

    def codes_under(self, code: str) -> list[str]:
        """Return ``code`` and the codes of every term below it."""
        return [term_code for term_code, top in self.top_of.items() if top.code == code]


@dataclass
class UnmetNeed:
    """What the network lacked in one month, one category and one place."""

    month: datetime.date
    category: Category
    area: str  # a ZIP code or a county; empty when the search gave no place
    searches: int = 0
    no_capacity: int = 0
    not_eligible: int = 0

    @property
    def total(self) -> int:
        return self.searches + self.no_capacity + self.not_eligible


def county_of(zip_code: str) -> str:
    place = place_for_zip(zip_code) if zip_code else None
    return place.county if place is not None else ""


def unmet_needs(
    referrals: QuerySet[Referral],
    searches: QuerySet[UnmetSearch],
    *,
    period: Period,
    categories: Categories,
    category: str = "",
    by_county: bool = False,
) -> list[UnmetNeed]:
    """Return the unmet needs per month, top-level category and ZIP code (or county), newest month first.

    Two queries: the declined referrals and the searches that found nothing, each counted per group.
    """
    declined = in_category(in_period(referrals, period), category).filter(decline_reason__in=UNMET_DECLINES)
    declined_rows = (
        declined.order_by()
        .annotate(month=TruncMonth("sent_at"), category_code=Coalesce("need__parent__code", "need__code"))
        .values("month", "category_code", "participant__zip_code", "decline_reason")
        .annotate(count=Count("pk"))
    )
    searches = searches.filter(created_at__gte=period.start, created_at__lt=period.end)
    if category:
        searches = searches.filter(category__in=categories.codes_under(category))
    search_rows = (
        searches.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "category", "zip_code", "county")
        .annotate(count=Count("pk"))
    )
    needs: dict[tuple, UnmetNeed] = {}

    def need(month, code: str, zip_code: str, county: str) -> UnmetNeed:
        month = timezone.localtime(month).date() if isinstance(month, datetime.datetime) else month
        top = categories.top(code)
        area = (county or county_of(zip_code)) if by_county else zip_code
        key = (month, top.code or code, area)
        if key not in needs:
            needs[key] = UnmetNeed(month=month, category=top, area=area)
        return needs[key]

    for row in declined_rows:
        entry = need(row["month"], row["category_code"], row["participant__zip_code"], "")
        if row["decline_reason"] == Referral.DeclineReason.NO_CAPACITY:
            entry.no_capacity += row["count"]
        else:
            entry.not_eligible += row["count"]
    for row in search_rows:
        need(row["month"], row["category"], row["zip_code"], row["county"]).searches += row["count"]
    return sorted(
        needs.values(),
        key=lambda item: (-item.month.toordinal(), -item.total, item.category.name.casefold(), item.area),
    )


def unmet_by_month(needs: Iterable[UnmetNeed], period: Period) -> list[UnmetNeed]:
    """Add up the unmet needs of each month of ``period``, oldest first, months with none included."""
    months = {month: UnmetNeed(month=month, category=Category("", ""), area="") for month in period.months}
    for need in needs:
        month = months.get(need.month)
        if month is not None:
            month.searches += need.searches
            month.no_capacity += need.no_capacity
            month.not_eligible += need.not_eligible
    return list(months.values())


class UnmetSearchRow(NamedTuple):
    words: str
    category: str
    zip_code: str
    county: str
    count: int


def unmet_searches(
    searches: QuerySet[UnmetSearch], *, period: Period, categories: Categories, category: str = ""
) -> list[UnmetSearchRow]:
    """Return what the searches that found nothing looked for and where, the most repeated first (a query)."""
    searches = searches.filter(created_at__gte=period.start, created_at__lt=period.end)
    if category:
        searches = searches.filter(category__in=categories.codes_under(category))
    rows = (
        searches.order_by()
        .values_list("query", "category", "zip_code", "county")
        .annotate(count=Count("pk"))
        .order_by("-count", "query", "category", "zip_code")
    )
    return [
        UnmetSearchRow(words, categories.name(code), zip_code, county, count)
        for words, code, zip_code, county, count in rows
    ]


# ---- track record and responsiveness --------------------------------------------------------------


@dataclass(frozen=True)
class TrackRecord:
    """How a service has answered and followed through lately."""

    referrals: int
    median_response: datetime.timedelta | None  # of answered referrals
    completion_rate: float | None
    # Seconds, over answered referrals and those still unanswered past the deadline (which count as
    # slower than any answer, so that a provider who never answers is slow, not unknown); None: neither.
    median_wait: float | None = None

    def __str__(self) -> str:
        """Say it in brief: "usually answers in 2 days · 85% completed" (what is unknown is left out)."""
        parts = []
        if self.median_response is not None:
            days = round(self.median_response / datetime.timedelta(days=1))
            if days < 1:
                parts.append(_("usually answers within a day"))
            else:
                parts.append(
                    ngettext("usually answers in %(days)s day", "usually answers in %(days)s days", days)
                    % {"days": days}
                )
        if self.completion_rate is not None:
            parts.append(_("%(percent)s%% completed") % {"percent": round(self.completion_rate * 100)})
        return " · ".join(parts)

    @property
    def band(self) -> int:
        """QUICK when the median wait is within REFERRAL_RESPONSE_DAYS days, SLOW beyond; UNKNOWN with too few.

        Calendar days: a little stricter than the business days of the overdue rule, and simple to explain.
        """
        if self.referrals < TRACK_RECORD_MINIMUM or self.median_wait is None:
            return UNKNOWN
        return QUICK if self.median_wait <= settings.REFERRAL_RESPONSE_DAYS * 86400 else SLOW


def track_records(referrals: QuerySet[Referral]) -> dict:
    """Return a TrackRecord per service of ``referrals`` sent in the last TRACK_RECORD_DAYS (one query)."""
    now = timezone.now()
    cutoff = response_cutoff(now)
    rows = (
        referrals.filter(sent_at__gte=now - datetime.timedelta(days=TRACK_RECORD_DAYS))
        .order_by()
        .annotate(completed=reached(S.COMPLETED))
        .values_list("service_id", "status", "sent_at", "first_response_at", "not_completed_reason", "completed")
    )
    by_service = defaultdict(list)
    for service_id, *row in rows:
        by_service[service_id].append(row)
    records = {}
    for service_id, service_rows in by_service.items():
        answers, waits, completed, not_completed = [], [], 0, 0
        for status, sent_at, first_response_at, not_completed_reason, was_completed in service_rows:
            if first_response_at is not None:
                answers.append(first_response_at - sent_at)
                waits.append((first_response_at - sent_at).total_seconds())
            elif status in (S.SENT, S.RECEIVED) and sent_at < cutoff:
                waits.append(math.inf)
            completed += was_completed
            not_completed += bool(not_completed_reason)
        finished = completed + not_completed
        records[service_id] = TrackRecord(
            referrals=len(service_rows),
            median_response=statistics.median(answers) if answers else None,
            completion_rate=completed / finished if finished else None,
            median_wait=statistics.median(waits) if waits else None,
        )
    return records


def track_record_for(service_ids: Iterable) -> dict:
    """Return {service id: TrackRecord} for the services with at least TRACK_RECORD_MINIMUM recent referrals.

    One query for any number of services: a whole page of search results at once. This is what
    settings.SERVICE_TRACK_RECORD names, so that providers and search need not import referrals.
    """
    records = track_records(Referral.objects.filter(service_id__in=list(service_ids)))
    return {
        service_id: record
        for service_id, record in records.items()
        if record.referrals >= TRACK_RECORD_MINIMUM and str(record)
    }


def responsiveness_bands() -> dict:
    """Return {service id: band} (QUICK or SLOW) for every service with enough recent referrals (one query).

    Services left out are UNKNOWN. This is what settings.SEARCH_RESPONSIVENESS names; search caches it.
    """
    return {
        service_id: record.band
        for service_id, record in track_records(Referral.objects.all()).items()
        if record.band != UNKNOWN
    }
