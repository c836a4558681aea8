"""The plan on the referral pages: ``{% load plans_referrals %}``.

- ``{% referral_step referral is_referrer is_provider %}`` on a referral's page: for the referring program, the
  step of the participant's plan the referral was made for and a link to the plan; for the receiving provider,
  that step's text and due date only (selectors.step_for_provider), nothing else of the plan.
- ``{% search_for_step %}`` and ``{% search_for_step_fields %}`` on the search page: a note that the search is for
  a step of a participant's plan, and the participant's and step's opaque ids kept when the search is refined, so
  that "Refer" from a result still refers for the step (the refer page checks it). No query.
- ``{% refer_for_step participant %}`` on the refer page: the step the referral will be made for (the page's
  ``?step=``, an opaque id carried from the plan's "find providers" through the search).
"""

import uuid

from django import template

from plans import selectors
from plans.models import OPEN_STEP_STATUSES, Step

register = template.Library()


@register.inclusion_tag("plans/_referral_step.html", takes_context=True)
def referral_step(context, referral, is_referrer: bool, is_provider: bool) -> dict:
    """A query for the referring side; two for the provider (their organizations, the step)."""
    request = context["request"]
    step = None
    if is_referrer:
        step = Step.objects.filter(referral=referral).select_related("barrier__plan", "barrier__category").first()
    elif is_provider:
        step = selectors.step_for_provider(request.user, referral)
    return {
        "step": step,
        "is_referrer": is_referrer,
        "participant_id": referral.participant_id,
        "erased": is_referrer and context.get("erasure") is not None,
    }


@register.inclusion_tag("plans/_refer_for_step.html", takes_context=True)
def refer_for_step(context, participant) -> dict:
    """The step of ``participant``'s plan named by the page's ``?step=``, if ``user`` may change that plan and the
    step is open; the page says so when it is not (the referral would be refused). No query without ``?step=``."""
    request = context["request"]
    step_id = request.GET.get("step", "")
    if not step_id or participant is None:
        return {"step_id": ""}
    step = (
        Step.objects.filter(
            pk=step_id if _is_uuid(step_id) else None,
            barrier__plan__in=selectors.plans_changeable_by(request.user).values("pk"),
            barrier__plan__participant=participant,
            status__in=OPEN_STEP_STATUSES,
        )
        .select_related("barrier__category", "barrier__plan")
        .first()
    )
    return {"step_id": step_id, "step": step}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _plan_parameters(request) -> dict:
    """The participant and step a search was opened for, from the plan's "find providers" (opaque ids only)."""
    step, participant = request.GET.get("step", ""), request.GET.get("participant", "")
    if not (_is_uuid(step) and _is_uuid(participant)):
        return {}
    return {"step": step, "participant": participant}


@register.inclusion_tag("plans/_search_for_step.html", takes_context=True)
def search_for_step(context) -> dict:
    return {"parameters": _plan_parameters(context["request"]), "fields": False}


@register.inclusion_tag("plans/_search_for_step.html", takes_context=True)
def search_for_step_fields(context) -> dict:
    return {"parameters": _plan_parameters(context["request"]), "fields": True}
