"""Publishing modes: edits go live at once with their history, or wait for a network admin's review."""

import datetime

from django.urls import reverse

from providers.models import ChangeRecord, NetworkSettings, PendingEdit, Schedule, Service
from search.backends.whoosh import index
from tests.search.conftest import make_service

from .conftest import html_of, monday_hours, open_form, post_form, read_form


def hours_url(service: Service) -> str:
    return reverse("portal:service_edit", args=[service.pk, "hours"])


def test_it_publishes_an_edit_at_once_with_its_history(client, alice, service_a):
    """In the default mode alice's new Monday hours are live right away, and the history says who changed what."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    response = post_form(client, hours_url(service_a), form, hours__0__opens_at="07:30")

    assert response.status_code == 302
    assert monday_hours(service_a).opens_at == datetime.time(7, 30)
    record = ChangeRecord.objects.get()
    assert (record.changed_by, record.service, record.field_name) == (alice, service_a, "opens_at")
    assert (record.previous_value, record.replacement_value) == ("07:00", "07:30")
    assert record.resource_label == "Monday 07:30–18:00"
    assert "7:30 a.m." in html_of(client.get(service_a.get_absolute_url()))
    assert not PendingEdit.objects.exists()


def test_it_adds_and_removes_rows(client, alice, service_a):
    """The blank row adds a closure; "Remove" takes Friday's hours away; both are in the history."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    response = post_form(
        client,
        hours_url(service_a),
        form,
        hours__4__DELETE="on",
        closures__0__valid_from="2030-12-25",
        closures__0__description="Christmas",
    )

    assert response.status_code == 302
    assert not service_a.schedules.filter(weekday="FR").exists()
    closure = service_a.schedules.get(kind=Schedule.Kind.CLOSURE)
    assert (closure.valid_from, closure.description) == (datetime.date(2030, 12, 25), "Christmas")
    actions = set(ChangeRecord.objects.values_list("action", "resource_type"))
    assert actions == {("delete", "schedule"), ("create", "schedule")}


def test_it_saves_nothing_when_a_field_is_wrong(client, alice, service_a):
    """An hours row without a closing time: the message is beside the field, status 400, nothing saved."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    response = post_form(client, hours_url(service_a), form, hours__0__opens_at="09:00", hours__1__closes_at="")

    assert response.status_code == 400
    html = html_of(response)
    assert "Nothing was saved. Correct what is marked below." in html
    assert 'id="id_hours-1-closes_at_error"' in html
    assert monday_hours(service_a).opens_at == datetime.time(7)
    assert not ChangeRecord.objects.exists()


def test_it_holds_an_edit_for_review_in_review_mode(client, alice, service_a, review_mode):
    """In review mode the edit waits: the listing is unchanged, the edit is in the queue with its difference."""
    client.force_login(alice)
    form = open_form(client, hours_url(service_a))

    response = post_form(client, hours_url(service_a), form, hours__0__opens_at="07:30")

    assert response.status_code == 302
    assert monday_hours(service_a).opens_at == datetime.time(7)
    edit = PendingEdit.objects.get()
    assert (edit.organization, edit.service, edit.section, edit.status) == (
        service_a.organization,
        service_a,
        "hours",
        PendingEdit.Status.PENDING,
    )
    assert edit.changes[0]["previous_value"] == "07:00"
    assert edit.changes[0]["replacement_value"] == "07:30"
    assert not ChangeRecord.objects.exists()
    home = html_of(client.get(reverse("portal:home")))
    assert "Waiting for review" in home


def review_url(edit: PendingEdit) -> str:
    return reverse("portal:review_edit", args=[edit.pk])


def held_edit(client, alice, service_a, **changes) -> PendingEdit:
    client.force_login(alice)
    post_form(client, hours_url(service_a), open_form(client, hours_url(service_a)), **changes)
    client.logout()
    return PendingEdit.objects.get()


def test_it_shows_the_queue_grouped_by_organization_with_a_field_by_field_difference(
    client, alice, bob, admin, service_a, agency_b, review_mode
):
    """The queue lists each organization once with its edits; an edit's page shows each field, before and after."""
    held_edit(client, alice, service_a, hours__0__opens_at="07:30", hours__1__closes_at="17:00")
    service_b = make_service("Lodgepole Rent Help", organization=agency_b, category="daycare")
    client.force_login(bob)
    url = reverse("portal:service_edit", args=[service_b.pk, "details"])
    post_form(client, url, open_form(client, url), name="Lodgepole Rent Assistance")
    client.force_login(admin)

    queue = html_of(client.get(reverse("portal:review_queue")))
    assert queue.count("Agency A") == 1
    assert queue.index("Agency A") < queue.index("Agency B")
    assert "2 changes, sent by alice" in queue

    edit = PendingEdit.objects.get(service=service_a)
    page = html_of(client.get(review_url(edit)))
    assert "<del>7:00 a.m.</del>" in page and "<ins>7:30 a.m.</ins>" in page  # times as the hours editor writes them
    assert "<del>6:00 p.m.</del>" in page and "<ins>5:00 p.m.</ins>" in page
    assert "Opens" in page and "Closes" in page


