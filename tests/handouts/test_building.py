"""Building a list: "Add to list" from a result card or a service page adds to the list being built (or starts
one), the order changes with Up and Down, each service gets one line of advice, and a service comes off.
Stars toggle, team lists fill from a service page and copy onto a list, and all show on the search page."""

import pytest
from django.urls import reverse

from handouts import services
from handouts.models import Favourite, ResourceList, TeamList
from providers.models import Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelter(agency_b) -> Service:
    return Service.objects.create(organization=agency_b, name="Safe Harbor Shelter", description="Beds.")


@pytest.fixture
def signed_in(client, carol):
    client.force_login(carol)
    return client


def test_it_starts_a_list_with_the_first_service_added(signed_in, daycare, shelter, carol):
    page = reverse("providers:service_detail", args=[daycare.pk])
    response = signed_in.post(reverse("handouts:add"), {"service": str(daycare.pk), "next": page})
    assert response["Location"] == page
    signed_in.post(reverse("handouts:add"), {"service": str(shelter.pk), "next": page})
    signed_in.post(reverse("handouts:add"), {"service": str(daycare.pk), "next": page})  # already on it
    resource_list = ResourceList.objects.get()
    assert resource_list.participant is None
    assert resource_list.created_by == carol
    assert [item.service.name for item in resource_list.items.all()] == ["Sunrise Daycare", "Safe Harbor Shelter"]
    text = signed_in.get(page).content.decode()
    assert "Add to “Resource list”" in text


def test_a_participants_list_is_named_for_them_on_the_buttons(signed_in, participant, daycare):
    signed_in.post(reverse("handouts:create"), {"participant": str(participant.pk), "title": ""})
    text = signed_in.get(reverse("providers:service_detail", args=[daycare.pk])).content.decode()
    assert "Add to the list for M. R." in text


def test_it_reorders_advises_and_removes(signed_in, resource_list, shelter):
    services.resource_list_add(resource_list=resource_list, service=shelter)
    daycare_item, shelter_item = resource_list.items.all()
    url = reverse("handouts:item_move", args=[resource_list.pk, shelter_item.pk])
    assert signed_in.post(url, {"direction": "up"}).status_code == 302
    assert [item.pk for item in resource_list.items.all()] == [shelter_item.pk, daycare_item.pk]
    signed_in.post(url, {"direction": "up"})  # already first: nothing moves
    assert [item.pk for item in resource_list.items.all()] == [shelter_item.pk, daycare_item.pk]

    response = signed_in.post(
        reverse("handouts:detail", args=[resource_list.pk]),
        {
            "title": "Housing first",
            f"advice-{shelter_item.pk}": "Go before 5 pm.\nBring ID.",
            f"advice-{daycare_item.pk}": "",
        },
    )
    assert response.status_code == 302
    shelter_item.refresh_from_db()
    assert shelter_item.advice == "Go before 5 pm. Bring ID."  # one line
    resource_list.refresh_from_db()
    assert resource_list.title == "Housing first"

    too_long = signed_in.post(
        reverse("handouts:detail", args=[resource_list.pk]), {"title": "x", f"advice-{shelter_item.pk}": "a" * 201}
    )
    assert too_long.status_code == 200
    assert "Correct the highlighted tips" in too_long.content.decode()
    shelter_item.refresh_from_db()
    assert shelter_item.advice == "Go before 5 pm. Bring ID."

    signed_in.post(reverse("handouts:item_remove", args=[resource_list.pk, shelter_item.pk]))
    assert [item.service.name for item in resource_list.items.all()] == ["Sunrise Daycare"]


def test_it_refuses_an_unlisted_service(signed_in, daycare):
    daycare.status = Service.Status.DEFUNCT
    daycare.save()
    assert signed_in.post(reverse("handouts:add"), {"service": str(daycare.pk)}).status_code == 404
    assert not ResourceList.objects.exists()


def test_it_ignores_a_next_address_elsewhere(signed_in, daycare):
    response = signed_in.post(reverse("handouts:add"), {"service": str(daycare.pk), "next": "https://evil.example/"})
    assert response["Location"] == ResourceList.objects.get().get_absolute_url()


def test_it_toggles_a_star_without_javascript(signed_in, carol, daycare):
    page = reverse("providers:service_detail", args=[daycare.pk])
    text = signed_in.get(page).content.decode()
    assert 'aria-label="Star Sunrise Daycare"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    signed_in.post(reverse("handouts:favourite", args=[daycare.pk]), {"next": page})
    assert Favourite.objects.filter(user=carol, service=daycare).exists()
    assert 'aria-pressed="true"' in signed_in.get(page).content.decode()
    signed_in.post(reverse("handouts:favourite", args=[daycare.pk]), {"next": page})
    assert not Favourite.objects.exists()


def test_the_star_needs_the_csrf_token(carol, daycare):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(carol)
    assert browser.post(reverse("handouts:favourite", args=[daycare.pk])).status_code == 403
    assert not Favourite.objects.exists()


def test_team_lists_fill_from_a_service_page_and_copy_onto_a_list(
    signed_in, carol, daycare, shelter, workforce_program
):
    response = signed_in.post(reverse("handouts:team_lists"), {"name": "Our go-to child care"})
    team_list = TeamList.objects.get()
    assert response["Location"] == team_list.get_absolute_url()
    page = reverse("providers:service_detail", args=[daycare.pk])
    assert "Our go-to child care" in signed_in.get(page).content.decode()
    signed_in.post(reverse("handouts:team_list_add", args=[team_list.pk]), {"service": str(daycare.pk), "next": page})
    signed_in.post(reverse("handouts:team_list_add", args=[team_list.pk]), {"service": str(shelter.pk)})
    assert team_list.items.count() == 2
    signed_in.post(reverse("handouts:team_list_remove", args=[team_list.pk]), {"service": str(shelter.pk)})
    assert [item.service for item in team_list.items.all()] == [daycare]

    response = signed_in.post(reverse("handouts:team_list_use", args=[team_list.pk]))
    resource_list = ResourceList.objects.get()
    assert response["Location"] == resource_list.get_absolute_url()
    assert resource_list.title == "Our go-to child care"
    assert [item.service for item in resource_list.items.all()] == [daycare]


def test_the_search_page_shows_the_shortcuts(signed_in, carol, daycare, workforce_program):
    Favourite.objects.create(user=carol, service=daycare)
    services.team_list_create(organization=workforce_program, name="Our go-to child care", created_by=carol)
    text = signed_in.get(reverse("search:page")).content.decode()
    assert "Your shortcuts" in text
    assert "★ Sunrise Daycare" in text
    assert "Our go-to child care" in text


def test_the_search_page_shows_no_shortcuts_to_agency_editors(client, alice):
    client.force_login(alice)
    assert "Your shortcuts" not in client.get(reverse("search:page")).content.decode()


def test_a_participant_of_another_program_cannot_be_chosen(signed_in, resource_list, dave, other_program):
    from referrals import services as referral_services

    stranger = referral_services.participant_create(organization=other_program, created_by=dave, display_name="Z. Z.")
    response = signed_in.post(
        reverse("handouts:set_participant", args=[resource_list.pk]), {"participant": str(stranger.pk)}
    )
    assert response.status_code == 302
    resource_list.refresh_from_db()
    assert resource_list.participant.display_name == "M. R."
