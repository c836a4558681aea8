"""The plans' figures on the reports page (/reports/, referrals/reports.py), each a table, a chart and a CSV file.

What the network's plans say, counted and never quoted: the unmet needs behind the searches.

- Barriers found: per month, top-level category and the participant's ZIP code (or county). A barrier counts
  in the month it was found, and its steps count with it, in the tables below too.
- Days to a step done: per category, the median days from the day a barrier was found to the day one of its
  steps was done.
- Check-ins: in each of the last four weeks (seven days each, the last ending today or on the last day of the
  chosen months), the participants whose plan was open all that week and how many of them had a check-in.
- Steps unresolved: per category, the steps that did not work out or are still open past their due date,
  out of all its steps.

Who sees which plans is the reports' rule (referrals/reports.py, ``Scope``): network admins every plan,
staff of an organization the plans of its own participants (as the referring program). A receiving provider
sees, of a plan, only the step it was referred for, so its staff count no plan of another organization.
Erased participants count: their categories, dates and statuses stay (plans/services.py,
participant_erase_plan), and nothing here shows a word of a plan. Each table costs one or two queries.
"""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plans.models import OPEN_STEP_STATUSES, Barrier, CheckIn, Plan, Step
from referrals import outcomes
from referrals.reports import (
    CHART_ROWS,
    Chart,
    Column,
    Days,
    Month,
    Percent,
    Rect,
    Report,
    Scope,
    Table,
    Text,
    bar_chart,
    page_value,
)

WEEKS = 4  # of check-ins

# Colours of the charts' bars (SVG fill attributes), at least 3:1 against the white page.
BARRIERS_FILL = "#8a4b08"
STEPS_FILL = "#6a93c0"
UNRESOLVED_FILL = "#b45309"
DONE_FILL = "#0b4f8a"
OPEN_PLANS_FILL = "#6a93c0"
CHECKED_IN_FILL = "#0b4f8a"


# ---- whose plans ------------------------------------------------------------------------------------


def plans_in(scope: Scope) -> QuerySet[Plan]:
    """The plans a person's reports count: every plan for a network admin, else their organizations' own."""
    if scope.is_admin:
        return Plan.objects.all()
    return Plan.objects.filter(participant__organization__in=[organization.pk for organization in scope.organizations])


def barriers_in(report: Report) -> QuerySet[Barrier]:
    """Barriers of the plans in scope found in the chosen months, of the chosen category (or any)."""
    period = report.period
    barriers = Barrier.objects.filter(
        plan__in=plans_in(report.scope),
        identified_on__gte=period.first_month,
        identified_on__lt=outcomes.add_months(period.last_month, 1),
    )
    if report.category:
        barriers = barriers.filter(category__code__in=report.categories.codes_under(report.category))
    return barriers


def past_due(today: datetime.date) -> Q:
    """Steps still open after their due date."""
    return Q(status__in=OPEN_STEP_STATUSES, due_on__lt=today)


# ---- values as the page and the CSV show them -------------------------------------------------------


@dataclass(frozen=True)
class DaysBetween(Days):
    """Whole days between two dates, or half a day for a median: '4 days', '2.5 days'."""

    def __str__(self) -> str:
        if self.value is None:
            return "–"
        days = self.value / datetime.timedelta(days=1)
        return ngettext("%(days)s day", "%(days)s days", 1 if days == 1 else 2) % {
            "days": formats.number_format(days, decimal_pos=1 if days % 1 else 0)
        }


@dataclass(frozen=True)
class Day:
    value: datetime.date

    def __str__(self) -> str:
        return formats.date_format(self.value, "SHORT_DATE_FORMAT")

    def csv(self) -> str:
        return self.value.isoformat()


# ---- the chart of a count per month ------------------------------------------------------------------


def month_chart(title: str, description: str, months: list[tuple[datetime.date, int]], fill: str, label: str) -> Chart:
    """Vertical bars, one per month (oldest first, months with none included), each with its count."""
    left, plot_height, column, top, bottom = 48, 180, 64, 16, 28
    chart = Chart(
        title=title,
        description=description,
        width=max(left + column * len(months) + 10, 320),
        height=top + plot_height + bottom,
        legend=[(fill, label)],
    )
    largest = max((count for _month, count in months), default=0) or 1
    chart.texts.append(Text(x=left - 6, y=top + 4, text=page_value(largest), anchor="end"))
    chart.texts.append(Text(x=left - 6, y=top + plot_height, text="0", anchor="end"))
    for number, (month, count) in enumerate(months):
        x, middle = left + number * column + 8, left + number * column + 8 + (column - 16) // 2
        if count:
            height = max(round(plot_height * count / largest), 1)
            y = top + plot_height - height
            chart.rects.append(Rect(x, y, column - 16, height, fill, f"{Month(month)} – {label}: {page_value(count)}"))
            chart.texts.append(Text(x=middle, y=y - 4, text=page_value(count), anchor="middle"))
        chart.texts.append(
            Text(x=middle, y=top + plot_height + 18, text=formats.date_format(month, "M y"), anchor="middle")
        )
    return chart


