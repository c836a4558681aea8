"""The participant's private link on the case manager's plan page: ``{% load plans_participant %}`` then
``{% participant_link plan may_change %}`` (the plan with its participant; whether the reader may change it)."""

from django import template

from plans import participant

register = template.Library()


@register.inclusion_tag("plans/_participant_link.html", takes_context=True)
def participant_link(context, plan, may_change: bool) -> dict:
    """Render the link's block; after "Make a new link" the browser comes back to the page it was on.
    A query for the link, one for the participant's erasure unless the plan was read with it."""
    request = context.get("request")
    next_url = request.get_full_path() + "#participant-link" if request is not None else ""
    return {
        "plan_link": participant.link_block(plan, may_change=may_change, next_url=next_url),
        "csrf_token": context.get("csrf_token"),
    }
