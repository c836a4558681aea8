"""Who sees which resource list, team list and participant here. The one place that decides.

A resource list and a team list belong to an organization: its case managers see and change them; for
everyone else they do not exist (404). The participant reads their list through its private link only.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from directory.models import Membership
from handouts.models import ResourceList, TeamList
from referrals.models import Participant

# The list that "Add to list" buttons add to, in this browser's session.
CURRENT_LIST_SESSION_KEY = "handouts_current_list"
NOT_CASE_MANAGER = _("Resource lists, favourites and team lists are kept by the case managers of a program.")


def case_manager_organization_ids(user) -> set:
    """Return the ids of the organizations ``user`` is a case manager of (a query; none when signed out)."""
    if not user.is_authenticated:
        return set()
    return set(user.memberships.filter(role=Membership.Role.CASE_MANAGER).values_list("organization_id", flat=True))


def is_case_manager(user) -> bool:
    return bool(case_manager_organization_ids(user))


def require_case_manager(user) -> set:
    """Return ``user``'s organizations as a case manager; a 403 that says why when they have none."""
    organizations = case_manager_organization_ids(user)
    if not organizations:
        raise PermissionDenied(NOT_CASE_MANAGER)
    return organizations


def lists_visible_to(user) -> QuerySet[ResourceList]:
    return ResourceList.objects.filter(organization__in=case_manager_organization_ids(user))


def get_list_for_user(user, list_id) -> ResourceList:
    """Return the resource list if ``user`` is a case manager of its organization; 404 otherwise (two queries)."""
    try:
        return (
            lists_visible_to(user)
            .select_related("organization", "participant__erasure", "created_by", "link")
            .get(pk=list_id)
        )
    except (ResourceList.DoesNotExist, ValidationError):
        raise Http404("No such list") from None


def team_lists_visible_to(user) -> QuerySet[TeamList]:
    return TeamList.objects.filter(organization__in=case_manager_organization_ids(user))


def get_team_list_for_user(user, team_list_id) -> TeamList:
    try:
        return team_lists_visible_to(user).select_related("organization").get(pk=team_list_id)
    except (TeamList.DoesNotExist, ValidationError):
        raise Http404("No such team list") from None


def participants_for_lists(user) -> QuerySet[Participant]:
    """Participants a list can be made for: those of ``user``'s organizations as a case manager, not erased."""
    return Participant.objects.filter(
        organization__in=case_manager_organization_ids(user), erasure__isnull=True
    ).order_by("display_name")


def get_participant_for_lists(user, participant_id) -> Participant:
    try:
        return participants_for_lists(user).select_related("organization").get(pk=participant_id)
    except (Participant.DoesNotExist, ValidationError):
        raise Http404("No such participant") from None


def current_list(request) -> ResourceList | None:
    """The list "Add to list" adds to in this session, while the signed-in case manager may still see it."""
    list_id = request.session.get(CURRENT_LIST_SESSION_KEY)
    if not list_id:
        return None
    return lists_visible_to(request.user).select_related("participant").filter(pk=list_id).first()
