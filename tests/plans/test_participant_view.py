"""The participant's own plan through its private link: no account, in their language, nothing but their own plan;
"I did this" and "I need help with this"; the case manager's page of the link."""

import datetime
import logging
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import CheckIn, PlanLink, Step, StepEvent
from plans.participant import SESSION_KEY
from plans.selectors import week_of
from providers.models import Phone, TaxonomyTerm
from referrals import erasure
from referrals import services as referral_services
from referrals.models import AccessRecord, Participant, Referral, WebhookEndpoint, WebhookEvent
from tests.referrals.api.conftest import api_for
from tests.referrals.test_request_log import Capture, RecordedClient, RequestLines, recorded

MINE = reverse("plans:mine")


def link_of(plan) -> str:
    return reverse("plans:mine_link", args=[PlanLink.objects.get(plan=plan).token])


@pytest.fixture
def opened(client, plan) -> Client:
    """A browser that opened the participant's private link."""
    client.get(link_of(plan))
    return client


@pytest.fixture
def appointment(plan, find_care, consent, service_a, carol, alice) -> Referral:
    """A referral made for the step, accepted and scheduled by alice, with a note only staff should read."""
    referral = referral_services.referral_send(
        participant=plan.participant,
        service=service_a,
        need=TaxonomyTerm.objects.get(code="child-care"),
        referred_by=carol,
        note="Staff only: mentioned an eviction notice.",
    )
    plan_services.referral_attach(step=find_care, referral=referral, actor=carol)
    at = timezone.now() + datetime.timedelta(days=2)
    for status in (Referral.Status.ACCEPTED, Referral.Status.SCHEDULED):
        extra = {"appointment_at": at} if status == Referral.Status.SCHEDULED else {}
        referral_services.referral_transition(referral_id=referral.pk, actor=alice, to_status=status, **extra)
    return Referral.objects.get(pk=referral.pk)


def test_the_token_is_traded_for_a_session_and_a_token_free_address(client, plan, find_care):
    """The link's visit redirects to /plans/mine/; the session holds the plan's id (and when its link was made),
    never the token; the page works from there."""
    token = PlanLink.objects.get(plan=plan).token
    planted = client.session.session_key

    response = client.get(link_of(plan))

    assert response.status_code == 302
    assert response["Location"] == MINE
    assert client.session.session_key != planted
    assert token not in str(dict(client.session))
    assert client.session[SESSION_KEY][0] == str(plan.pk)
    page = client.get(MINE)
    assert page.status_code == 200
    assert "Visit two daycares near the training site" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_the_page_is_in_the_participants_language_with_their_words(opened, plan, find_care):
    """A Spanish speaker's page is in Spanish: what stands in the way in their words, their goal, their next
    steps with due dates; the category in Spanish."""
    page = opened.get(MINE)

    html = page.content.decode()
    assert page["Content-Language"] == "es"
    for text in (
        "Su plan",
        "Lo que se interpone en su camino",
        "Nobody can watch my daughter during the training.",
        "Su meta",
        "My daughter has a place to stay while I train.",
        "Sus próximos pasos",
        "Cuidado infantil",
        "Lo hice",
        "Necesito ayuda con esto",
    ):
        assert text in html, text
    assert f"Para el {find_care.due_on.day} de" in html


def test_the_language_switch_is_kept(opened, plan, find_care, settings):
    """The site's language switch (a cookie) wins over the participant's language."""
    opened.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = opened.get(MINE).content.decode()

    assert "Your next steps" in html and "What stands in the way" in html and "I did this" in html


def test_referrals_say_where_and_when_to_go_and_whom_to_call(opened, appointment, carol, workforce_program):
    """An open referral shows the service, its address, a phone to tap, the hours and the appointment; the case
    manager's name, e-mail and program phone close the page. No referral note."""
    Phone.objects.create(organization=workforce_program, number="303-555-0100")
    carol.first_name, carol.last_name = "Carol", "Díaz"
    carol.save()

    html = opened.get(MINE).content.decode()

    assert "Sunrise Daycare" in html
    assert "3300 W Alameda Ave" in html
    assert "Su cita:" in html
    assert "Carol Díaz" in html and "carol@example.org" in html and 'href="tel:3035550100"' in html
    assert "eviction" not in html


