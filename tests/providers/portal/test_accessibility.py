"""Getting there (issue 19): an agency says on its location's page what the place has for people with
disabilities, as known features (which search filters on) with details in words."""

from django.urls import reverse
from django.utils import translation

from providers.models import Accessibility, ChangeRecord, PendingEdit
from providers.portal.forms import ACCESSIBILITY_SAY_WHAT_MESSAGE

from .conftest import html_of, open_form, post_form
from .test_review_without_loss import approve, send_for_review


def location_url(service) -> str:
    return reverse("portal:location_edit", args=[service.locations.get().pk])


def test_it_adds_a_feature_with_details_and_records_it(client, alice, service_a):
    """alice ticks a step-free entrance with where it is: the place has it, and the history says so."""
    client.force_login(alice)
    url = location_url(service_a)

    response = post_form(
        client,
        url,
        open_form(client, url),
        accessibility__0__feature="step_free_entrance",
        accessibility__0__details="Ramp at the side door on 5th St",
    )

    assert response.status_code == 302
    feature = Accessibility.objects.get(location=service_a.locations.get())
    assert feature.feature == Accessibility.Feature.STEP_FREE_ENTRANCE
    assert feature.details == "Ramp at the side door on 5th St"
    assert feature.description == "Step-free entrance"  # as HSDS will carry it
    change = ChangeRecord.objects.get(resource_type=ChangeRecord.ResourceType.ACCESSIBILITY)
    assert change.action == ChangeRecord.Action.CREATE
    assert change.changed_by == alice


def test_it_offers_the_features_in_spanish(client, alice, service_a):
    """The editor reading in Spanish chooses among the features named in Spanish."""
    client.force_login(alice)
    with translation.override("es"):
        html = html_of(client.get(location_url(service_a), headers={"accept-language": "es"}))
    assert "Entrada sin escalones" in html
    assert "Baño accesible" in html


def test_it_refuses_the_same_feature_twice(client, alice, service_a):
    """A feature listed twice is refused with a reason, and nothing is saved."""
    client.force_login(alice)
    url = location_url(service_a)
    post_form(client, url, open_form(client, url), accessibility__0__feature="elevator")

    response = post_form(client, url, open_form(client, url), accessibility__1__feature="elevator")

    assert response.status_code == 400
    assert "Elevator is listed twice" in html_of(response)
    assert Accessibility.objects.filter(location=service_a.locations.get()).count() == 1


def test_it_refuses_an_unknown_feature_and_adds_nothing_for_an_empty_row(client, alice, service_a):
    """The blank row left empty adds nothing; a feature not in the list is refused."""
    client.force_login(alice)
    url = location_url(service_a)

    response = post_form(client, url, open_form(client, url), accessibility__0__details="")
    assert response.status_code == 302
    assert not Accessibility.objects.exists()

    response = post_form(client, url, open_form(client, url), accessibility__0__feature="not-a-feature")
    assert response.status_code == 400
    assert not Accessibility.objects.exists()


def test_it_refuses_a_feature_changed_to_other_with_no_words(client, alice, service_a):
    """A known feature changed to "Other" must say in the details what there is; it stays as it was."""
    client.force_login(alice)
    url = location_url(service_a)
    post_form(client, url, open_form(client, url), accessibility__0__feature="elevator")

    response = post_form(client, url, open_form(client, url), accessibility__0__feature="")

    assert response.status_code == 400
    assert str(ACCESSIBILITY_SAY_WHAT_MESSAGE) in html_of(response)
    assert Accessibility.objects.get().feature == Accessibility.Feature.ELEVATOR


def test_it_approves_only_the_feature_the_held_edit_added(client, alice, admin, service_a, review_mode):
    """In review mode alice adds an elevator; meanwhile an accessible restroom is recorded on the listing.
    Approving alice's edit adds the elevator and keeps the restroom."""
    location = service_a.locations.get()
    edit = send_for_review(client, alice, location_url(service_a), accessibility__0__feature="elevator")
    assert isinstance(edit, PendingEdit)
    assert not Accessibility.objects.exists()  # held, not published
    Accessibility.objects.create(location=location, feature=Accessibility.Feature.ACCESSIBLE_RESTROOM)

    assert approve(client, admin, edit).status_code == 302

    features = set(Accessibility.objects.filter(location=location).values_list("feature", flat=True))
    assert features == {Accessibility.Feature.ELEVATOR, Accessibility.Feature.ACCESSIBLE_RESTROOM}


def test_the_wheelchair_filter_follows_the_edit(
    client, alice, service_a, search_index, django_capture_on_commit_callbacks
):
    """Once alice says her place has a step-free entrance, a search for wheelchair-accessible services finds it."""

    def found() -> bool:
        results = client.get("/api/v1/search/", {"accessible": "true"}).json()["results"]
        return str(service_a.pk) in [result["service"]["id"] for result in results]

    assert not found()
    client.force_login(alice)
    url = location_url(service_a)
    with django_capture_on_commit_callbacks(execute=True):
        post_form(client, url, open_form(client, url), accessibility__0__feature="step_free_entrance")

    assert found()
