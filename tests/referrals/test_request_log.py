"""No personal data in addresses: a whole referral loop, on the web pages and through the API, leaves no
participant name, case id, phone, e-mail or feedback token in the request lines a server log keeps.

The request lines are read where a server reads them (path and query string of every request the test
client sends, redirects included), with no middleware of ours in between; they are also written to the
``django.server`` logger as runserver writes them, and that log is read back.
"""

import logging
import re
from urllib.parse import quote, quote_plus

import pytest
from django.test import Client
from django.urls import reverse

from providers.models import Location, TaxonomyTerm
from referrals.encryption import blind_index
from referrals.models import Consent, Feedback, Participant, Referral
from tests.referrals.api.conftest import Api, api_for

from .test_views_refer import refer_url

NAME = "Teodora Gutiérrez-Ramos"
CASE_ID = "WF-2041"
PHONE = "303-555-0188"
EMAIL = "teodora.gr@example.org"
API_NAME = "Ximena Quispe-Lindqvist"
API_CASE_ID = "CMS-88120"
API_PHONE = "720-555-0142"
API_EMAIL = "ximena.ql@example.org"
PERSONAL = [NAME, "Gutiérrez", CASE_ID, PHONE, EMAIL, API_NAME, "Quispe", API_CASE_ID, API_PHONE, API_EMAIL]


class RequestLines(list):
    """Every request line the clients send, as "METHOD path?query"; each also written to django.server."""

    def record(self, request: dict, status_code: int) -> None:
        query = request.get("QUERY_STRING", "")
        line = f"{request['REQUEST_METHOD']} {request['PATH_INFO']}{'?' + query if query else ''}"
        self.append(line)
        # The call runserver's WSGIRequestHandler.log_message makes for each request.
        logging.getLogger("django.server").info('"%s HTTP/1.1" %s', line, status_code)


class Recorded:
    lines: RequestLines

    def request(self, **request):
        response = super().request(**request)
        self.lines.record(request, response.status_code)
        return response


class RecordedClient(Recorded, Client):
    pass


class RecordedApi(Recorded, Api):
    pass


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def lines() -> RequestLines:
    return RequestLines()


@pytest.fixture
def server_log():
    """What the django.server logger writes, through the filters the settings give it."""
    capture = Capture()
    logger = logging.getLogger("django.server")
    logger.addHandler(capture)
    yield capture.messages
    logger.removeHandler(capture)


def recorded(client_class, lines, *args):
    client = client_class(*args)
    client.lines = lines
    return client


def spellings(value: str) -> set[str]:
    """The ways a value can appear in a request line: as typed, URL-encoded, in any case."""
    return {form.lower() for form in (value, quote(value), quote_plus(value), quote(value, safe=""))}


def leaks(line: str, values) -> list[str]:
    return [value for value in values if any(form in line.lower() for form in spellings(value))]


