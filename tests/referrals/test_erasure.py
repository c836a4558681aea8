"""Erasure on request: a case manager of the participant's own organization erases their name, case id,
contact details and the free text about them, saying why; the referrals stay, de-identified, and every
report figure stays the same. Nobody else may, and the admin never fails with ProtectedError."""

import pytest
from django.urls import reverse

from providers.models import Correction
from referrals import erasure, services
from referrals.models import Feedback, IdempotencyRecord, Participant, ParticipantErasure, ParticipantLink, Referral
from referrals.reports import TABLES

from .conftest import move
from .test_privacy import another_programs_case_manager
from .test_reports import MARCH, example, searches, service_b  # noqa: F401 (fixtures)

REQUEST = {"reason": "The participant asked, by phone.", "confirm": "on"}


def erase_url(participant, referral=None) -> str:
    url = reverse("referrals:erase", args=[participant.pk])
    return f"{url}?next={referral.get_absolute_url()}" if referral else url


@pytest.fixture
def known(participant, referral, alice, carol):
    """The participant with a case id, a phone and an e-mail; a referral with a note, a history note, an outcome
    note, the participant's comment and rating, and the listing correction that comment raised."""
    Participant.objects.filter(pk=participant.pk).update(
        external_id="WF-3390", contact_preference="phone", phone="303-555-0111", email="mr@example.org"
    )
    move(referral, alice, Referral.Status.ACCEPTED, note="Called M. R. at home.")
    move(referral, alice, Referral.Status.COMPLETED)
    services.outcome_record(
        referral_id=referral.pk, actor=carol, need_met="fully", note="Enrolled; M. R. starts Monday."
    )
    services.participant_answer(
        token=referral.participant_link.token,
        connected=True,
        rating=4,
        barrier="hours",
        comment="I am M. R., call me at 303-555-0111.",
        listing_problem="wrong_phone",
    )
    participant.refresh_from_db()
    return participant


def personal_data_of(participant) -> list[str]:
    referral = participant.referrals.get()
    feedback = Feedback.objects.get(referral=referral)
    return [
        participant.display_name,
        participant.external_id,
        participant.phone,
        participant.email,
        referral.note,
        *referral.events.exclude(note="").values_list("note", flat=True),
        feedback.outcome_note,
        feedback.participant_comment,
        *Correction.objects.exclude(note="").values_list("note", flat=True),
    ]


def test_it_erases_the_personal_data_and_keeps_the_referral(client, carol, known, referral):
    """Carol, a case manager of the participant's program, gives a reason and confirms: the name is a dash, case
    id, contact, notes and comment are gone, the private link too; status, dates, need, outcome and rating stay."""
    before = Referral.objects.get(pk=referral.pk)
    client.force_login(carol)

    page = client.get(erase_url(known, referral))
    response = client.post(erase_url(known, referral), REQUEST)

    assert page.status_code == 200
    assert "The participant asked" not in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    known.refresh_from_db()
    assert personal_data_of(known) == [erasure.ERASED_NAME, "", "", "", "", "", ""]
    assert known.contact_preference == Participant.ContactPreference.NONE
    assert (known.zip_code, known.preferred_language) == ("80219", "es")
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.sent_at, after.finished_at, after.closed_at, after.need_id) == (
        before.status,
        before.sent_at,
        before.finished_at,
        before.closed_at,
        before.need_id,
    )
    feedback = Feedback.objects.get(referral=referral)
    assert (feedback.need_met, feedback.participant_rating, feedback.participant_barrier) == ("fully", 4, "hours")
    assert Correction.objects.get().kind == "wrong_phone"
    assert not ParticipantLink.objects.exists()
    record = ParticipantErasure.objects.get()
    assert (record.participant, record.kind, record.erased_by) == (known, "request", carol)
    assert record.reason == REQUEST["reason"]
    detail = client.get(referral.get_absolute_url()).content.decode()
    assert "personal data erased on" in detail
    assert "M. R." not in detail and "303-555-0111" not in detail


def test_it_needs_a_reason_and_a_confirmation(client, carol, known):
    """Without a reason, or without ticking the confirmation: the form says so and nothing is erased."""
    client.force_login(carol)

    no_reason = client.post(erase_url(known), {"reason": "  ", "confirm": "on"})
    no_confirm = client.post(erase_url(known), {"reason": "Asked."})

    assert no_reason.status_code == no_confirm.status_code == 200
    assert "reason" in no_reason.context["form"].errors
    assert "confirm" in no_confirm.context["form"].errors
    known.refresh_from_db()
    assert known.display_name == "M. R." and not ParticipantErasure.objects.exists()


def test_it_erases_once(client, carol, known):
    """A second request changes nothing: the page says when it was erased, the first record stays."""
    client.force_login(carol)
    client.post(erase_url(known), REQUEST)

    page = client.post(erase_url(known), {"reason": "Again.", "confirm": "on"})

    assert page.status_code == 200
    assert "was erased on" in page.content.decode()
    assert ParticipantErasure.objects.get().reason == REQUEST["reason"]
    assert erasure.participant_erase(participant_id=known.pk, reason="Again.") is None


