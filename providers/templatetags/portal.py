"""The agency portal's corner of the public service page: edit and confirm for its editors, a report
form for everyone else who is signed in."""

from django import template

from providers.access import can_edit_service
from providers.models import Service
from providers.portal.forms import ReportProblemForm

register = template.Library()


@register.inclusion_tag("providers/portal/_listing_tools.html", takes_context=True)
def listing_tools(context, service: Service) -> dict:
    """Costs two queries for a signed-in reader, none for an anonymous one."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "service": service,
        "can_edit": can_edit_service(user, service),
        "form": ReportProblemForm(auto_id="report-%s"),
        "csrf_token": context.get("csrf_token"),
    }
