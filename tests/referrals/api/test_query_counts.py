"""The API's accept runs a fixed, small number of queries: the referral and the client's sides on it are
looked up once and passed to the service, and the answer's history is read in one query (issue 20).

Counted as in tests/referrals/test_query_counts.py: the token's two queries and the outbox's INSERT
included, the transaction's BEGIN and COMMIT not. Before issue 20 (and before the plan's hook): 28.
"""

from referrals.models import Referral

S = Referral.Status

API_ACCEPT_BUDGET = 14


def test_it_accepts_through_the_api_in_fourteen_queries(agency_api, referral, outbox_mail, max_queries):
    """A client system accepts: the answer carries the history with the new event, in at most 14 queries."""
    with max_queries(API_ACCEPT_BUDGET):
        response = agency_api.post(f"/api/v1/referrals/{referral.pk}/accept/", {})
    assert response.status_code == 200
    assert response.json()["status"] == S.ACCEPTED
    assert [event["new_status"] for event in response.json()["events"]] == [S.SENT, S.ACCEPTED]
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
