"""One access helper per object type decides who sees and changes what."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from directory.access import is_network_admin
from providers.access import (
    can_edit_service,
    get_organization_for_editor,
    get_service_for_user,
    organizations_edited_by,
)
from providers.models import Service


def test_it_shows_listed_services_to_everyone(service_a, bob, carol):
    """An active listing is public: anonymous visitors, case managers and other agencies see it."""
    for user in [AnonymousUser(), bob, carol]:
        assert get_service_for_user(user, service_a.pk) == service_a


def test_it_hides_unlisted_services_from_all_but_their_editors_and_admins(service_a, alice, bob, carol, admin):
    """An inactive listing: 404 for other agencies and case managers; its editors and admins still see it."""
    Service.objects.filter(pk=service_a.pk).update(status=Service.Status.INACTIVE)
    for user in [AnonymousUser(), bob, carol]:
        with pytest.raises(Http404):
            get_service_for_user(user, service_a.pk)
    assert get_service_for_user(alice, service_a.pk) == service_a
    assert get_service_for_user(admin, service_a.pk) == service_a


def test_it_lets_only_editors_and_admins_change_an_organization(agency_a, agency_b, alice, bob, carol, admin):
    """alice edits agency A only; bob cannot; a case manager edits nothing; an admin edits everything."""
    assert get_organization_for_editor(alice, agency_a.pk) == agency_a
    for user, organization in [(bob, agency_a), (alice, agency_b), (carol, agency_a)]:
        with pytest.raises(Http404):
            get_organization_for_editor(user, organization.pk)
    assert set(organizations_edited_by(admin)) >= {agency_a, agency_b}
    assert list(organizations_edited_by(carol)) == []


def test_it_decides_service_edits_by_organization(service_a, alice, bob, admin):
    """A service is changed by its organization's editors and by network admins."""
    assert can_edit_service(alice, service_a)
    assert can_edit_service(admin, service_a)
    assert not can_edit_service(bob, service_a)


def test_it_knows_network_admins(admin, alice, django_user_model):
    """Network admins are members with that role, or superusers."""
    assert is_network_admin(admin)
    assert not is_network_admin(alice)
    assert not is_network_admin(AnonymousUser())
    assert is_network_admin(django_user_model.objects.create_superuser("root", "root@example.org", "x"))


def test_it_returns_404_for_malformed_ids(alice):
    """A malformed id is a 404, not a crash."""
    with pytest.raises(Http404):
        get_service_for_user(alice, "not-a-uuid")
    with pytest.raises(Http404):
        get_organization_for_editor(alice, "not-a-uuid")
