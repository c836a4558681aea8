"""The reports page /reports/ and its CSV files: the outcome figures as charts and tables.

Network admins see the whole network. Staff of an organization see their own organization's
figures: as a provider (the referrals it received) and as a referrer (the referrals it sent); the
decline reasons and unmet needs count only referrals they may see. Searches that found nothing
hold no personal data (see search.models.UnmetSearch), so everyone with access sees them all.

Charts are SVG drawn here, on the server: no JavaScript and, as the CSP asks, no inline styles
(colours are SVG attributes). Each chart has its table under it, and each table is a CSV file
(/reports/<table>.csv) with the same filters. The page costs a fixed number of queries.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from directory import csvsafe
from directory.access import is_network_admin
from directory.dates import YEARS, within_years
from providers.models import Organization
from referrals import outcomes
from referrals.models import Referral
from referrals.selectors import organization_ids_of
from search.models import UnmetSearch

DEFAULT_MONTHS = 6
MAX_MONTHS = 60
CHART_ROWS = 12  # bars in a chart; its table lists every row
MONTH_FORMAT = "%Y-%m"

# Colours of the charts' bars (SVG fill attributes), at least 3:1 against the white page.
RECEIVED_FILL = "#6a93c0"
COMPLETED_FILL = "#0b4f8a"
DECLINED_FILL = "#b45309"
BARRIERS_FILL = "#8a4b08"
SEARCHES_FILL = "#6b4fa3"
NO_CAPACITY_FILL = "#c2410c"
NOT_ELIGIBLE_FILL = "#0b4f8a"


# ---- who sees what --------------------------------------------------------------------------------


@dataclass
class Scope:
    """The referrals a person's reports count: received (provider side), sent (referrer side), all they see."""

    is_admin: bool
    organizations: list[Organization]
    received: QuerySet[Referral]
    sent: QuerySet[Referral]
    visible: QuerySet[Referral]


def scope_for(user) -> Scope:
    """Return what ``user`` may see in the reports; PermissionDenied for people outside the network (queries)."""
    if is_network_admin(user):
        everything = Referral.objects.all()
        return Scope(is_admin=True, organizations=[], received=everything, sent=everything, visible=everything)
    organization_ids = organization_ids_of(user)
    if not organization_ids:
        raise PermissionDenied(_("The reports are for staff of the network's organizations."))
    received = Referral.objects.filter(receiving_organization__in=organization_ids)
    sent = Referral.objects.filter(referring_organization__in=organization_ids)
    return Scope(
        is_admin=False,
        organizations=list(Organization.objects.filter(pk__in=organization_ids).order_by("name")),
        received=received,
        sent=sent,
        visible=received | sent,
    )


# ---- filters --------------------------------------------------------------------------------------


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (what <input type="month"> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": "[0-9]{4}-[0-9]{2}", "placeholder": "YYYY-MM"})

    def to_python(self, value) -> datetime.date | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, MONTH_FORMAT).date()
        except ValueError:
            raise forms.ValidationError(_("Give a month as year and month, for example 2026-03.")) from None

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        within_years(value)  # 9999-12 would end in the year 10000


class ReportFilterForm(forms.Form):
    first_month = MonthField(label=gettext_lazy("From"))
    last_month = MonthField(label=gettext_lazy("To"))
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    area = forms.ChoiceField(
        label=gettext_lazy("Unmet needs by"),
        required=False,
        choices=[("zip", gettext_lazy("ZIP code")), ("county", gettext_lazy("County"))],
    )

    def __init__(self, query: QueryDict, *, categories: outcomes.Categories) -> None:
        # The month boxes show the months the page shows, also when the request names none.
        data = query.copy()
        if not data.get("last_month"):
            data["last_month"] = timezone.localdate().strftime(MONTH_FORMAT)
        if not data.get("first_month"):
            try:
                last = datetime.datetime.strptime(data["last_month"], MONTH_FORMAT).date()
                within_years(last)
            except (ValueError, ValidationError):
                last = timezone.localdate()  # the error is the last month's to report
            first = max(outcomes.add_months(last.replace(day=1), 1 - DEFAULT_MONTHS), datetime.date(YEARS[0], 1, 1))
            data["first_month"] = first.strftime(MONTH_FORMAT)
        super().__init__(data)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (term.code, term.localized_name) for term in categories.top_level
        ]

    def clean(self) -> dict:
        data = super().clean()
        if "first_month" in self.errors or "last_month" in self.errors:
            return data
        first, last = data["first_month"], data["last_month"]
        if first > last:
            raise forms.ValidationError(_("The first month comes after the last one."))
        if len(outcomes.months_between(first, last)) > MAX_MONTHS:
            raise forms.ValidationError(_("Choose at most %(months)s months at a time.") % {"months": MAX_MONTHS})
        data["period"] = outcomes.Period(first, last)
        return data


