"""An agency draws its service area on a map, or pastes it as GeoJSON; search honours the area.

Without JavaScript the page is a GeoJSON text box, checked by the server with a message beside it; the
map script (a static file: the CSP allows no inline script) only fills that box in.
"""

import json
import re

import pytest
from django.urls import reverse

from providers.models import ChangeRecord, PendingEdit, ServiceArea

from .conftest import html_of, open_form, post_form, read_form
from .test_permissions import database_state

# Around Westwood (ZIP 80219, Denver); Aurora's 80010 is outside.
SQUARE = [[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def areas_url(service) -> str:
    return reverse("portal:service_edit", args=[service.pk, "areas"])


def draw(client, service, polygon_text: str, **changes):
    """Post the areas page with a new area on a map, as the map script (or a person typing) fills it in."""
    form = open_form(client, areas_url(service))
    return post_form(
        client,
        areas_url(service),
        form,
        areas__0__extent_type="geojson",
        areas__0__name="Southwest Denver",
        areas__0__polygon=polygon_text,
        **changes,
    )


def test_it_saves_a_polygon_with_its_history(client, alice, service_a):
    """alice's polygon is saved as GeoJSON on a new service area, and the history records it."""
    client.force_login(alice)

    response = draw(client, service_a, json.dumps(POLYGON))

    assert response.status_code == 302
    area = ServiceArea.objects.get(service=service_a)
    assert (area.extent_type, area.name, area.polygon) == (ServiceArea.ExtentType.POLYGON, "Southwest Denver", POLYGON)
    record = ChangeRecord.objects.get()
    assert (record.action, record.resource_type, record.service, record.changed_by) == (
        "create",
        "service_area",
        service_a,
        alice,
    )


def test_it_shows_the_saved_polygon_and_records_a_change_of_it(client, alice, service_a):
    """The saved area reads back into the box; moving a corner is a change of the polygon field in the history."""
    ServiceArea.objects.create(service=service_a, extent_type="geojson", name="Southwest Denver", polygon=POLYGON)
    client.force_login(alice)
    form = open_form(client, areas_url(service_a))
    assert json.loads(form["areas-0-polygon"][0]) == POLYGON
    moved = [[-105.2, 39.6], *SQUARE[1:4], [-105.2, 39.6]]

    response = post_form(
        client, areas_url(service_a), form, areas__0__polygon=json.dumps({"type": "Polygon", "coordinates": [moved]})
    )

    assert response.status_code == 302
    assert ServiceArea.objects.get().polygon["coordinates"][0][0] == [-105.2, 39.6]
    record = ChangeRecord.objects.get()
    assert (record.action, record.field_name) == ("update", "polygon")
    assert json.loads(record.previous_value) == POLYGON


def test_it_takes_a_feature_and_drops_altitudes(client, alice, service_a):
    """A Feature as map tools save it gives its geometry; a third number in a point (altitude) is dropped."""
    client.force_login(alice)
    feature = {
        "type": "Feature",
        "properties": {"name": "x"},
        "geometry": {"type": "Polygon", "coordinates": [[[*point, 1600] for point in SQUARE]]},
    }

    response = draw(client, service_a, json.dumps(feature))

    assert response.status_code == 302
    assert ServiceArea.objects.get().polygon == POLYGON


def test_it_takes_a_multipolygon(client, alice, service_a):
    """Two separate parts make one area."""
    client.force_login(alice)
    other = [[-104.8, 39.6], [-104.7, 39.6], [-104.7, 39.7], [-104.8, 39.6]]
    geometry = {"type": "MultiPolygon", "coordinates": [[SQUARE], [other]]}

    assert draw(client, service_a, json.dumps(geometry)).status_code == 302

    assert ServiceArea.objects.get().polygon == geometry


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"type": "Polygon", "coordinates": [[[-105.1, 39.6],',
            "This is not valid GeoJSON: check the brackets, commas and quotes.",
        ),
        # Nested deeper than any GeoJSON (this used to exhaust Python's recursion limit: a 500).
        ("[" * 100_000 + "]" * 100_000, "This is not valid GeoJSON: check the brackets, commas and quotes."),
        (
            '{"type": "Polygon", "coordinates": ' + "[" * 5_000,
            "This is not valid GeoJSON: check the brackets, commas and quotes.",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[-105.1, 39.6], [NaN, 39.6], [-104.9, 39.8], [-105.1, 39.6]]]}',
            "This is not valid GeoJSON: check the brackets, commas and quotes.",
        ),
        ('{"type": "Point", "coordinates": [-105, 39.7]}', "Give a GeoJSON Polygon or MultiPolygon, not Point."),
        ("[1, 2]", "Give a GeoJSON Polygon or MultiPolygon, not [1, 2]."),
        (
            json.dumps({"type": "Polygon", "coordinates": [SQUARE[:4]]}),
            "A ring must end at the point it starts from: add [-105.1, 39.6] at its end to close it.",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[SQUARE[0], SQUARE[1], SQUARE[0]]]}),
            "A ring needs at least 4 points: 3 corners, then the first corner again to close it. This one has 3.",
        ),
        (
            json.dumps(
                {"type": "Polygon", "coordinates": [[[39.6, -105.1], [39.6, -104.9], [39.8, -104.9], [39.6, -105.1]]]}
            ),
            "[39.6, -105.1] is off the map: a point is [longitude, latitude], the longitude between -180 and 180 and "
            "the latitude between -90 and 90.",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [[["-105.1", "39.6"]]]}),
            "The coordinates must be lists of rings of [longitude, latitude] pairs of numbers.",
        ),
        ("", "Draw the area on the map, or paste it as a GeoJSON Polygon."),
    ],
)
def test_it_saves_nothing_and_says_what_is_wrong_beside_the_box(client, alice, service_a, text, message):
    """Bad GeoJSON: status 400, the message beside the box, the text kept for correcting, nothing saved."""
    client.force_login(alice)
    before = database_state(), ServiceArea.objects.count()

    response = draw(client, service_a, text)

    assert response.status_code == 400
    html = html_of(response)
    assert "Nothing was saved. Correct what is marked below." in html
    error = re.search(r'<p class="field__error" id="id_areas-0-polygon_error">(.*?)</p>', html)
    assert error is not None
    assert error.group(1).replace("&quot;", '"').replace("&#x27;", "'") == message
    assert "one kind of extent" not in html, "said once, beside the box"
    if text:
        assert read_form(html)["areas-0-polygon"] == [text]
    assert (database_state(), ServiceArea.objects.count()) == before