# ---- the tables ---------------------------------------------------------------------------------------


def barriers_found(report: Report) -> Table:
    """Barriers found per month, top-level category and ZIP code (or county): a query."""
    rows = (
        barriers_in(report)
        .order_by()
        .annotate(month=TruncMonth("identified_on"))
        .values("month", "category__code", "plan__participant__zip_code")
        .annotate(count=Count("pk"))
    )
    counts: dict[tuple, int] = defaultdict(int)
    names = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        top = report.categories.top(row["category__code"])
        zip_code = row["plan__participant__zip_code"]
        area = outcomes.county_of(zip_code) if report.by_county else zip_code
        key = (month, top.code, area)
        names[key] = top.name
        counts[key] += row["count"]
    per_month = dict.fromkeys(report.period.months, 0)
    for (month, _code, _area), count in counts.items():
        per_month[month] = per_month.get(month, 0) + count
    ordered = sorted(counts, key=lambda key: (-key[0].toordinal(), -counts[key], names[key].casefold(), key[2]))
    return Table(
        key="plan-barriers",
        title=_("Barriers found in participants' plans"),
        description=_(
            "Per month, category and place: the barriers to work that case managers and participants wrote in "
            "plans. A barrier counts in the month it was found, at the participant's ZIP code."
        ),
        headers=[
            _("Month"),
            _("Category"),
            _("County") if report.by_county else _("ZIP code"),
            _("Barriers"),
        ],
        rows=[[Month(key[0]), names[key], key[2] or _("Not given"), counts[key]] for key in ordered],
        chart=month_chart(
            _("Barriers found per month"),
            _("How many barriers were found in participants' plans, per month."),
            sorted(per_month.items()),
            BARRIERS_FILL,
            _("Barriers"),
        )
        if counts
        else None,
        empty=_("No barrier was found in these months."),
    )


def days_to_done(report: Report) -> Table:
    """Per top-level category, the median days from a barrier found to one of its steps done: a query."""
    done = (
        Step.objects.filter(barrier__in=barriers_in(report), status=Step.Status.DONE)
        .order_by()
        .values_list("barrier__category__code", "barrier__identified_on", "done_on")
    )
    days_of = defaultdict(list)
    names = {}
    for code, found_on, done_on in done:
        top = report.categories.top(code)
        names[top.code] = top.name
        days_of[top.code].append((done_on - found_on).days)
    medians = {code: statistics.median(days) for code, days in days_of.items()}
    ordered = sorted(medians, key=lambda code: (-medians[code], names[code].casefold()))
    return Table(
        key="plan-days-to-done",
        title=_("Days from a barrier to a step done"),
        description=_(
            "Per category: how many steps were done, and the median days from the day their barrier was found "
            "to the day each was done."
        ),
        headers=[_("Category"), _("Steps done"), Column(_("Median days to a step done"), _("days"))],
        rows=[
            [names[code], len(days_of[code]), DaysBetween(datetime.timedelta(days=medians[code]))] for code in ordered
        ],
        chart=bar_chart(
            _("Median days to a step done, per category"),
            _("The median days from a barrier found to a step done, rounded to whole days; at most %(count)s.")
            % {"count": CHART_ROWS},
            [(names[code], round(medians[code]), None) for code in ordered],
            [(DONE_FILL, _("Median days"))],
        )
        if ordered
        else None,
        empty=_("No step of a barrier found in these months is done."),
    )


@dataclass(frozen=True)
class Week:
    first_day: datetime.date
    last_day: datetime.date


def last_weeks(report: Report) -> list[Week]:
    """The last WEEKS weeks of seven days, oldest first, the last ending today or with the chosen months."""
    end = min(timezone.localdate(), outcomes.add_months(report.period.last_month, 1) - datetime.timedelta(days=1))
    return [
        Week(end - datetime.timedelta(days=7 * ago + 6), end - datetime.timedelta(days=7 * ago))
        for ago in reversed(range(WEEKS))
    ]


