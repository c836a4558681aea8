"""The staff admin shows resource lists, sends, favourites and team lists to network admins only: a staff
member of an organization with every Django permission still gets no page (lists name participants)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["resourcelist", "handover", "favourite", "teamlist"]


def test_it_refuses_staff_who_are_not_network_admins(client, carol, resource_list):
    carol.is_staff = True
    carol.save()
    carol.user_permissions.set(Permission.objects.filter(content_type__app_label="handouts"))
    client.force_login(carol)
    for name in PAGES:
        assert client.get(reverse(f"admin:handouts_{name}_changelist")).status_code == 403, name
    assert client.get(reverse("admin:handouts_resourcelist_change", args=[resource_list.pk])).status_code in (302, 403)


def test_it_shows_them_to_network_admins_without_tokens(client, admin, resource_list):
    from handouts import services

    link = services.list_link_for(resource_list)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.get(reverse("admin:handouts_resourcelist_change", args=[resource_list.pk]))
    assert response.status_code == 200
    assert "Sunrise Daycare" in response.content.decode()
    assert link.token not in response.content.decode()