def test_it_drops_a_polygon_when_the_area_becomes_zip_codes(client, alice, service_a):
    """Only the chosen kind of area is kept: switching to ZIP codes removes the polygon."""
    ServiceArea.objects.create(service=service_a, extent_type="geojson", name="Southwest Denver", polygon=POLYGON)
    client.force_login(alice)

    response = post_form(
        client,
        areas_url(service_a),
        open_form(client, areas_url(service_a)),
        areas__0__extent_type="postal_codes",
        areas__0__postal_codes="80219",
    )

    assert response.status_code == 302
    area = ServiceArea.objects.get()
    assert (area.extent_type, area.postal_codes, area.polygon) == ("postal_codes", ["80219"], None)


def test_it_loads_the_map_from_static_files_only(client, alice, service_a):
    """Leaflet and the map script load as files, with no inline script; the box tells the script where to open."""
    client.force_login(alice)

    html = html_of(client.get(areas_url(service_a)))

    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts), scripts
    assert "/static/search/vendor/leaflet/leaflet.js" in html and "/static/providers/area_map.js" in html
    assert "/static/search/vendor/leaflet/leaflet.css" in html
    assert "data-area-map" in html and 'data-center="39.69560,-105.03410"' in html
    assert " style=" not in html


def test_it_holds_a_drawn_area_for_review_and_publishes_it_when_approved(
    client, alice, admin, service_a, review_mode, django_capture_on_commit_callbacks
):
    """In review mode the area waits; the reviewer sees it; approving saves it with alice as author."""
    client.force_login(alice)

    assert draw(client, service_a, json.dumps(POLYGON)).status_code == 302

    assert not ServiceArea.objects.exists()
    edit = PendingEdit.objects.get()
    assert (edit.section, edit.service) == ("areas", service_a)
    client.force_login(admin)
    review_url = reverse("portal:review_edit", args=[edit.pk])
    page = html_of(client.get(review_url))
    assert "Southwest Denver" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url, {"decision": "approve", "note": "", "version": read_form(page)["version"][0]}
        )
    assert response.status_code == 302
    assert ServiceArea.objects.get().polygon == POLYGON
    assert ChangeRecord.objects.get().pending_edit == edit


@pytest.mark.parametrize("persona", ["bob", "carol"])
def test_it_answers_404_to_other_organizations_and_changes_nothing(client, alice, service_a, persona, request):
    """bob and carol cannot draw an area on alice's listing."""
    client.force_login(alice)
    form = open_form(client, areas_url(service_a))
    client.force_login(request.getfixturevalue(persona))
    before = database_state(), ServiceArea.objects.count()

    response = post_form(
        client, areas_url(service_a), form, areas__0__extent_type="geojson", areas__0__polygon=json.dumps(POLYGON)
    )

    assert response.status_code == 404
    assert (database_state(), ServiceArea.objects.count()) == before


def serves(client, service, zip_code: str, serves_me: bool = True) -> bool:
    parameters = {"zip": zip_code, "page_size": 100, **({"serves_me": "true"} if serves_me else {})}
    response = client.get(reverse("search:api"), parameters)
    assert response.status_code == 200, response.content
    return str(service.pk) in {result["service"]["id"] for result in response.json()["results"]}


def test_it_finds_the_service_from_a_zip_inside_the_drawn_area_only(
    client, alice, service_a, search_index, django_capture_on_commit_callbacks
):
    """Once drawn, "serves where the participant lives" finds the service from 80219 (inside), not from 80010."""
    client.force_login(alice)
    assert serves(client, service_a, "80010"), "no area yet: it serves everywhere"

    with django_capture_on_commit_callbacks(execute=True):
        assert draw(client, service_a, json.dumps(POLYGON)).status_code == 302

    assert serves(client, service_a, "80219")
    assert not serves(client, service_a, "80010")
    assert serves(client, service_a, "80010", serves_me=False), "without the filter it is found, ranked lower"