def test_staff_notes_and_other_participants_stay_out(opened, plan, find_care, carol, workforce_program, categories):
    """Check-in notes and progress notes are staff notes: the page shows neither; another participant's plan
    shows nothing on it."""
    plan_services.check_in_record(
        plan=plan,
        held_on=timezone.localdate(),
        method=CheckIn.Method.PHONE,
        note="Staff note: seemed tired.",
        progress={find_care: (Step.Status.UNDER_WAY, "Progress note: called one daycare.")},
        actor=carol,
    )
    other = referral_services.participant_create(
        organization=workforce_program, created_by=carol, display_name="J. K.", preferred_language="en"
    )
    other_plan = plan_services.plan_start(participant=other, case_manager=carol)
    barrier = plan_services.barrier_add(
        plan=other_plan, category=TaxonomyTerm.objects.get(code="daycare"), in_their_words="Other words", actor=carol
    )
    plan_services.step_add(barrier=barrier, text="Another person's step", actor=carol)

    html = opened.get(MINE).content.decode()

    assert "Visit two daycares" in html
    for private in ("seemed tired", "called one daycare", "Other words", "Another person's step", "M. R.", "J. K."):
        assert private not in html, private


def test_i_did_this_moves_the_step_once(opened, plan, find_care, admin, workforce_program):
    """Tapping "I did this": the step is done today, recorded as the participant's, announced once; a repeat (a
    second tap, a reload) changes nothing and says so."""
    api = api_for(workforce_program, "Workforce CMS", admin)
    WebhookEndpoint.objects.create(
        client=api.client_system, url="https://cms.example.org/hooks", event_types=["plan.step_changed"]
    )
    url = reverse("plans:mine_step_done", args=[find_care.pk])

    response = opened.post(url)

    assert response.status_code == 302
    assert response["Location"] == f"{MINE}#step-{find_care.pk}"
    find_care.refresh_from_db()
    assert (find_care.status, find_care.done_on) == (Step.Status.DONE, timezone.localdate())
    event = StepEvent.objects.get(step=find_care)
    assert (event.by_participant, event.actor, event.new_status) == (True, None, Step.Status.DONE)
    assert WebhookEvent.objects.filter(type="plan.step_changed").count() == 1
    assert "Bien hecho" in opened.get(response["Location"]).content.decode()

    again = opened.post(url, follow=True)

    assert again.status_code == 200
    assert "Ya marcó este paso como hecho." in again.content.decode()
    assert StepEvent.objects.filter(step=find_care).count() == 1
    assert WebhookEvent.objects.filter(type="plan.step_changed").count() == 1


def test_i_need_help_reaches_the_case_managers_week_once(opened, plan, find_care, carol, admin, workforce_program):
    """Asking "I need help with this" with a short note: the step is in carol's week with the note; the same
    request again changes nothing (same time, no second webhook); the page says it was asked."""
    api = api_for(workforce_program, "Workforce CMS", admin)
    WebhookEndpoint.objects.create(
        client=api.client_system, url="https://cms.example.org/hooks", event_types=["plan.help_requested"]
    )
    url = reverse("plans:mine_step_help", args=[find_care.pk])

    response = opened.post(url, {"note": "  I do not know which daycares take vouchers.  "})

    assert response.status_code == 302
    find_care.refresh_from_db()
    assert find_care.help_note == "I do not know which daycares take vouchers."
    assert [step.pk for step in week_of(carol).help_requested] == [find_care.pk]
    asked_at = find_care.help_requested_at

    again = opened.post(url, {"note": "I do not know which daycares take vouchers."}, follow=True)

    find_care.refresh_from_db()
    assert find_care.help_requested_at == asked_at
    assert WebhookEvent.objects.filter(type="plan.help_requested").count() == 1
    html = again.content.decode()
    assert "Ya pidió ayuda con esto." in html
    assert "Pidió ayuda con esto el" in html and "take vouchers" in html
    assert find_care.status == Step.Status.PLANNED


def test_help_without_a_note_and_a_too_long_note(opened, find_care):
    """The note is optional; one over 500 characters is refused with a message and nothing is saved."""
    url = reverse("plans:mine_step_help", args=[find_care.pk])

    refused = opened.post(url, {"note": "x" * 501}, follow=True)

    assert "500" in refused.content.decode()
    find_care.refresh_from_db()
    assert find_care.help_requested_at is None
    opened.post(url, {})
    find_care.refresh_from_db()
    assert find_care.help_requested_at is not None and find_care.help_note == ""


def test_a_step_of_another_plan_cannot_be_moved(opened, plan, find_care, carol, workforce_program):
    """Editing the form to name another participant's step: 404, and that step stays as it was."""
    other = referral_services.participant_create(
        organization=workforce_program, created_by=carol, display_name="J. K.", preferred_language="en"
    )
    other_plan = plan_services.plan_start(participant=other, case_manager=carol)
    barrier = plan_services.barrier_add(plan=other_plan, category=TaxonomyTerm.objects.get(code="daycare"), actor=carol)
    their_step = plan_services.step_add(barrier=barrier, text="Their step", actor=carol)

    done = opened.post(reverse("plans:mine_step_done", args=[their_step.pk]))
    helped = opened.post(reverse("plans:mine_step_help", args=[their_step.pk]), {"note": "x"})

    assert (done.status_code, helped.status_code) == (404, 404)
    their_step.refresh_from_db()
    assert (their_step.status, their_step.help_requested_at) == (Step.Status.PLANNED, None)
    assert not StepEvent.objects.exists()