# ---- values as the page and the CSV show them -----------------------------------------------------


@dataclass(frozen=True)
class Percent:
    value: float | None

    def __str__(self) -> str:
        return "–" if self.value is None else f"{round(self.value * 100)}%"

    def csv(self) -> str:
        return "" if self.value is None else f"{self.value * 100:.1f}"


@dataclass(frozen=True)
class Days:
    value: datetime.timedelta | None

    def __str__(self) -> str:
        if self.value is None:
            return "–"
        hours = self.value / datetime.timedelta(hours=1)
        if hours < 24:
            rounded = max(1, round(hours))
            return ngettext("%(hours)s hour", "%(hours)s hours", rounded) % {"hours": rounded}
        days = round(hours / 24, 1)
        # ngettext counts whole things: a tenth of a day more or less is "days".
        return ngettext("%(days)s day", "%(days)s days", 1 if days == 1 else 2) % {
            "days": formats.number_format(days, decimal_pos=1)
        }

    def csv(self) -> str:
        return "" if self.value is None else f"{self.value / datetime.timedelta(days=1):.2f}"


@dataclass(frozen=True)
class Rating:
    value: float | None

    def __str__(self) -> str:
        return "–" if self.value is None else formats.number_format(self.value, decimal_pos=1)

    def csv(self) -> str:
        return "" if self.value is None else f"{self.value:.2f}"


@dataclass(frozen=True)
class Month:
    value: datetime.date

    def __str__(self) -> str:
        return formats.date_format(self.value, "YEAR_MONTH_FORMAT")

    def csv(self) -> str:
        return self.value.strftime(MONTH_FORMAT)


@dataclass(frozen=True)
class Column:
    """A column's title, and the unit its CSV header names (where values are bare numbers)."""

    title: str
    unit: str = ""

    def __str__(self) -> str:
        return self.title

    def csv(self) -> str:
        return f"{self.title} ({self.unit})" if self.unit else self.title


def csv_value(value) -> str | int:
    if value is None:
        return ""
    return value.csv() if hasattr(value, "csv") else value