def test_a_whole_referral_loop_leaves_no_personal_data_in_request_lines(
    lines, server_log, carol, alice, admin, workforce_program, agency_a, service_a
):
    """Refer (finding the participant first), receive, accept, complete, record the outcome, answer through the
    feedback link; the same through the API. No request line holds a name, case id, phone or e-mail; the
    feedback token is only in the printed link's own visit, and the server log hides it there too."""
    carol_browser = recorded(RecordedClient, lines)
    carol_browser.force_login(carol)
    alice_browser = recorded(RecordedClient, lines)
    alice_browser.force_login(alice)
    participant_browser = recorded(RecordedClient, lines)

    # Carol looks for the participant, does not find them, and refers them as new, sharing contact details.
    assert carol_browser.get(refer_url(service_a)).status_code == 200
    assert carol_browser.post(refer_url(service_a), {"find": NAME}).context["found"] == []
    new_participant = {
        "display_name": NAME,
        "external_id": CASE_ID,
        "preferred_language": "es",
        "zip_code": "80219",
        "contact_preference": "phone",
        "phone": PHONE,
        "email": EMAIL,
        "consent_given": "on",
        "consent_scope": Consent.Scope.REFERRAL_AND_CONTACT,
        "consent_shared_with": "this",
        "consent_method": Consent.Method.VERBAL,
        "need": TaxonomyTerm.objects.get(code="daycare").pk,
        "location": Location.objects.get().pk,
        "urgency": Referral.Urgency.SOON,
        "note": f"Call {PHONE}.",
        "share_contact": "on",
    }
    sent = carol_browser.post(refer_url(service_a), new_participant, follow=True)
    assert sent.status_code == 200
    referral = Referral.objects.get(participant__external_id_index=blind_index(CASE_ID))
    # She finds them again by case id and by name, picks them, and filters her dashboard by name.
    found = carol_browser.post(refer_url(service_a), {"find": CASE_ID}).context["found"]
    assert [match.pk for match, _url in found] == [referral.participant_id]
    assert carol_browser.get(reverse("referrals:new") + found[0][1]).context["participant"] == referral.participant
    dashboard = carol_browser.post(reverse("referrals:dashboard"), {"tab": "all", "participant": NAME}, follow=True)
    assert [row.referral for row in dashboard.context["rows"]] == [referral]
    assert carol_browser.get(reverse("referrals:dashboard"), {"tab": "open"}).context["rows"][0].referral == referral

    # Alice receives (opens), accepts and completes; carol records the outcome and prints the slip.
    assert alice_browser.get(reverse("referrals:inbox")).status_code == 200
    assert PHONE in alice_browser.get(referral.get_absolute_url()).content.decode()
    for status in (Referral.Status.ACCEPTED, Referral.Status.COMPLETED):
        alice_browser.post(reverse("referrals:move", args=[referral.pk]), {"to_status": status})
    carol_browser.post(reverse("referrals:outcome", args=[referral.pk]), {"need_met": "fully", "note": ""})
    slip = carol_browser.get(reverse("referrals:slip", args=[referral.pk])).content.decode()
    token = referral.participant_link.token
    printed = re.search(r"https?://[^/\s\"<]+(/referrals/feedback/[^\s\"<]+/)", slip).group(1)
    assert token in printed

    # The participant opens the printed link, answers, comes back and changes the answer.
    opened = participant_browser.get(printed, follow=True)
    assert opened.status_code == 200
    answer = {"connected": "yes", "rating": "5", "barrier": "none", "comment": "", "listing_problem": ""}
    participant_browser.post(opened.request["PATH_INFO"], answer, follow=True)
    participant_browser.post(opened.request["PATH_INFO"], {**answer, "rating": "4"}, follow=True)
    referral.refresh_from_db()
    assert (referral.status, referral.feedback.participant_rating) == (Referral.Status.CLOSED, 4)

    # The same loop through the API: create, find by case id, consent, refer, act, outcome, read back.
    program = recorded(RecordedApi, lines, api_for(workforce_program, "Workforce CMS", admin).token)
    agency = recorded(RecordedApi, lines, api_for(agency_a, "Agency A EHR", admin).token)
    created = program.post(
        "/api/v1/participants/",
        {"display_name": API_NAME, "external_id": API_CASE_ID, "contact_preference": "email", "email": API_EMAIL},
    )
    assert created.status_code == 201, created.json()
    assert program.post("/api/v1/participants/find/", {"external_id": API_CASE_ID}).json()["id"] == created.json()["id"]
    body = {"participant": created.json()["id"], "service": str(service_a.pk), "need": "child-care"}
    sent = program.post("/api/v1/referrals/", {**body, "note": API_PHONE, "consent": {"scope": "referral"}})
    assert sent.status_code == 201, sent.json()
    api_referral = f"/api/v1/referrals/{sent.json()['id']}/"
    for action in ("receive", "accept", "complete"):
        assert agency.post(f"{api_referral}{action}/").status_code == 200
    assert program.post(f"{api_referral}outcome/", {"need_met": "partly"}).status_code == 200
    assert program.get(api_referral).json()["participant"]["display_name"] == API_NAME
    assert program.get("/api/v1/referrals/", {"status": "closed"}).status_code == 200
    assert program.get(f"/api/v1/participants/{created.json()['id']}/").status_code == 200
    assert agency.get("/api/v1/feedback/").status_code == 200

    assert len(lines) > 30
    assert [(line, leaks(line, PERSONAL)) for line in lines if leaks(line, PERSONAL)] == []
    assert [line for line in lines if token in line] == [f"GET {printed}"]
    assert all(token not in message for message in server_log)
    assert any("/referrals/feedback/[token]/" in message for message in server_log)


def test_the_feedback_link_trades_its_token_for_a_session(client, referral):
    """The printed link's visit redirects to an address without the token; the page works from there."""
    token = referral.participant_link.token

    response = client.get(reverse("referrals:feedback", args=[token]))

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:feedback_page")
    assert token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Sunrise Daycare" in page.content.decode()


