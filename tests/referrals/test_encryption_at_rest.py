"""Participant data at rest: contact details, the case id and the notes about a participant are encrypted in
the database (a dump or a backup holds none of them in clear), every record stays readable across a key
rotation, and case ids are still found, by a blind index."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from providers.models import TaxonomyTerm
from referrals import selectors, services
from referrals.encryption import encryption_keys
from referrals.models import Feedback, Participant, Referral, ReferralEvent

from .conftest import move

PHONE, EMAIL, CASE_ID = "303-555-0142", "m.r@example.org", "WF-7731"
NOTE, HISTORY, OUTCOME = "Needs full-day care from January.", "Called M. R. at home.", "Enrolled; starts Monday."
CLEAR = [PHONE, EMAIL, CASE_ID, NOTE, HISTORY, OUTCOME]
# (table, column) of every value encrypted at rest.
COLUMNS = [
    (Participant._meta.db_table, "phone"),
    (Participant._meta.db_table, "email"),
    (Participant._meta.db_table, "external_id"),
    (Referral._meta.db_table, "note"),
    (ReferralEvent._meta.db_table, "note"),
    (Feedback._meta.db_table, "outcome_note"),
    (Feedback._meta.db_table, "participant_comment"),
]


@pytest.fixture
def known(carol, workforce_program, service_a, alice):
    """A participant with a phone, an e-mail and a case id; a referral with a note, a history note and an
    outcome note."""
    participant = services.participant_create(
        organization=workforce_program,
        created_by=carol,
        display_name="M. R.",
        contact_preference="phone",
        phone=PHONE,
        email=EMAIL,
        external_id=CASE_ID,
    )
    services.consent_record(participant=participant, recorded_by=carol, scope="referral")
    referral = services.referral_send(
        participant=participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
        note=NOTE,
    )
    move(referral, alice, Referral.Status.ACCEPTED, note=HISTORY)
    move(referral, alice, Referral.Status.COMPLETED)
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="fully", note=OUTCOME)
    return participant


def stored() -> list[str]:
    """Every stored value of the encrypted columns, read from the tables as a dump would."""
    values = []
    with connection.cursor() as cursor:
        for table, column in COLUMNS:
            cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)}")
            values += [row[0] for row in cursor.fetchall() if row[0]]
    return values


def test_it_keeps_no_participant_data_in_clear_in_the_database(known):
    """The raw columns hold Fernet tokens: no phone, e-mail, case id or note in clear, in any table."""
    values = stored()
    assert len(values) >= 6  # phone, e-mail, case id, note, history notes, outcome note
    assert all(value.startswith("gAAAAA") for value in values)  # a Fernet token
    dump = "\n".join(values)
    for clear in CLEAR:
        assert clear not in dump
    with connection.cursor() as cursor:
        # Not in any other column either: the blind index is an HMAC, not the case id.
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(Participant._meta.db_table)}")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert CASE_ID not in row and CASE_ID.casefold() not in row and PHONE not in row


def test_it_reads_every_value_back(known):
    """The site, the API and the reports read the clear values as before."""
    participant = Participant.objects.get(pk=known.pk)
    assert (participant.phone, participant.email, participant.external_id) == (PHONE, EMAIL, CASE_ID)
    referral = participant.referrals.get()
    assert referral.note == NOTE
    assert HISTORY in [event.note for event in referral.events.all()]
    assert referral.feedback.outcome_note == OUTCOME


def test_it_still_finds_a_participant_by_case_id(known, carol):
    """The refer page's finder and the dashboard filter match a case id, whatever its case; a second participant
    with the same case id in the same organization is refused."""
    assert selectors.find_participants(carol, "wf-7731 ") == [known]
    assert selectors.find_participants(carol, "WF-7732") == []
    assert [r.participant for r in selectors.filtered(Referral.objects.all(), participant=CASE_ID)] == [known]
    with pytest.raises(ValidationError) as refused:
        services.participant_create(
            organization=known.organization, created_by=carol, display_name="Someone else", external_id=CASE_ID
        )
    assert refused.value.message_dict["external_id"] == [services.EXTERNAL_ID_TAKEN]


def test_it_keeps_every_record_readable_across_a_key_rotation(known, settings):
    """New key first and the old one after it, rotate, drop the old key: every record reads the same, and the
    old key alone no longer reads any of them."""
    old, new = list(encryption_keys()), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    out = io.StringIO()
    call_command("rotate_field_encryption_key", stdout=out)
    call_command("rotate_field_encryption_key", stdout=out)  # idempotent
    assert "Re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    participant = Participant.objects.get(pk=known.pk)
    assert (participant.phone, participant.email, participant.external_id) == (PHONE, EMAIL, CASE_ID)
    referral = participant.referrals.get()
    assert (referral.note, referral.feedback.outcome_note) == (NOTE, OUTCOME)
    assert HISTORY in [event.note for event in referral.events.all()]
    assert selectors.find_participants(known.created_by, CASE_ID) == [known]
    for value in stored():
        Fernet(new.encode()).decrypt(value.encode())  # every value is under the new key
    settings.FIELD_ENCRYPTION_KEYS = old
    with pytest.raises(ImproperlyConfigured, match="rotate_field_encryption_key"):
        Participant.objects.get(pk=known.pk)


def test_it_finds_a_case_id_in_the_admin(known, admin_client):
    """The admin's search matches a case id typed in full, through its blind index; not a part of one."""
    url = reverse("admin:referrals_participant_changelist")
    assert "M. R." in admin_client.get(url, {"q": CASE_ID.lower()}).content.decode()
    assert "M. R." not in admin_client.get(url, {"q": "WF-77"}).content.decode()
    referrals = admin_client.get(reverse("admin:referrals_referral_changelist"), {"q": CASE_ID})
    assert "M. R." in referrals.content.decode()