def test_it_publishes_an_approved_edit_through_the_models(
    client, alice, admin, service_a, review_mode, settings, django_capture_on_commit_callbacks
):
    """Approving applies the edit as alice wrote it, records alice as the author and the review, and reindexes."""
    edit = held_edit(client, alice, service_a, hours__0__opens_at="07:30")
    client.force_login(admin)
    settings.SEARCH_INDEX_UPKEEP = True
    index.rebuild()
    version = open_form(client, review_url(edit))["version"][0]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(review_url(edit), {"decision": "approve", "note": "", "version": version})

    assert response.status_code == 302
    assert monday_hours(service_a).opens_at == datetime.time(7, 30)
    edit.refresh_from_db()
    assert (edit.status, edit.reviewed_by) == (PendingEdit.Status.APPROVED, admin)
    record = ChangeRecord.objects.get()
    assert (record.changed_by, record.pending_edit, record.replacement_value) == (alice, edit, "07:30")
    assert callbacks, "the index upkeep runs after the approval commits"
    document = index.searcher().document(id=str(service_a.pk))
    monday = [hours for hours in document["data"]["locations"][0]["schedules"] if hours[1] == "MO"]
    assert monday[0][2] == datetime.time(7, 30)
    index.reset_searcher()


def test_it_rejects_with_a_note_the_editor_sees(client, alice, admin, service_a, review_mode):
    """A rejection needs a note; the listing stays as it was; alice reads the note in her portal."""
    edit = held_edit(client, alice, service_a, hours__0__opens_at="07:30")
    client.force_login(admin)

    without_note = client.post(review_url(edit), {"decision": "reject", "note": ""})
    assert without_note.status_code == 400
    assert "Say why, so that the agency knows what to change." in html_of(without_note)

    response = client.post(review_url(edit), {"decision": "reject", "note": "Monday opens at 7 on your website."})

    assert response.status_code == 302
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.REJECTED
    assert monday_hours(service_a).opens_at == datetime.time(7)
    client.force_login(alice)
    assert "Monday opens at 7 on your website." in html_of(client.get(reverse("portal:home")))


def test_it_always_publishes_capacity_and_confirmations_at_once(client, alice, service_a, review_mode):
    """Even in review mode, capacity and "still accurate" need no review."""
    client.force_login(alice)

    client.post(reverse("portal:capacity", args=[service_a.pk]), {"capacity_status": "waitlist"})
    client.post(reverse("portal:confirm", args=[service_a.pk]))

    service_a.refresh_from_db()
    assert service_a.capacity_status == Service.Capacity.WAITLIST
    assert service_a.last_verified_by == alice
    assert not PendingEdit.objects.exists()


def test_it_publishes_a_network_admins_own_edit_at_once(client, admin, service_a, review_mode):
    """Network admins are the reviewers: their edits do not wait in their own queue."""
    client.force_login(admin)
    post_form(client, hours_url(service_a), open_form(client, hours_url(service_a)), hours__0__opens_at="07:30")

    assert monday_hours(service_a).opens_at == datetime.time(7, 30)
    assert not PendingEdit.objects.exists()


def test_it_warns_the_reviewer_when_the_listing_changed_since_the_edit_was_sent(
    client, alice, admin, service_a, review_mode
):
    """After another change, the review page says so and shows what approving would change now."""
    edit = held_edit(client, alice, service_a, hours__0__opens_at="07:30")
    Schedule.objects.filter(pk=monday_hours(service_a).pk).update(closes_at=datetime.time(19))
    client.force_login(admin)

    page = html_of(client.get(review_url(edit)))

    assert "The listing changed after this edit was sent." in page
    assert "<ins>7:30 a.m.</ins>" in page


def test_it_refuses_an_approval_when_the_listing_changed_while_reviewing(client, alice, admin, service_a, review_mode):
    """The reviewer's page is a version too: a change after it was opened stops the approval."""
    edit = held_edit(client, alice, service_a, hours__0__opens_at="07:30")
    client.force_login(admin)
    version = open_form(client, review_url(edit))["version"][0]
    Schedule.objects.filter(pk=monday_hours(service_a).pk).update(closes_at=datetime.time(19))

    response = client.post(review_url(edit), {"decision": "approve", "note": "", "version": version})

    assert response.status_code == 409
    edit.refresh_from_db()
    assert edit.status == PendingEdit.Status.PENDING
    assert monday_hours(service_a).opens_at == datetime.time(7)


def test_it_holds_a_new_service_for_review_and_creates_it_on_approval(client, alice, admin, agency_a, review_mode):
    """A new service in review mode exists only once approved."""
    client.force_login(alice)
    url = reverse("portal:service_new", args=[agency_a.pk])
    post_form(client, url, open_form(client, url), name="Sunrise Toddler Room", description="Toddlers.")
    assert not Service.objects.filter(name="Sunrise Toddler Room").exists()

    edit = PendingEdit.objects.get()
    client.force_login(admin)
    version = open_form(client, review_url(edit))["version"][0]
    client.post(review_url(edit), {"decision": "approve", "note": "", "version": version})

    service = Service.objects.get(name="Sunrise Toddler Room")
    assert service.organization == agency_a
    assert ChangeRecord.objects.filter(service=service, action="create").exists()


def test_it_keeps_the_publishing_mode_a_network_setting(client, admin, db):
    """An admin switches the network to review mode on the settings page."""
    client.force_login(admin)
    url = reverse("portal:network_settings")

    form = read_form(html_of(client.get(url)), having="publishing_mode")

    response = post_form(client, url, form, publishing_mode="review")

    assert response.status_code == 302
    assert NetworkSettings.load().holds_edits_for_review
