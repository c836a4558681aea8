"""Who may see and change which listings. One helper per object type; views call these, never their own checks.

Listings are public while listed (active or temporarily closed). Editors of an organization and
network admins also see its unlisted services, and only they may change them.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from directory.access import is_network_admin
from directory.models import Membership
from providers.models import Correction, Location, Organization, Service, ServiceAtLocation


def organizations_edited_by(user) -> QuerySet[Organization]:
    """Return the organizations whose listings ``user`` may change."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if is_network_admin(user):
        return Organization.objects.all()
    return Organization.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.AGENCY_EDITOR
    ).distinct()


def services_visible_to(user) -> QuerySet[Service]:
    """Return the services ``user`` may see: every listed one, plus the unlisted ones they edit."""
    listed = Service.objects.listed()
    if not user.is_authenticated:
        return listed
    return listed | Service.objects.filter(organization__in=organizations_edited_by(user))


def get_service_for_user(user, service_id) -> Service:
    """Return the service if ``user`` may see it; 404 otherwise, so a hidden listing stays hidden."""
    try:
        return services_visible_to(user).distinct().get(pk=service_id)
    except (Service.DoesNotExist, ValidationError):
        raise Http404("No such service") from None


def get_organization_for_editor(user, organization_id) -> Organization:
    """Return the organization if ``user`` may change its listings; 404 otherwise."""
    try:
        return organizations_edited_by(user).get(pk=organization_id)
    except (Organization.DoesNotExist, ValidationError):
        raise Http404("No such organization") from None


def can_edit_service(user, service: Service) -> bool:
    return organizations_edited_by(user).filter(pk=service.organization_id).exists()


def get_service_for_editor(user, service_id) -> Service:
    """Return the service if ``user`` may change it; 404 otherwise."""
    try:
        return Service.objects.select_related("organization").get(
            pk=service_id, organization__in=organizations_edited_by(user)
        )
    except (Service.DoesNotExist, ValidationError):
        raise Http404("No such service") from None


def get_location_for_editor(user, location_id) -> Location:
    try:
        return Location.objects.select_related("organization").get(
            pk=location_id, organization__in=organizations_edited_by(user)
        )
    except (Location.DoesNotExist, ValidationError):
        raise Http404("No such location") from None


def get_correction_for_editor(user, correction_id) -> Correction:
    try:
        return Correction.objects.select_related("service__organization").get(
            pk=correction_id, service__organization__in=organizations_edited_by(user)
        )
    except (Correction.DoesNotExist, ValidationError):
        raise Http404("No such correction") from None


def get_service_at_location_for_editor(user, service_id, location_id) -> ServiceAtLocation:
    """Return a service's place at one of its locations if ``user`` may change the service; 404 otherwise.

    The service decides (directory.access); the location must be one the service is offered at.
    """
    service = get_service_for_editor(user, service_id)
    try:
        service_at_location = service.service_at_locations.select_related("location").get(location_id=location_id)
    except (ServiceAtLocation.DoesNotExist, ValidationError):
        raise Http404("No such location of the service") from None
    service_at_location.service = service  # with its organization, already read
    return service_at_location
