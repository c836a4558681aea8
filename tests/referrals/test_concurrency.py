"""Two people acting on one referral at once: the row lock lets one win; the other is told what happened."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from referrals.models import Referral, ReferralEvent
from referrals.services import referral_transition

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The row lock (SELECT ... FOR UPDATE) needs PostgreSQL; SQLite serializes whole-database writes.",
)


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_the_first_of_two_simultaneous_moves_win(referral, alice, admin):
    """alice declines while the admin accepts: the admin waits for alice's lock, then gets 'already declined'."""
    declined = threading.Event()
    outcome = {}

    def alice_declines():
        try:
            with transaction.atomic():
                referral_transition(referral_id=referral.pk, actor=alice, to_status="declined", reason="no_capacity")
                declined.set()
                time.sleep(0.5)  # hold the row lock while the admin tries
        finally:
            connections.close_all()

    def admin_accepts():
        declined.wait(5)
        try:
            referral_transition(referral_id=referral.pk, actor=admin, to_status="accepted")
            outcome["admin"] = "won"
        except ValidationError as error:
            outcome["admin"] = " ".join(error.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=alice_declines), threading.Thread(target=admin_accepts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcome["admin"].startswith("This referral was already declined")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert list(ReferralEvent.objects.filter(referral=referral).values_list("new_status", flat=True)) == [
        "sent",
        "declined",
    ]