@pytest.mark.parametrize("who", ["alice", "admin", "bob", "dave"])
def test_nobody_else_may_erase(client, known, referral, who, request):
    """The receiving agency's staff and a network admin (who can see the participant) get 403; staff of another
    agency and another program's case manager get 404. Nothing changes; the page offers no erase link."""
    user = another_programs_case_manager() if who == "dave" else request.getfixturevalue(who)
    client.force_login(user)

    page = client.get(erase_url(known))
    response = client.post(erase_url(known), REQUEST)

    expected = 403 if who in ("alice", "admin") else 404
    assert (page.status_code, response.status_code) == (expected, expected)
    known.refresh_from_db()
    assert known.display_name == "M. R." and not ParticipantErasure.objects.exists()
    detail = client.get(referral.get_absolute_url())
    if detail.status_code == 200:
        assert erase_url(known) not in detail.content.decode()


def test_the_referrals_page_offers_erasure_to_the_owning_case_manager(client, carol, referral, participant):
    """Carol sees "Erase this participant's personal data" on her referral's page."""
    client.force_login(carol)

    html = client.get(referral.get_absolute_url()).content.decode()

    assert "Erase this participant's personal data" in html
    assert erase_url(participant) in html


def test_anonymous_visitors_are_sent_to_sign_in(client, known):
    """The erase page needs an account."""
    response = client.post(erase_url(known), REQUEST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ParticipantErasure.objects.exists()


def test_an_unknown_participant_is_404(client, carol):
    """No such participant: 404."""
    client.force_login(carol)

    assert client.get(reverse("referrals:erase", args=["6d1f1d8e-0000-4000-8000-000000000000"])).status_code == 404


def test_it_forgets_the_apis_replayable_answers(program_api_records, participant):
    """The stored first answers to create requests (which carry the participant) go with the erasure."""
    erasure.participant_erase(participant_id=participant.pk, reason="Asked.")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["other"]


@pytest.fixture
def program_api_records(participant, referral, admin, workforce_program):
    from referrals.clients import client_system_create

    client, _token = client_system_create(organization=workforce_program, name="CMS", created_by=admin)
    for key, body in [
        ("create-participant", {"id": str(participant.pk), "display_name": "M. R."}),
        ("create-referral", {"id": str(referral.pk), "participant": {"id": str(participant.pk)}}),
        ("other", {"id": str(referral.service_id)}),
    ]:
        IdempotencyRecord.objects.create(client=client, key=key, fingerprint="f", status_code=201, body=body)


def report_csvs(client) -> dict[str, bytes]:
    return {table: client.get(f"/reports/{table}.csv", MARCH).content for table in TABLES}


def test_the_reports_do_not_change(client, admin, carol, alice, bob, example, searches):  # noqa: F811
    """Every report table's CSV, as a network admin and as each organization's staff sees it, is the same byte
    for byte before and after the participant's data is erased."""
    people = [admin, carol, alice, bob]
    before = {}
    for person in people:
        client.force_login(person)
        before[person.username] = report_csvs(client)
    participant = example["r1"].participant

    erasure.participant_erase(participant_id=participant.pk, reason="Asked.", erased_by=carol)

    for person in people:
        client.force_login(person)
        assert report_csvs(client) == before[person.username], person.username
    assert Participant.objects.get(pk=participant.pk).display_name == erasure.ERASED_NAME


def test_the_admin_explains_instead_of_failing(client, root, known, participant_without_referrals):
    """A network admin cannot delete a referred participant (no delete button, the delete page is refused, the
    bulk delete lists what protects it): never a ProtectedError. The change page says why and how to erase;
    a participant never referred can still be deleted."""
    client.force_login(root)
    change = reverse("admin:referrals_participant_change", args=[known.pk])

    page = client.get(change)
    delete = client.get(reverse("admin:referrals_participant_delete", args=[known.pk]))
    bulk = client.post(
        reverse("admin:referrals_participant_changelist"),
        {"action": "delete_selected", "_selected_action": [known.pk], "post": "yes"},
    )
    gone = client.post(
        reverse("admin:referrals_participant_delete", args=[participant_without_referrals.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "A participant who was referred is not deleted" in html
    assert reverse("admin:referrals_participant_delete", args=[known.pk]) not in html
    assert delete.status_code == 403
    assert bulk.status_code == 200
    assert Participant.objects.filter(pk=known.pk).exists()
    assert gone.status_code == 302
    assert not Participant.objects.filter(pk=participant_without_referrals.pk).exists()


def test_the_admin_shows_the_erasure(client, root, carol, known):
    """The participant's admin page says when the data was erased, how and why."""
    client.force_login(root)
    erasure.participant_erase(participant_id=known.pk, reason="The participant asked, by phone.", erased_by=carol)

    html = client.get(reverse("admin:referrals_participant_change", args=[known.pk])).content.decode()

    assert "(on request): The participant asked, by phone." in html


@pytest.fixture
def root(db):
    """A superuser: a network admin with every Django permission in the admin."""
    from django.contrib.auth.models import User

    return User.objects.create_superuser("root", "root@example.org", "x")


@pytest.fixture
def participant_without_referrals(carol, workforce_program):
    return services.participant_create(organization=workforce_program, created_by=carol, display_name="N. N.")


def test_it_speaks_spanish(client, carol, known):
    """A case manager who reads Spanish gets the page, and its warning, in Spanish."""
    client.force_login(carol)
    client.cookies["django_language"] = "es"

    html = client.get(erase_url(known)).content.decode()

    assert "Borrar los datos personales de este participante" in html
    assert "M. R., referido 1 vez." in html
