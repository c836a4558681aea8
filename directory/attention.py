"""What needs a signed-in person's attention, for the home page: counts, each with the page that lists them.

Each role brings its own items, counted by the queries its pages use, so that a count and the list it
links to always agree:
- who refers (case managers, network admins): overdue referrals and outcomes to record (the dashboard's tabs);
- agency staff, who receive referrals: new referrals to answer and referrals to report on (the inbox's tabs);
- agency editors and network admins: listings to verify and open corrections (the agency portal);
- network admins: edits waiting for review.
"""

import dataclasses
import datetime

from django.urls import reverse
from django.utils.translation import ngettext

from directory.access import Roles
from plans.selectors import week_count as plans_week_count
from providers.access import organizations_edited_by
from providers.models import PendingEdit, Service
from providers.portal.selectors import open_corrections_for
from referrals import selectors


@dataclasses.dataclass(frozen=True)
class Attention:
    count: int
    label: str
    url: str


def attention_for(user, roles: Roles, now: datetime.datetime, week_count: int | None = None) -> list[Attention]:
    """Return what needs ``user``'s attention, items with a count of zero left out.

    A few queries a role, the same few however many referrals and listings there are. ``week_count``: the
    participants in a case manager's week, when the caller has counted them (the menu shows it too).
    """
    items = []
    if roles.case_manager:
        items.append(week_item(user, week_count))
    if roles.follows_referrals:
        items += referrer_items(user, now)
    if roles.receives_referrals:
        items += provider_items(user, now)
    if roles.agency_editor or roles.network_admin:
        items += listing_items(user)
    if roles.network_admin:
        waiting = PendingEdit.objects.filter(status=PendingEdit.Status.PENDING).count()
        items.append(
            Attention(
                waiting,
                ngettext("%(counter)s edit waiting for review", "%(counter)s edits waiting for review", waiting)
                % {"counter": waiting},
                reverse("portal:review_queue"),
            )
        )
    return [item for item in items if item.count]


def week_item(user, count: int | None = None) -> Attention:
    """The participants whose plans need the case manager this week, as the week's page lists them (a query,
    unless ``count`` is given)."""
    if count is None:
        count = plans_week_count(user)
    return Attention(
        count,
        ngettext("This week: %(count)s participant needs you", "This week: %(count)s participants need you", count)
        % {"count": count},
        reverse("plans:week"),
    )


def referrer_items(user, now: datetime.datetime) -> list[Attention]:
    """Overdue referrals and referrals waiting for an outcome, as the dashboard counts them (one query)."""
    filters = selectors.dashboard_filters(now)
    tabs = [selectors.DashboardTab.OVERDUE, selectors.DashboardTab.WAITING]
    counts = selectors.tab_counts(selectors.sent_by(user), {tab: filters[tab] for tab in tabs})
    dashboard = reverse("referrals:dashboard")
    overdue, waiting = counts[selectors.DashboardTab.OVERDUE], counts[selectors.DashboardTab.WAITING]
    return [
        Attention(
            overdue,
            ngettext("%(count)s overdue referral", "%(count)s overdue referrals", overdue) % {"count": overdue},
            f"{dashboard}?tab={selectors.DashboardTab.OVERDUE}",
        ),
        Attention(
            waiting,
            ngettext(
                "%(count)s referral waiting for your outcome",
                "%(count)s referrals waiting for your outcome",
                waiting,
            )
            % {"count": waiting},
            f"{dashboard}?tab={selectors.DashboardTab.WAITING}",
        ),
    ]


def provider_items(user, now: datetime.datetime) -> list[Attention]:
    """New referrals to answer and referrals to report on, as the inbox counts them (one query)."""
    filters = selectors.inbox_filters(now)
    tabs = [selectors.InboxTab.NEW, selectors.InboxTab.TO_REPORT]
    counts = selectors.tab_counts(selectors.received_by(user), {tab: filters[tab] for tab in tabs})
    inbox = reverse("referrals:inbox")
    new, to_report = counts[selectors.InboxTab.NEW], counts[selectors.InboxTab.TO_REPORT]
    return [
        Attention(
            new,
            ngettext("%(count)s new referral to answer", "%(count)s new referrals to answer", new) % {"count": new},
            f"{inbox}?tab={selectors.InboxTab.NEW}",
        ),
        Attention(
            to_report,
            ngettext(
                "%(count)s referral to report on: was the person served?",
                "%(count)s referrals to report on: was the person served?",
                to_report,
            )
            % {"count": to_report},
            f"{inbox}?tab={selectors.InboxTab.TO_REPORT}",
        ),
    ]


def listing_items(user) -> list[Attention]:
    """Listed services of the user's organizations nobody verified lately, and open corrections (two queries)."""
    stale = Service.objects.listed().stale().filter(organization__in=organizations_edited_by(user)).count()
    corrections = open_corrections_for(user).count()
    return [
        Attention(
            stale,
            ngettext(
                "%(counter)s listed service not verified recently",
                "%(counter)s listed services not verified recently",
                stale,
            )
            % {"counter": stale},
            reverse("portal:home"),
        ),
        Attention(
            corrections,
            ngettext("%(counter)s open correction", "%(counter)s open corrections", corrections)
            % {"counter": corrections},
            reverse("portal:corrections"),
        ),
    ]