def test_the_token_free_page_needs_the_link_opened_in_this_browser(client, referral):
    """Without the link opened first, the token-free page records nothing and says, in English and Spanish,
    that the link does not work; it names no service or referral."""
    response = client.post(reverse("referrals:feedback_page"), {"connected": "yes", "rating": "5"})
    page = client.get(reverse("referrals:feedback_page"))

    assert (response.status_code, page.status_code) == (404, 404)
    html = page.content.decode()
    assert "This link is not valid" in html
    assert "Este enlace no es válido" in html
    assert "Sunrise Daycare" not in html and str(referral.pk) not in html
    assert not Feedback.objects.exists()


def test_an_unknown_token_gets_a_page_in_both_languages(client, referral):
    """A made-up token: 404, in English and Spanish, and nothing is kept in the session."""
    response = client.get(reverse("referrals:feedback", args=["x" * 43]))

    assert response.status_code == 404
    html = response.content.decode()
    assert '<div class="link-unusable" lang="en">' in html
    assert '<div class="link-unusable" lang="es">' in html
    assert client.get(reverse("referrals:feedback_page")).status_code == 404


def test_a_link_that_expires_after_the_exchange_stops_working(client, referral):
    """The session holds the link, not a right of its own: once the link expires, the page refuses (410)."""
    client.get(reverse("referrals:feedback", args=[referral.participant_link.token]))
    referral.participant_link.expires_at = referral.sent_at
    referral.participant_link.save()

    response = client.post(reverse("referrals:feedback_page"), {"connected": "yes"})

    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html and "Este enlace venció" in html
    assert not Feedback.objects.exists()


def test_the_dashboard_keeps_the_participant_filter_out_of_the_address(client, carol, referral):
    """The participant filter posts; the redirect's address carries the status only, the page is filtered, and
    "Clear the filters" clears it."""
    client.force_login(carol)
    url = reverse("referrals:dashboard")

    response = client.post(url, {"tab": "all", "status": "sent", "participant": "M. R."})

    assert response.status_code == 302
    assert response["Location"] == f"{url}?tab=all&status=sent"
    page = client.get(response["Location"])
    assert [row.referral for row in page.context["rows"]] == [referral]
    assert page.context["form"]["participant"].value() == "M. R."
    assert client.post(url, {"tab": "all", "participant": "Nobody"}, follow=True).context["rows"] == []
    cleared = client.post(url, {"tab": "all", "clear": "1"}, follow=True)
    assert [row.referral for row in cleared.context["rows"]] == [referral]


def test_the_dashboard_ignores_a_participant_in_the_address(client, carol, referral):
    """An old bookmark with ?participant= does not filter (and is not how the page asks)."""
    client.force_login(carol)

    page = client.get(reverse("referrals:dashboard"), {"tab": "all", "participant": "Nobody"})

    assert [row.referral for row in page.context["rows"]] == [referral]
    assert 'method="post"' in page.content.decode()


def test_another_persons_dashboard_filter_stays_theirs(client, carol, alice, referral):
    """Alice's agency received the referral but did not send it: filtering her dashboard shows nothing."""
    client.force_login(alice)

    page = client.post(reverse("referrals:dashboard"), {"tab": "all", "participant": "M. R."}, follow=True)

    assert page.context["rows"] == []


def test_the_finder_posts_and_links_by_opaque_id(client, carol, participant, service_a):
    """Finding by case id posts it; the link that picks the participant carries their id, not their name."""
    Participant.objects.filter(pk=participant.pk).update(external_id="WF-7", external_id_index=blind_index("WF-7"))
    client.force_login(carol)

    response = client.post(refer_url(service_a), {"find": "WF-7"})

    ((match, url),) = response.context["found"]
    assert match == participant
    assert f"participant={participant.pk}" in url
    assert "WF-7" not in url and "M.+R." not in url and "M.%20R." not in url
    assert 'class="find-participant" method="post"' in response.content.decode()


def test_the_finder_is_for_referrers_only(client, alice, service_a, participant):
    """An agency editor posting to the finder: 403, nothing found."""
    client.force_login(alice)

    assert client.post(refer_url(service_a), {"find": "M. R."}).status_code == 403


def test_the_server_log_hides_feedback_tokens(server_log, caplog):
    """A request line or a Not Found warning with a feedback token is written with [token] in its place."""
    logging.getLogger("django.server").info('"%s" %s', "GET /referrals/feedback/abc_DEF-123/ HTTP/1.1", 302)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        logging.getLogger("django.request").warning("Not Found: %s", "/referrals/feedback/zzz/")

    assert server_log == ['"GET /referrals/feedback/[token]/ HTTP/1.1" 302']
    warnings = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert warnings == ["Not Found: /referrals/feedback/[token]/"]
