"""The OpenAPI document of /api/v1/ (drf-spectacular): complete, served with local docs pages, and true.

schemathesis calls every operation of the document as served, through the WSGI app, as each of two client
systems with records to act on: the referring program's and the receiving agency's. Generated requests are
valid (positive) or invalid (negative), and every answer goes through all of schemathesis' checks: no server
error; a documented status, content type, headers and body; invalid data refused; valid data accepted; no
answer without the token. Hypothesis runs derandomized (a fixed seed) with a bounded number of examples.

Valid data is refused only by rules a schema cannot state (a case id already taken, a move not allowed from
the referral's status ...): RULES names, for each operation, the fields such a 400 may be about, and why.
"""

import datetime
import hashlib
import io
import json

import hypothesis
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure

from directory.models import Membership
from plans import services as plan_services
from plans.models import CheckIn
from providers.models import Location, TaxonomyTerm
from referrals import services
from referrals.models import Consent, Feedback, Referral, WebhookEndpoint
from tests.conftest import make_user
from tests.referrals.conftest import move

EXAMPLES_PER_OPERATION = 10

# Operation → the fields a 400 to valid data may name, each for a rule that depends on the records, not the shape.
RULES = {
    ("POST", "/api/v1/participants/"): {
        "external_id": "a case id already in the program",
        "phone": "contact by phone or text needs a number",
        "email": "contact by e-mail needs an address",
    },
    ("POST", "/api/v1/referrals/"): {
        "detail": "no consent in force covers a referral to this provider",
        "share_contact": "sharing contact details needs a consent that covers them",
        "external_id": "the inline new participant's case id is taken",
    },
    ("POST", "/api/v1/referrals/{id}/{action_name}/"): {
        "detail": "the move is not allowed from the referral's status, or it is the other side's",
        "allowed_actions": "given with that detail",
        "reason": "decline and not-complete need a reason of their own list",
    },
    ("POST", "/api/v1/referrals/{id}/outcome/"): {"detail": "the provider has not finished yet"},
    ("POST", "/api/v1/webhooks/"): {"url": "an address on this server or a private network"},
    ("GET", "/api/v1/search/"): {"q": "more words than a search takes (a pattern cannot count words in any script)"},
    ("POST", "/api/v1/plans/"): {
        "participant": "the participant has a plan already",
        "case_manager_email": "no one case manager of the organization has this address",
    },
    ("POST", "/api/v1/plans/{id}/steps/"): {
        "barrier": "the barrier is another plan's",
        "text": "a step of spaces only",
        "due_on": "due before the plan started",
    },
    ("POST", "/api/v1/plans/{id}/check-ins/"): {
        "held_on": "in the future, or before the plan started",
        "progress": "a step given twice",
    },
    ("PATCH", "/api/v1/steps/{id}/"): {
        "text": "a step of spaces only",
        "due_on": "due before the plan started",
        "done_on": "a done date goes with the status done, not before the plan started",
    },
    ("PATCH", "/api/v1/barriers/{id}/"): {"resolved_on": "before the barrier was found, or still to come"},
}
# A generated Idempotency-Key may repeat with another body: the documented 422.
KEYED = {
    ("POST", "/api/v1/participants/"),
    ("POST", "/api/v1/consents/"),
    ("POST", "/api/v1/referrals/"),
    ("POST", "/api/v1/plans/"),
    ("POST", "/api/v1/plans/{id}/barriers/"),
    ("POST", "/api/v1/plans/{id}/steps/"),
    ("POST", "/api/v1/plans/{id}/check-ins/"),
}
CONFIG = SchemathesisConfig.from_dict(
    {
        # Text with NUL characters is refused everywhere (Django's and DRF's fields), as the document says once;
        # the token is the client's own (wrong ones are schemathesis' ignored_auth check's, and test_auth.py's).
        "generation": {"allow-x00": False, "with-security-parameters": False},
        "operations": [
            {
                "include-name": f"{method} {path}",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            "2xx",
                            "401",
                            "403",
                            "404",
                            "409",
                            "429",
                            *(["400"] if (method, path) in RULES else []),
                            *(["422"] if (method, path) in KEYED else []),
                        ]
                    }
                },
            }
            for method, path in sorted(RULES.keys() | KEYED)
        ],
    }
)


