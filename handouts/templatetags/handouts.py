"""Template tags that put the resource-list actions on other apps' pages: a star and "Add to list" on a
result card or a service page, and the favourites and team lists as shortcuts on the search page.

Shown to case managers only. What they need (the person's organizations, favourites, team lists and
current list) is looked up once per request and kept on it, so a page of results costs no more queries
per card.
"""

from django import template

from handouts.models import Favourite, TeamList
from handouts.selectors import case_manager_organization_ids, current_list
from referrals.models import ParticipantErasure

register = template.Library()


def _state(request) -> dict:
    """The signed-in person's lists and favourites, looked up on first use in a request (four queries)."""
    state = getattr(request, "_handouts_state", None)
    if state is not None:
        return state
    state = {"is_case_manager": False, "favourite_ids": set(), "favourites": [], "team_lists": [], "current": None}
    user = getattr(request, "user", None)
    organizations = case_manager_organization_ids(user) if user is not None else set()
    if organizations:
        favourites = list(Favourite.objects.filter(user=user).select_related("service")[:20])
        state.update(
            is_case_manager=True,
            favourites=favourites,
            favourite_ids={
                str(service_id)
                for service_id in Favourite.objects.filter(user=user).values_list("service_id", flat=True)
            },
            team_lists=list(TeamList.objects.filter(organization__in=organizations)),
            current=current_list(request),
        )
    request._handouts_state = state
    return state


@register.inclusion_tag("handouts/_card_actions.html", takes_context=True)
def handout_card_actions(context, service_id, service_name) -> dict:
    """A star toggle and "Add to list" for a result card (POST forms with CSRF; no JavaScript needed)."""
    request = context["request"]
    state = _state(request)
    return {
        "show": state["is_case_manager"],
        "service_id": str(service_id),
        "service_name": service_name,
        "starred": str(service_id) in state["favourite_ids"],
        "current": state["current"],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("handouts/_service_actions.html", takes_context=True)
def handout_service_actions(context, service) -> dict:
    """The star, "Add to list" and "Add to a team list" on a service's page."""
    request = context["request"]
    state = _state(request)
    return {
        "show": state["is_case_manager"],
        "service_id": str(service.pk),
        "service_name": service.name,
        "starred": str(service.pk) in state["favourite_ids"],
        "current": state["current"],
        "team_lists": state["team_lists"],
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("handouts/_shortcuts.html", takes_context=True)
def handout_shortcuts(context) -> dict:
    """The case manager's favourites, the program's team lists and the list being built, on the search page."""
    state = _state(context["request"])
    return {
        "show": state["is_case_manager"],
        "favourites": state["favourites"],
        "team_lists": state["team_lists"],
        "current": state["current"],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("handouts/_referral_sends.html", takes_context=True)
def handout_referral_sends(context, referral) -> dict:
    """On a referral's page, for the referring program's case managers: what was sent to the participant about
    this referral (the slip by e-mail), a way to their lists and everything sent to them, and a button that
    starts a list for them (three queries)."""
    request = context["request"]
    participant = referral.participant
    show = participant.organization_id in case_manager_organization_ids(request.user)
    return {
        "show": show,
        "participant": participant,
        "handovers": list(referral.handovers.select_related("sent_by", "referral__service")) if show else [],
        "erased": show and ParticipantErasure.objects.filter(participant=participant).exists(),
    }
