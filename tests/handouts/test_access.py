"""Every door of the resource lists: only the list's organization's case managers get in; another program
gets a 404, an anonymous visitor the sign-in page, an agency editor a 403 that says why; the private link
works without an account until it expires, then says so clearly."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from handouts import services
from handouts.models import Favourite, ListLink, TeamList

pytestmark = pytest.mark.django_db


def list_doors(resource_list) -> list[tuple[str, str]]:
    item = resource_list.items.get()
    args = [resource_list.pk]
    return [
        ("get", reverse("handouts:detail", args=args)),
        ("post", reverse("handouts:detail", args=args)),
        ("get", reverse("handouts:handout", args=args)),
        ("post", reverse("handouts:send", args=args)),
        ("post", reverse("handouts:make_link", args=args)),
        ("post", reverse("handouts:use", args=args)),
        ("post", reverse("handouts:set_participant", args=args)),
        ("post", reverse("handouts:item_move", args=[resource_list.pk, item.pk])),
        ("post", reverse("handouts:item_remove", args=[resource_list.pk, item.pk])),
    ]


def test_it_sends_anonymous_visitors_to_sign_in(client, resource_list):
    """Every list page asks an anonymous visitor to sign in, and nothing changes."""
    for method, url in [*list_doors(resource_list), ("get", reverse("handouts:index"))]:
        response = getattr(client, method)(url, {"channel": "email"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert resource_list.items.count() == 1
    assert not ListLink.objects.exists()


def test_it_hides_a_list_from_another_program(client, resource_list, dave):
    """A case manager of another program gets a 404 at every door of the list, and nothing changes."""
    client.force_login(dave)
    for method, url in list_doors(resource_list):
        response = getattr(client, method)(url, {"channel": "email", "direction": "up", "advice-1": "x"})
        assert response.status_code == 404, url
    assert resource_list.items.get().advice == "Ask for Ana at the front desk."
    assert not ListLink.objects.exists()
    assert not resource_list.handovers.exists()
    assert client.get(reverse("handouts:participant", args=[resource_list.participant_id])).status_code == 404


def test_it_hides_lists_from_the_receiving_agency(client, resource_list, alice):
    """Alice, an agency editor, is told lists are the case managers'; the list itself does not exist for her."""
    client.force_login(alice)
    response = client.get(reverse("handouts:index"))
    assert response.status_code == 403
    assert "kept by the case managers of a program" in response.content.decode()
    assert client.get(reverse("handouts:detail", args=[resource_list.pk])).status_code == 404


def test_it_lets_the_programs_case_manager_in(client, resource_list, carol):
    response = client.get(reverse("handouts:detail", args=[resource_list.pk]))
    assert response.status_code == 302
    client.force_login(carol)
    response = client.get(reverse("handouts:detail", args=[resource_list.pk]))
    assert response.status_code == 200
    assert "Sunrise Daycare" in response.content.decode()


def test_it_keeps_team_lists_to_their_program(client, carol, dave, daycare, workforce_program):
    team_list = services.team_list_create(organization=workforce_program, name="Our go-to child care", created_by=carol)
    client.force_login(dave)
    for method, url in [
        ("get", reverse("handouts:team_list", args=[team_list.pk])),
        ("post", reverse("handouts:team_list_add", args=[team_list.pk])),
        ("post", reverse("handouts:team_list_remove", args=[team_list.pk])),
        ("post", reverse("handouts:team_list_use", args=[team_list.pk])),
    ]:
        assert getattr(client, method)(url, {"service": daycare.pk}).status_code == 404, url
    assert not team_list.items.exists()
    assert "Our go-to child care" not in client.get(reverse("handouts:team_lists")).content.decode()
    client.logout()
    assert client.get(reverse("handouts:team_lists")).status_code == 302


def test_it_lets_only_case_managers_star(client, alice, daycare):
    url = reverse("handouts:favourite", args=[daycare.pk])
    assert client.post(url).status_code == 302  # to sign in
    client.force_login(alice)
    assert client.post(url).status_code == 403
    assert not Favourite.objects.exists()


def test_it_opens_the_private_link_without_an_account(client, resource_list):
    """The link's token is exchanged for the session; the page itself carries no token."""
    link = services.list_link_for(resource_list)
    response = client.get(reverse("handouts:shared", args=[link.token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("handouts:shared_page")
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Guardería Amanecer" in text
    assert 'href="tel:3035550100;ext=12"' in text
    assert "Abierto ahora" in text or "Cerrado ahora" in text
    assert link.token not in text


def test_it_says_clearly_when_the_link_has_expired(client, resource_list):
    link = services.list_link_for(resource_list)
    ListLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("handouts:shared", args=[link.token]))
    assert response.status_code == 410
    text = response.content.decode()
    assert "This list&#x27;s private link has expired." in text or "This list's private link has expired." in text
    assert "Sunrise Daycare" not in text


def test_it_stops_an_opened_page_once_the_link_expires(client, resource_list):
    link = services.list_link_for(resource_list)
    client.get(reverse("handouts:shared", args=[link.token]))
    ListLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("handouts:shared_page"))
    assert response.status_code == 410
    assert "Sunrise Daycare" not in response.content.decode()


def test_it_refuses_a_wrong_token(client, resource_list):
    services.list_link_for(resource_list)
    response = client.get(reverse("handouts:shared", args=["not-the-token"]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert client.get(reverse("handouts:shared_page")).status_code == 404


def test_it_gives_a_fresh_link_for_an_expired_one(resource_list):
    link = services.list_link_for(resource_list)
    ListLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    fresh = services.list_link_for(resource_list)
    assert fresh.token != link.token
    assert not fresh.is_expired
    assert services.link_for_token(link.token) is None


def test_team_list_names_are_unique_per_program(carol, workforce_program):
    services.team_list_create(organization=workforce_program, name="Child care", created_by=carol)
    with pytest.raises(Exception, match="already has a team list"):
        services.team_list_create(organization=workforce_program, name="child  care", created_by=carol)
    assert TeamList.objects.count() == 1