@pytest.fixture
def document(db) -> dict:
    # Through JSON, as a client would read it (drf-spectacular leaves lazy translation objects in place).
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def test_it_documents_every_operation_with_its_errors(document):
    """Every referral API operation documents 401 and 429; creates document 400; named records 404."""
    paths = document["paths"]
    assert {
        "/api/v1/participants/",
        "/api/v1/consents/{id}/revoke/",
        "/api/v1/referrals/{id}/{action_name}/",
        "/api/v1/referrals/{id}/outcome/",
        "/api/v1/feedback/{referral}/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/search/",
        "/api/v1/search/suggest/",
    } <= set(paths)
    assert not any(path.startswith("/api/hsds") for path in paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path.startswith("/api/v1/search/"):  # the search and its suggestions: open to all, no token
                assert {"200", "400", "503"} <= codes
                continue
            assert {"401", "429"} <= codes, (method, path)
            if method == "post":
                assert "400" in codes, path
            if "{" in path:
                assert "404" in codes, path
    assert "U+0000" in document["info"]["description"]  # generation below leaves NUL out accordingly
    actions = paths["/api/v1/referrals/{id}/{action_name}/"]["post"]["parameters"]
    assert sorted(next(p for p in actions if p["name"] == "action_name")["schema"]["enum"]) == sorted(
        [
            "receive",
            "accept",
            "decline",
            "schedule",
            "complete",
            "not-complete",
            "cancel",
            "close",
        ]
    )


def test_it_serves_the_docs_from_local_files(client, db):
    """Swagger UI and Redoc, linked from every page's footer, load only this site's files: no CDN, no inline script."""
    footer = client.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in footer and 'href="/api/v1/redoc/"' in footer
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "https://" not in html and "http://" not in html
        assert "<script>" not in html
        assert "script-src 'self';" in response["Content-Security-Policy"]
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/referrals/" in schema.json()["paths"]


def pick(options: list, seed):
    """A value chosen from ``options`` by the generated value, so that different inputs reach different records."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[int.from_bytes(digest[:4]) % len(options)]


PERSONAS = ["program", "agency"]


@pytest.fixture
def records(
    referral, participant, consent, alice, carol, agency_a, service_a, program_api, agency_api, settings
) -> dict:
    """Records each client acts on: participants with consents, referrals in every state, webhooks, an index.

    The program (carol's) sent referrals to agency A's daycare, two in each state from sent to completed, and
    one declined with its outcome. The agency's client has a participant of its own, with a consent to share
    contact details. Each client has three webhook endpoints, and a participant's plan with a barrier, two steps
    and a check-in.
    """
    settings.API_THROTTLE_RATE = "100000/min"
    settings.SEARCH_ANON_THROTTLE_RATE = "100000/min"
    settings.API_INVALID_TOKEN_RATE = "100000/10m"  # schemathesis' ignored_auth check tries wrong tokens on purpose
    move(referral, alice, "declined", reason="no_capacity")
    services.outcome_record(referral_id=referral.pk, actor=carol, need_met="not")
    need = TaxonomyTerm.objects.get(code="child-care")
    for steps in 2 * ([], ["received"], ["received", "accepted"], ["received", "accepted", "completed"]):
        sent = services.referral_send(participant=participant, service=service_a, need=need, referred_by=carol)
        for status in steps:
            move(sent, alice, status)
    agency_user = agency_api.client_system.user
    own = services.participant_create(organization=agency_a, created_by=agency_user, display_name="A. B.")
    own_consent = services.consent_record(
        participant=own, recorded_by=agency_user, scope=Consent.Scope.REFERRAL_AND_CONTACT
    )
    plans = {
        "program": plan_with_a_check_in(participant, carol),
        "agency": plan_with_a_check_in(own, make_user("dora", agency_a, Membership.Role.CASE_MANAGER)),
    }
    webhooks = {}
    for persona, api in (("program", program_api), ("agency", agency_api)):
        webhooks[persona] = [
            str(WebhookEndpoint.objects.create(client=api.client_system, url=url, event_types=["referral.created"]).pk)
            for url in ("https://cms.example.org/a", "https://cms.example.org/b", "https://cms.example.org/c")
        ]
    call_command("rebuild_search_index", stdout=io.StringIO())  # the search API answers 503 without an index
    referrals = [str(pk) for pk in Referral.objects.values_list("pk", flat=True)]
    feedback = [str(pk) for pk in Feedback.objects.values_list("referral_id", flat=True)]
    return {
        "program": {
            "participants": [str(participant.pk)],
            "consents": [str(consent.pk)],
            "referrals": referrals,
            "feedback": feedback,
            "webhooks": webhooks["program"],
            **plans["program"],
        },
        "agency": {
            "participants": [str(own.pk)],
            "consents": [str(own_consent.pk)],
            "referrals": referrals,
            "feedback": feedback,
            "webhooks": webhooks["agency"],
            **plans["agency"],
        },
        "organizations": [str(agency_a.pk), None],
        "services": [str(service_a.pk)],
        "locations": [str(pk) for pk in Location.objects.filter(services=service_a).values_list("pk", flat=True)],
        "needs": ["child-care", "daycare"],
        "categories": list(TaxonomyTerm.objects.categories().values_list("code", flat=True)),
        "populations": list(TaxonomyTerm.objects.populations().values_list("code", flat=True)) or [""],
        "zips": ["80219", "80202"],
    }


def plan_with_a_check_in(participant, case_manager) -> dict:
    """Start the participant's plan with a barrier, two steps and a check-in; return their ids by resource and the
    case manager's e-mail address, as a client would give them."""
    plan = plan_services.plan_start(
        participant=participant,
        case_manager=case_manager,
        started_on=datetime.date.today() - datetime.timedelta(days=9),
    )
    category = TaxonomyTerm.objects.get(code="child-care")
    barrier = plan_services.barrier_add(plan=plan, category=category, actor=case_manager)
    steps = [
        plan_services.step_add(barrier=barrier, text=text, actor=case_manager)
        for text in ("Call the daycare", "Visit it")
    ]
    check_in = plan_services.check_in_record(
        plan=plan, held_on=plan.started_on, method=CheckIn.Method.PHONE, actor=case_manager
    )
    return {
        "plans": [str(plan.pk)],
        "barriers": [str(barrier.pk)],
        "steps": [str(step.pk) for step in steps],
        "check-ins": [str(check_in.pk)],
        "case_managers": [case_manager.email],
    }


def with_records(body, mine: dict, records: dict):
    """Point a valid body's references at records the client may use (random ids would only be 400s)."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    choices = {
        "participant": mine["participants"],
        "service": records["services"],
        "need": records["needs"],
        "location": records["locations"],
        "organization": records["organizations"],
        "category": records["needs"],
        "barrier": mine.get("barriers", []),
        "case_manager_email": mine.get("case_managers", []),
    }
    for name, options in choices.items():
        if body.get(name) is not None:
            body[name] = pick(options, body[name])
    if isinstance(body.get("consent"), dict):
        body["consent"] = with_records(body["consent"], mine, records)
    if isinstance(body.get("progress"), list):  # a check-in's progress names the plan's steps
        body["progress"] = [
            {**item, "step": pick(mine["steps"], item.get("step"))} if isinstance(item, dict) else item
            for item in body["progress"]
        ]
    return body


def searchable(query: dict, records: dict) -> dict:
    """Bring a valid search's codes and places to ones that exist, and give each its companion: what the form
    checks across parameters (a radius needs a place, lat needs lon ...) a schema does not say."""
    query = dict(query or {})
    for name, options in (("category", records["categories"]), ("population", records["populations"])):
        if query.get(name):
            query[name] = pick(options, query[name])
    for name in ("insurance", "circumstances"):
        query.pop(name, None)  # the demo taxonomy of this test has none
    if query.get("zip"):
        query["zip"] = pick(records["zips"], query["zip"])
    if (query.get("lat") in (None, "")) != (query.get("lon") in (None, "")):
        query.setdefault("lat", 39.7)
        query.setdefault("lon", -105.0)
        query["lat"] = query["lat"] if query["lat"] != "" else 39.7
        query["lon"] = query["lon"] if query["lon"] != "" else -105.0
    needs_place = query.get("radius") not in (None, "") or query.get("serves_me") or query.get("address")
    if needs_place and not query.get("zip"):
        query["zip"] = pick(records["zips"], repr(query))
    if query.get("page") not in (None, ""):
        query["page"] = 1  # a page past the last is a 400 (tests/search/test_api.py)
    return query


def with_an_allowed_move(case, api) -> None:
    """Make a valid move one the referral allows the client now, with a reason of its list where it needs one
    (any of the eight actions would mostly be the documented 400 naming the allowed ones)."""
    allowed = api.get(f"/api/v1/referrals/{case.path_parameters['id']}/").json()["allowed_actions"]
    # Django's test client connects close_old_connections again after its request; the WSGI app's next request
    # would then close the connection that holds the test's transaction (on PostgreSQL, with CONN_MAX_AGE 0).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    if not allowed:
        return
    action = pick(allowed, case.path_parameters["action_name"])
    case.path_parameters = {**case.path_parameters, "action_name": action}
    reasons = {"decline": Referral.DeclineReason.values, "not-complete": Referral.NotCompletedReason.values}
    if action in reasons and isinstance(case.body, dict):
        case.body = {**case.body, "reason": pick(reasons[action], case.body.get("reason"))}


def within_records(case, api, mine: dict, records: dict) -> None:
    """Point a valid case at records that exist and states that allow it, so that valid data gets its 2xx."""
    body = with_records(case.body, mine, records)
    if body != case.body:  # only then: schemathesis checks a changed part again (and an absent body is no body)
        case.body = body
    if case.operation.path == "/api/v1/search/":
        case.query = searchable(case.query, records)
    elif (case.query or {}).get("page") is not None:
        case.query = {**case.query, "page": 1}  # a page past the last is the documented 404
    if "action_name" in (case.path_parameters or {}):
        with_an_allowed_move(case, api)


def strategy_for(operation, mode: GenerationMode, mine: dict):
    """Generated cases for the operation; path ids are real records, wherever something else can be varied."""
    resource = operation.path.split("/")[3]
    has_more = bool(list(operation.query)) or bool(operation.body)  # something else to make invalid
    if "{" not in operation.path or resource not in mine or (mode is GenerationMode.NEGATIVE and not has_more):
        return operation.as_strategy(mode)
    name = "referral" if resource == "feedback" else "id"
    return strategies.sampled_from(mine[resource]).flatmap(
        lambda record_id: operation.as_strategy(mode, path_parameters={name: record_id})
    )


def refused_by_a_rule(ctx, response, case) -> None:
    """A 400 to valid data names only fields of the operation's RULES (never a type, range or length)."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    allowed = RULES.get((case.operation.method.upper(), case.operation.path), {})
    body = response.json()
    named = set(body.get("errors", body)) if isinstance(body, dict) else {"?"}  # the search API's are in "errors"
    if not named <= set(allowed):
        raise Failure(
            operation=case.operation.label,
            title="Valid data refused, not by a documented rule",
            message=f"400 naming {sorted(named - set(allowed))}: {response.text[:300]}",
        )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_passes_schemathesis_on_every_operation(wsgi_app, records, program_api, agency_api, persona, mode):
    """Generated requests to every operation of the served document, as each client, pass every check."""
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", wsgi_app, config=CONFIG, headers={"Accept": "application/json"}
    )
    api = {"program": program_api, "agency": agency_api}[persona]
    mine = records[persona]
    statuses = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(operations, key=lambda operation: operation.method.upper() == "DELETE"):  # DELETE last

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @hypothesis.given(case=strategy_for(operation, mode, mine))
        def call(case) -> None:
            if mode is GenerationMode.POSITIVE:
                within_records(case, api, mine, records)
            # The client's token, as a client sends it (schemathesis' ignored_auth then tries none and a wrong one).
            token = {"Authorization": f"Bearer {api.token}"}
            response = case.call_and_validate(headers=token, additional_checks=[refused_by_a_rule])
            statuses.append((case.operation.label, response.status_code))

        call()
    assert len(statuses) > 60
    if mode is GenerationMode.POSITIVE:  # valid requests did things, not only refused them
        assert sum(status in (200, 201, 204) for _label, status in statuses) > len(statuses) / 2