def page_value(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return str(value)


# ---- charts ---------------------------------------------------------------------------------------


@dataclass
class Rect:
    x: int
    y: int
    width: int
    height: int
    fill: str
    title: str


@dataclass
class Text:
    x: int
    y: int
    text: str
    anchor: str = "start"


@dataclass
class Chart:
    """An SVG drawing: rectangles and text placed here, so that the template only writes them out."""

    title: str
    description: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (fill, label)


def shorten(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def bar_chart(
    title: str,
    description: str,
    rows: list[tuple[str, int, int | None]],
    series: list[tuple[str, str]],
) -> Chart:
    """Draw a horizontal bar per row (label, value, part): the value's bar, and the part over it in darker.

    ``series`` names and colours them: [(fill, label) of the value] or [that, (fill, label) of the part].
    Only the first CHART_ROWS rows are drawn: the table under the chart has them all.
    """
    label_width, bar_width, row_height, top = 250, 330, 26, 6
    rows = rows[:CHART_ROWS]
    chart = Chart(title=title, description=description, width=label_width + bar_width + 70, height=0, legend=series)
    largest = max((value for _label, value, _part in rows), default=0) or 1

    def bar(y: int, value: int, fill: str, name: str, row_label: str) -> Rect:
        width = max(round(bar_width * value / largest), 1)
        return Rect(label_width, y + 3, width, row_height - 8, fill, f"{row_label} – {name}: {page_value(value)}")

    for number, (label, value, part) in enumerate(rows):
        y = top + number * row_height
        chart.texts.append(Text(x=label_width - 8, y=y + 16, text=shorten(label), anchor="end"))
        chart.rects.append(bar(y, value, *series[0], label))
        if part and len(series) > 1:
            chart.rects.append(bar(y, part, *series[1], label))
        value_x = label_width + round(bar_width * value / largest) + 6
        chart.texts.append(Text(x=value_x, y=y + 16, text=page_value(value)))
    chart.height = top * 2 + row_height * max(len(rows), 1)
    return chart


def month_chart(title: str, description: str, months: list[outcomes.UnmetNeed]) -> Chart:
    """Vertical bars per month, each stacked: searches that found nothing, declined for capacity, not eligible."""
    left, plot_height, column, top, bottom = 48, 180, 64, 16, 28
    chart = Chart(title=title, description=description, width=max(left + column * len(months) + 10, 320), height=0)
    largest = max((month.total for month in months), default=0) or 1
    segments = [
        ("searches", SEARCHES_FILL, _("Searches that found nothing")),
        ("no_capacity", NO_CAPACITY_FILL, _("Declined: no capacity")),
        ("not_eligible", NOT_ELIGIBLE_FILL, _("Declined: not eligible")),
    ]
    chart.texts.append(Text(x=left - 6, y=top + 4, text=page_value(largest), anchor="end"))
    chart.texts.append(Text(x=left - 6, y=top + plot_height, text="0", anchor="end"))
    for number, month in enumerate(months):
        x = left + number * column + 8
        base = top + plot_height
        for name, fill, label in segments:
            value = getattr(month, name)
            if not value:
                continue
            height = max(round(plot_height * value / largest), 1)
            base -= height
            chart.rects.append(
                Rect(x, base, column - 16, height, fill, f"{Month(month.month)} – {label}: {page_value(value)}")
            )
        if month.total:
            chart.texts.append(
                Text(x=x + (column - 16) // 2, y=base - 4, text=page_value(month.total), anchor="middle")
            )
        chart.texts.append(
            Text(
                x=x + (column - 16) // 2,
                y=top + plot_height + 18,
                text=formats.date_format(month.month, "M y"),
                anchor="middle",
            )
        )
    chart.height = top + plot_height + bottom
    chart.legend = [(fill, label) for _name, fill, label in segments]
    return chart


# ---- tables ---------------------------------------------------------------------------------------


@dataclass
class Table:
    key: str
    title: str
    description: str
    headers: list[str | Column]
    rows: list[list]  # values: str, int, Percent, Days, Rating, Month
    chart: Chart | None = None
    empty: str = ""

    @property
    def page_rows(self) -> list[list[tuple[str, bool]]]:
        """Return each cell as the page shows it, and whether it is a figure (aligned right)."""
        return [
            [(page_value(value), isinstance(value, int | Percent | Days | Rating)) for value in row]
            for row in self.rows
        ]

    @property
    def csv_url(self) -> str:
        return reverse("reports:csv", args=[self.key])


def figures_headers(first: list[str], *, sent: bool = False) -> list[str | Column]:
    return [
        *first,
        _("Sent") if sent else _("Received"),
        _("Answered"),
        Column(_("Acceptance rate"), "%"),
        Column(_("Median time to first response"), _("days")),
        _("Completed"),
        _("Not completed"),
        Column(_("Completion rate"), "%"),
        _("Ratings"),
        Column(_("Average rating"), _("1 to 5")),
        _("Declined"),
        *[_("Declined: %(reason)s") % {"reason": label.lower()} for label in Referral.DeclineReason.labels],
    ]


def figures_row(first: list, figures: outcomes.Figures) -> list:
    return [
        *first,
        figures.received,
        figures.answered,
        Percent(figures.acceptance_rate),
        Days(figures.median_response),
        figures.completed,
        figures.not_completed,
        Percent(figures.completion_rate),
        figures.ratings,
        Rating(figures.average_rating),
        figures.declined,
        *[figures.decline_reasons[reason] for reason in Referral.DeclineReason.values],
    ]


def figures_chart(title: str, figures: list[outcomes.Figures], *, sent: bool = False) -> Chart:
    if sent:
        description = _("Referrals sent and how many were completed; at most %(count)s with the most referrals.")
    else:
        description = _("Referrals received and how many were completed; at most %(count)s with the most referrals.")
    return bar_chart(
        title,
        description % {"count": CHART_ROWS},
        [(row.name, row.received, row.completed) for row in figures],
        [(RECEIVED_FILL, _("Sent") if sent else _("Received")), (COMPLETED_FILL, _("Completed"))],
    )


@dataclass
class Report:
    """What one request asks for: whose referrals, which months, which category."""

    scope: Scope
    period: outcomes.Period
    category: str
    by_county: bool
    categories: outcomes.Categories

    def received(self) -> QuerySet[Referral]:
        return outcomes.in_category(outcomes.in_period(self.scope.received, self.period), self.category)

    def sent(self) -> QuerySet[Referral]:
        return outcomes.in_category(outcomes.in_period(self.scope.sent, self.period), self.category)

    def visible(self) -> QuerySet[Referral]:
        return outcomes.in_category(outcomes.in_period(self.scope.visible, self.period), self.category)

    # Each table, by its key in TABLES. Two queries each at most (three for unmet needs).

    def providers(self) -> Table:
        figures = outcomes.figures_by(self.received(), outcomes.BY_PROVIDER)
        return Table(
            key="providers",
            title=_("Providers: referrals received"),
            description=_("Per organization that received referrals: how it answered and how the referrals ended."),
            headers=figures_headers([_("Organization")]),
            rows=[figures_row([row.name], row) for row in figures],
            chart=figures_chart(_("Referrals received per provider"), figures) if figures else None,
            empty=_("No referrals were received in these months."),
        )

    def services(self) -> Table:
        figures = outcomes.figures_by(self.received(), outcomes.BY_SERVICE)
        return Table(
            key="services",
            title=_("Services: referrals received"),
            description=_("Per service: how its provider answered and how the referrals ended."),
            headers=figures_headers([_("Service"), _("Organization")]),
            rows=[figures_row([row.name, row.owner], row) for row in figures],
            chart=figures_chart(_("Referrals received per service"), figures) if figures else None,
            empty=_("No referrals were received in these months."),
        )

    def referrers(self) -> Table:
        figures = outcomes.figures_by(self.sent(), outcomes.BY_REFERRER)
        return Table(
            key="referrers",
            title=_("Referring programs: referrals sent"),
            description=_("Per organization that referred: how its referrals were answered and how they ended."),
            headers=figures_headers([_("Organization")], sent=True),
            rows=[figures_row([row.name], row) for row in figures],
            chart=figures_chart(_("Referrals sent per referring program"), figures, sent=True) if figures else None,
            empty=_("No referrals were sent in these months."),
        )

    def decline_reasons(self) -> Table:
        reasons = outcomes.decline_reasons(self.visible())
        declined = sum(count for _reason, _label, count in reasons)
        return Table(
            key="decline-reasons",
            title=_("Why referrals were declined"),
            description=_("How many declined referrals gave each reason."),
            headers=[_("Reason"), _("Declined"), Column(_("Share"), "%")],
            rows=[[label, count, Percent(count / declined)] for _reason, label, count in reasons] if declined else [],
            chart=bar_chart(
                _("Declined referrals per reason"),
                _("How many declined referrals gave each reason."),
                [(str(label), count, None) for _reason, label, count in reasons],
                [(DECLINED_FILL, _("Declined"))],
            )
            if declined
            else None,
            empty=_("No referral was declined in these months."),
        )

    def barriers(self) -> Table:
        barriers = outcomes.participant_barriers(self.visible())
        answers = sum(count for _barrier, _label, count in barriers)
        return Table(
            key="barriers",
            title=_("What got in the way, as participants said"),
            description=_(
                "How many participants who answered their feedback link gave each answer to "
                "“what got in the way?”. Counts only: no answer is shown with who gave it."
            ),
            headers=[_("Answer"), _("Participants"), Column(_("Share"), "%")],
            rows=[[label, count, Percent(count / answers)] for _barrier, label, count in barriers] if answers else [],
            chart=bar_chart(
                _("What got in the way, per answer"),
                _("How many participants gave each answer."),
                [(str(label), count, None) for _barrier, label, count in barriers],
                [(BARRIERS_FILL, _("Participants"))],
            )
            if answers
            else None,
            empty=_("No participant said what got in the way in these months."),
        )

    def unmet_needs(self) -> Table:
        needs = outcomes.unmet_needs(
            self.scope.visible,
            UnmetSearch.objects.all(),
            period=self.period,
            categories=self.categories,
            category=self.category,
            by_county=self.by_county,
        )
        months = outcomes.unmet_by_month(needs, self.period)
        return Table(
            key="unmet-needs",
            title=_("Unmet needs"),
            description=_(
                "Per month, category and place: searches that found nothing, and referrals declined because the "
                "provider had no capacity or the participant was not eligible."
            ),
            headers=[
                _("Month"),
                _("Category"),
                _("County") if self.by_county else _("ZIP code"),
                _("Searches that found nothing"),
                _("Declined: no capacity"),
                _("Declined: not eligible"),
                _("Total"),
            ],
            rows=[
                [
                    Month(need.month),
                    need.category.name,
                    need.area or _("Not given"),
                    need.searches,
                    need.no_capacity,
                    need.not_eligible,
                    need.total,
                ]
                for need in needs
            ],
            chart=month_chart(
                _("Unmet needs per month"),
                _("Searches that found nothing and referrals declined for capacity or eligibility, per month."),
                months,
            )
            if needs
            else None,
            empty=_("No unmet needs were recorded in these months."),
        )

    def unmet_searches(self) -> Table:
        searches = outcomes.unmet_searches(
            UnmetSearch.objects.all(), period=self.period, categories=self.categories, category=self.category
        )
        return Table(
            key="unmet-searches",
            title=_("Searches that found nothing"),
            description=_("What case managers looked for and where, when the directory had nothing to offer."),
            headers=[_("Words"), _("Category"), _("ZIP code"), _("County"), _("Searches")],
            rows=[[row.words, row.category, row.zip_code, row.county, row.count] for row in searches],
            empty=_("Every search found something in these months."),
        )


TABLES: dict[str, Callable[[Report], Table]] = {
    "providers": Report.providers,
    "services": Report.services,
    "referrers": Report.referrers,
    "decline-reasons": Report.decline_reasons,
    "barriers": Report.barriers,
    "unmet-needs": Report.unmet_needs,
    "unmet-searches": Report.unmet_searches,
}


def all_tables() -> dict[str, Callable[[Report], Table]]:
    """Return the referrals' tables, then the participant plans' (plans/reports.py builds on this module, so it is
    imported here, when a page asks, not when this module loads)."""
    from plans.reports import TABLES as PLAN_TABLES

    return TABLES | PLAN_TABLES


def report_for(scope: Scope, form: ReportFilterForm, categories: outcomes.Categories) -> Report:
    data = form.cleaned_data
    return Report(
        scope=scope,
        period=data["period"],
        category=data.get("category") or "",
        by_county=data.get("area") == "county",
        categories=categories,
    )


# ---- views ----------------------------------------------------------------------------------------


@login_required
def reports_page(request: HttpRequest) -> HttpResponse:
    """Show every table with its chart, for the chosen months and category (a fixed number of queries)."""
    scope = scope_for(request.user)  # 403 before anything is computed
    categories = outcomes.Categories()
    form = ReportFilterForm(request.GET, categories=categories)
    context = {"form": form, "scope": scope}
    if not form.is_valid():
        return render(request, "referrals/reports/page.html", context, status=400)
    report = report_for(scope, form, categories)
    context.update({"period": report.period, "tables": [table(report) for table in all_tables().values()]})
    return render(request, "referrals/reports/page.html", context)


@login_required
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    """Return one table as a CSV file, with the page's filters: a header row, then a row per line of the table."""
    tables = all_tables()
    if table not in tables:
        raise Http404("No such table")
    scope = scope_for(request.user)
    categories = outcomes.Categories()
    form = ReportFilterForm(request.GET, categories=categories)
    if not form.is_valid():
        messages = [message for errors in form.errors.values() for message in errors]
        return HttpResponse(" ".join(messages), status=400, content_type="text/plain; charset=utf-8")
    report = report_for(scope, form, categories)
    content = tables[table](report)
    period = report.period
    filename = f"{content.key}-{period.first_month:%Y-%m}-to-{period.last_month:%Y-%m}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csvsafe.writer(response)  # search words and names as typed: no cell may run as a formula
    writer.writerow([csv_value(header) for header in content.headers])
    for row in content.rows:
        writer.writerow([csv_value(value) for value in row])
    return response