def test_only_the_participants_own_steps_are_marked_done_here(opened, child_care, carol):
    """A step the case manager does has no "I did this"; posting it anyway: 400, nothing changes."""
    theirs = plan_services.step_add(
        barrier=child_care, text="Call the voucher office", owner=Step.Owner.CASE_MANAGER, actor=carol
    )

    page = opened.get(MINE).content.decode()
    response = opened.post(reverse("plans:mine_step_done", args=[theirs.pk]))

    assert reverse("plans:mine_step_done", args=[theirs.pk]) not in page
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == Step.Status.PLANNED


def test_the_actions_need_the_csrf_token(plan, find_care):
    """The forms carry Django's CSRF token; a post without it is refused and changes nothing."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(link_of(plan))

    response = browser.post(reverse("plans:mine_step_done", args=[find_care.pk]))

    assert response.status_code == 403
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED


@pytest.mark.parametrize("expired", [False, True])
def test_a_wrong_or_expired_link_gets_a_kind_page_in_both_languages(client, plan, find_care, expired):
    """An unknown token: 404; an expired one: 410. Either way a page in English and Spanish that asks them to
    ask their case manager, names nothing, and opens no session."""
    link = PlanLink.objects.get(plan=plan)
    if expired:
        PlanLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    token = link.token if expired else "x" * 43

    response = client.get(reverse("plans:mine_link", args=[token]))

    assert response.status_code == (410 if expired else 404)
    html = response.content.decode()
    assert "Ask your case manager for a new link" in html and "Pida a su gestor de casos un enlace nuevo" in html
    assert "Visit two daycares" not in html and "M. R." not in html and "Not Found" not in html
    assert SESSION_KEY not in client.session
    assert client.get(MINE).status_code == 404
    assert client.post(reverse("plans:mine_step_done", args=[find_care.pk])).status_code == 404


def test_a_session_stops_with_its_link(opened, plan, find_care):
    """Once the link expires, or a new one is made, the browser that opened the old one sees nothing more."""
    plan_services.link_issue(plan=plan)

    assert opened.get(MINE).status_code == 410
    assert opened.post(reverse("plans:mine_step_done", args=[find_care.pk])).status_code == 410
    find_care.refresh_from_db()
    assert find_care.status == Step.Status.PLANNED


def test_an_erased_participant_shows_nothing(opened, plan, find_care, carol):
    """After erasure the open page and the link show nothing of the plan."""
    token = PlanLink.objects.get(plan=plan).token
    erasure.participant_erase(participant_id=plan.participant_id, reason="Asked to", erased_by=carol)

    page = opened.get(MINE)
    link = Client().get(reverse("plans:mine_link", args=[token]))

    assert (page.status_code, link.status_code) == (410, 404)
    assert "Visit two daycares" not in page.content.decode() + link.content.decode()


def test_a_visit_leaves_the_token_only_in_the_links_own_request_line(plan, find_care, capsys):
    """The request lines of a whole visit (open the link, read, mark done, ask for help) hold the token only in
    the link's own line, and the server log writes [token] there."""
    lines = RequestLines()
    capture = Capture()
    logger = logging.getLogger("django.server")
    logger.addHandler(capture)
    try:
        browser = recorded(RecordedClient, lines)
        token = PlanLink.objects.get(plan=plan).token
        browser.get(link_of(plan), follow=True)
        browser.post(reverse("plans:mine_step_help", args=[find_care.pk]), {"note": "help"}, follow=True)
        browser.post(reverse("plans:mine_step_done", args=[find_care.pk]), follow=True)
    finally:
        logger.removeHandler(capture)

    assert len(lines) == 6
    assert [line for line in lines if token in line] == [f"GET {link_of(plan)}"]
    assert all(token not in message for message in capture.messages)
    assert any("/plans/mine/[token]/" in message for message in capture.messages)
    assert any(f"/plans/mine/steps/{find_care.pk}/done/" in message for message in capture.messages)