def check_ins(report: Report) -> Table:
    """Per week of the last four, participants whose plan was open, and those of them with a check-in: two queries.

    A plan is open in a week when it started before the week's first day (a plan started that week has its
    intake, and its first check-in the week after) and not all of its barriers (of the chosen category) were
    resolved before that day.
    """
    weeks = last_weeks(report)
    in_scope = plans_in(report.scope).filter(started_on__lt=weeks[-1].first_day)
    if report.category:
        in_scope = in_scope.filter(barriers__category__code__in=report.categories.codes_under(report.category))
    plans = list(
        in_scope.annotate(
            open_barriers=Count("barriers", filter=Q(barriers__resolved_on__isnull=True)),
            last_resolved=Max("barriers__resolved_on"),
        ).values_list("pk", "started_on", "open_barriers", "last_resolved")
    )
    held = set(
        CheckIn.objects.filter(
            plan__in=in_scope.values("pk"),
            held_on__gte=weeks[0].first_day,
            held_on__lte=weeks[-1].last_day,
        )
        .order_by()
        .values_list("plan_id", "held_on")
        .distinct()
    )
    rows = []
    for week in weeks:
        open_plans = {
            plan_id
            for plan_id, started_on, open_barriers, last_resolved in plans
            if started_on < week.first_day
            and (open_barriers or last_resolved is None or last_resolved >= week.first_day)
        }
        checked_in = {plan_id for plan_id, held_on in held if week.first_day <= held_on <= week.last_day} & open_plans
        share = Percent(len(checked_in) / len(open_plans) if open_plans else None)
        rows.append([Day(week.first_day), Day(week.last_day), len(open_plans), len(checked_in), share])
    return Table(
        key="plan-check-ins",
        title=_("Weekly check-ins"),
        description=_(
            "In each of the last four weeks (up to today, or to the end of the chosen months): the participants "
            "whose plan was open all that week, and how many of them had a check-in with their case manager."
        ),
        headers=[
            _("Week from"),
            _("Week to"),
            _("Participants with an open plan"),
            _("With a check-in"),
            Column(_("Share with a check-in"), "%"),
        ],
        rows=rows if any(row[2] for row in rows) else [],
        chart=bar_chart(
            _("Participants with a check-in, per week"),
            _("Participants with an open plan in each week, and how many of them had a check-in."),
            [(f"{row[0]} – {row[1]}", row[2], row[3]) for row in rows],
            [(OPEN_PLANS_FILL, _("Participants with an open plan")), (CHECKED_IN_FILL, _("With a check-in"))],
        )
        if any(row[2] for row in rows)
        else None,
        empty=_("No participant had an open plan in these weeks."),
    )


def steps_unresolved(report: Report) -> Table:
    """Per top-level category: steps, those that did not work out, those open past their due date: a query."""
    today = timezone.localdate()
    rows = (
        Step.objects.filter(barrier__in=barriers_in(report))
        .order_by()
        .values("barrier__category__code")
        .annotate(
            steps=Count("pk"),
            not_done=Count("pk", filter=Q(status=Step.Status.NOT_DONE)),
            past_due=Count("pk", filter=past_due(today)),
        )
    )
    totals: dict[str, list[int]] = {}
    names = {}
    for row in rows:
        top = report.categories.top(row["barrier__category__code"])
        names[top.code] = top.name
        counts = totals.setdefault(top.code, [0, 0, 0])
        counts[0] += row["steps"]
        counts[1] += row["not_done"]
        counts[2] += row["past_due"]
    ordered = sorted(
        totals,
        key=lambda code: (-(totals[code][1] + totals[code][2]), -totals[code][0], names[code].casefold()),
    )
    return Table(
        key="plan-steps-unresolved",
        title=_("Steps left unresolved"),
        description=_(
            "Per category: the plans' steps, those that did not work out and those still open past their due "
            "date. The categories whose steps most often end unresolved come first."
        ),
        headers=[
            _("Category"),
            _("Steps"),
            _("Did not work out"),
            _("Open past their due date"),
            _("Unresolved"),
            Column(_("Share unresolved"), "%"),
        ],
        rows=[
            [
                names[code],
                steps,
                not_done,
                overdue,
                not_done + overdue,
                Percent((not_done + overdue) / steps),
            ]
            for code in ordered
            for steps, not_done, overdue in [totals[code]]
        ],
        chart=bar_chart(
            _("Steps and steps unresolved, per category"),
            _("Steps of each category and how many did not work out or are past due; at most %(count)s.")
            % {"count": CHART_ROWS},
            [(names[code], totals[code][0], totals[code][1] + totals[code][2]) for code in ordered],
            [(STEPS_FILL, _("Steps")), (UNRESOLVED_FILL, _("Unresolved"))],
        )
        if ordered
        else None,
        empty=_("No barrier found in these months has steps."),
    )


TABLES: dict[str, Callable[[Report], Table]] = {
    "plan-barriers": barriers_found,
    "plan-days-to-done": days_to_done,
    "plan-check-ins": check_ins,
    "plan-steps-unresolved": steps_unresolved,
}
