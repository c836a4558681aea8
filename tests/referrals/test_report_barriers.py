"""The reports count participants' answers to "what got in the way?" per answer, on the page and in a CSV file,
without anything that says who answered."""

import csv
import io

from django.urls import reverse

from .test_reports import section

ANSWER = {"connected": "no", "rating": "", "barrier": "transportation", "comment": "No bus on Sundays, M. R."}


def answer(client, referral, **fields) -> None:
    response = client.post(reverse("referrals:feedback", args=[referral.participant_link.token]), {**ANSWER, **fields})
    assert response.status_code == 302
    client.logout()


def test_it_counts_what_got_in_the_way_on_the_page_and_in_the_csv(client, referral, carol, admin):
    """The participant answers "Getting there": carol's reports count one such answer, as the admin's do; the
    participant's name, comment and case are nowhere in the table or its file."""
    answer(client, referral)

    for reader in (carol, admin):
        client.force_login(reader)
        page = client.get(reverse("reports:page"))
        assert page.status_code == 200
        table = section(page.content.decode(), "barriers")
        assert "What got in the way, as participants said" in table
        assert '<th scope="row">Getting there</th><td class="figure">1</td><td class="figure">100%</td>' in table
        assert "M. R." not in table and "No bus on Sundays" not in table

    response = client.get(reverse("reports:csv", args=["barriers"]))

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Answer", "Participants", "Share (%)"]
    assert ["Getting there", "1", "100.0"] in rows
    assert ["The hours did not work", "0", "0.0"] in rows
    assert "M. R." not in response.content.decode()


def test_it_counts_only_the_readers_own_referrals(client, referral, bob):
    """bob's agency neither sent nor received the referral: its answer is not in his reports."""
    answer(client, referral)
    client.force_login(bob)

    table = section(client.get(reverse("reports:page")).content.decode(), "barriers")

    assert "No participant said what got in the way in these months." in table
    assert "Getting there" not in table