def test_the_page_reads_a_fixed_number_of_queries(opened, appointment, child_care, carol):
    """More steps and barriers do not mean more queries (the referrals' listing facts are a fixed set too)."""
    with CaptureQueriesContext(connection) as before:
        assert opened.get(MINE).status_code == 200
    for number in range(5):
        plan_services.step_add(barrier=child_care, text=f"Step {number}", actor=carol)
    plan_services.barrier_add(plan=child_care.plan, category=TaxonomyTerm.objects.get(code="daycare"), actor=carol)

    with CaptureQueriesContext(connection) as after:
        assert opened.get(MINE).status_code == 200

    assert len(after) == len(before) <= 30


# The case manager's side


def test_the_case_manager_sees_and_renews_the_link(client, carol, plan):
    """Carol's page shows the link (a QR code too) and logs the read; a new link replaces the old one, which then
    gets the expired page."""
    client.force_login(carol)
    old = PlanLink.objects.get(plan=plan).token

    page = client.get(reverse("plans:participant_link", args=[plan.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(rf"https?://[^\"]+/plans/mine/{re.escape(old)}/", html)
    assert "<svg" in html
    assert AccessRecord.objects.filter(reader=carol, participant=plan.participant).exists()

    renewed = client.post(reverse("plans:participant_link_issue", args=[plan.pk]))

    assert renewed.status_code == 302
    assert PlanLink.objects.get(plan=plan).token != old
    assert Client().get(reverse("plans:mine_link", args=[old])).status_code == 404


def test_the_link_block_goes_back_to_the_page_it_was_on(client, carol, plan):
    """A plan page's block posts its own address as ``next``; another site's address is not followed."""
    client.force_login(carol)
    url = reverse("plans:participant_link_issue", args=[plan.pk])

    assert client.post(url, {"next": "/plans/somewhere/"})["Location"] == "/plans/somewhere/"
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == reverse(
        "plans:participant_link", args=[plan.pk]
    )


@pytest.mark.parametrize(("persona", "status"), [("alice", 404), ("admin", 403), ("anonymous", 302)])
def test_only_the_participants_case_managers_get_the_link(client, request, plan, persona, status):
    """Another organization: 404; a network admin (sees, does not change the plan): 403; anonymous: the login
    page. No link is shown or made."""
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    old = PlanLink.objects.get(plan=plan).token

    page = client.get(reverse("plans:participant_link", args=[plan.pk]))
    renewed = client.post(reverse("plans:participant_link_issue", args=[plan.pk]))

    assert (page.status_code, renewed.status_code) == (status, status)
    assert old not in page.content.decode()
    assert PlanLink.objects.get(plan=plan).token == old


def test_no_link_for_an_erased_participant(client, carol, plan):
    """After erasure there is no link to show, and none is made."""
    erasure.participant_erase(participant_id=plan.participant_id, reason="Asked to", erased_by=carol)
    client.force_login(carol)

    page = client.post(reverse("plans:participant_link_issue", args=[plan.pk]), follow=True)

    assert "personal data is erased" in page.content.decode()
    assert not PlanLink.objects.exists()
    assert Participant.objects.get(pk=plan.participant_id).display_name != "M. R."


def test_the_plan_page_block_renders_from_the_template_tag(rf, carol, plan):
    """``{% participant_link plan may_change %}``: the address and the button for a case manager; neither the
    address nor the button for someone who only reads the plan."""
    from django.template import Context, Template

    template = Template("{% load plans_participant %}{% participant_link plan may_change %}")
    request = rf.get(f"/plans/{plan.pk}/")
    token = PlanLink.objects.get(plan=plan).token

    for_carol = template.render(Context({"plan": plan, "may_change": True, "request": request}))
    for_reader = template.render(Context({"plan": plan, "may_change": False, "request": request}))

    assert token in for_carol and "Make a new link" in for_carol
    assert f'value="/plans/{plan.pk}/#participant-link"' in for_carol
    assert token not in for_reader and "Make a new link" not in for_reader


def test_every_string_of_the_participants_pages_is_in_spanish():
    """The participant's pages and the link block: each string has its Spanish translation in the catalog."""
    import polib
    from django.conf import settings

    from tests.directory.test_translations import PO_PATH, python_messages, template_messages

    root = Path(settings.BASE_DIR) / "plans"
    templates = [
        *sorted((root / "templates" / "plans").glob("mine*.html")),
        root / "templates/plans/_participant_link.html",
    ]
    messages = python_messages(root / "participant.py")
    for template in templates:
        messages |= template_messages(template)
    translated = {
        (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        for entry in polib.pofile(str(PO_PATH))
        if (entry.msgstr or any(entry.msgstr_plural.values())) and "fuzzy" not in entry.flags
    }

    assert len(messages) > 40
    assert sorted(message[1] for message in messages - translated) == []
