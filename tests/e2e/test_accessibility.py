"""Accessibility guarded: axe-core checks every kind of page as each role would see it, in Debian's Chromium.

For each role (signed out, case manager carol, agency editor alice, network admin) the test opens each kind
of page that role can open on the demo network, injects axe-core (vendored under vendor/axe-core, test-only)
and runs it with its default rules (WCAG 2.x A and AA, and best practices). Any violation fails the test, with
a list naming the page, the rule, its impact and the elements it found, so that a regression in a template or
the stylesheet shows up here rather than for a person using a screen reader or a keyboard.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from handouts import services as handout_services
from providers.models import NetworkSettings, PendingEdit, Service
from referrals.models import ParticipantLink, Referral

from .conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser]

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORDS = {"carol": "demo-carol-2026", "alice": "demo-alice-2026", "admin": "demo-admin-2026"}
SERVICE_NAME = "Little Aspen Infant and Toddler Daycare"  # alice's agency's service in the demo network
NOWHERE = "/services/00000000-0000-0000-0000-000000000000/"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module: each role's pages open in a fresh context of it."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright not installed: pip install -r requirements-dev.txt"
    )
    # As in conftest.browser: Playwright's event loop would otherwise make Django refuse the test's queries.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def browser_context_options() -> dict:
    """The site's Content-Security-Policy forbids inline scripts, which is how axe is injected; only the test's."""
    return {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", "bypass_csp": True}


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def axe_violations(page) -> list[dict]:
    """Run axe-core over the page as it stands and return its violations."""
    page.add_script_tag(content=AXE_SCRIPT.read_text())
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(violation => ({
                id: violation.id,
                impact: violation.impact,
                help: violation.help,
                targets: violation.nodes.map(node => node.target.join(" ")),
            }));
        }"""
    )


def check_pages(page, live_server, paths: dict[str, str], expected_status: dict[str, int] | None = None) -> list[str]:
    """Open each page once and run axe on it; return every violation on every page, a line each."""
    expected_status = expected_status or {}
    report = []
    for kind, path in paths.items():
        response = page.goto(f"{live_server.url}{path}")
        status = expected_status.get(kind, 200)
        assert response.status == status, f"{kind} ({path}) answered {response.status}, not {status}"
        report += [describe(f"{kind} ({path})", violation) for violation in axe_violations(page)]
    return report


def describe(where: str, violation: dict) -> str:
    """One line of the report: the page, axe's rule, its impact, and the first few elements it found."""
    targets = ", ".join(violation["targets"][:5])
    more = len(violation["targets"]) - 5
    return (
        f"{where}: {violation['id']} [{violation['impact']}] {violation['help']}"
        f" — {targets}{f' (and {more} more)' if more > 0 else ''}"
    )


def check_open_suggestions(page, live_server) -> list[str]:
    """The search page with its suggestions open and one chosen with the arrow key: the combobox's ARIA state."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{reverse('search:page')}")
    box = page.get_by_role("combobox", name="What help is needed?")
    box.press_sequentially("dayc")
    expect(page.get_by_role("listbox", name="Suggestions").get_by_role("option").first).to_be_visible()
    box.press("ArrowDown")
    return [describe("search suggestions open", violation) for violation in axe_violations(page)]


def assert_no_violations(report: list[str]) -> None:
    assert not report, "axe-core found accessibility violations:\n" + "\n".join(report)


def service_path(service: Service) -> str:
    return reverse("providers:service_detail", args=[service.pk])


def test_signed_out_pages_pass_axe(page, live_server, live_demo_network):
    """A participant or a visitor: home, search, a service page, the feedback link, sign-in and a missing page."""
    service = Service.objects.get(name=SERVICE_NAME)
    feedback_link = ParticipantLink.objects.filter(expires_at__gt=timezone.now()).order_by("token").first()
    expired_link = ParticipantLink.objects.filter(expires_at__lte=timezone.now()).order_by("token").first()
    carol = get_user_model().objects.get(username="carol")
    resource_list = handout_services.resource_list_create(
        organization=carol.memberships.get().organization, created_by=carol, title="Child care"
    )
    handout_services.resource_list_add(resource_list=resource_list, service=service)
    list_link = handout_services.list_link_for(resource_list)
    report = check_pages(
        page,
        live_server,
        {
            "home": reverse("home"),
            "search results": f"{reverse('search:page')}?q=daycare",
            "service page": service_path(service),
            "feedback page": reverse("referrals:feedback", args=[feedback_link.token]),
            "expired feedback link": reverse("referrals:feedback", args=[expired_link.token]),
            "private list page": reverse("handouts:shared", args=[list_link.token]),
            "sign-in": reverse("login"),
            "404": NOWHERE,
        },
        {"expired feedback link": 410, "404": 404},
    )
    report += check_open_suggestions(page, live_server)
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    report += check_pages(
        page,
        live_server,
        {
            "home in Spanish": reverse("home"),
            "search results in Spanish": f"{reverse('search:page')}?q=guarderia",
            "service page in Spanish": service_path(service),
            "feedback page in Spanish": reverse("referrals:feedback", args=[feedback_link.token]),
            "private list page in Spanish": reverse("handouts:shared", args=[list_link.token]),
            "sign-in in Spanish": reverse("login"),
        },
    )
    assert_no_violations(report)


def test_case_manager_pages_pass_axe(page, live_server, live_demo_network):
    """carol: her home, search, a service, the refer form (blank and for a participant), a referral, its slip,
    the dashboard, reports, resource lists and their handout, team lists, a refused page and a missing one."""
    carol = get_user_model().objects.get(username="carol")
    program = carol.memberships.get().organization
    service = Service.objects.get(name=SERVICE_NAME)
    referral = Referral.objects.filter(referring_organization=program).order_by("sent_at").first()
    resource_list = handout_services.resource_list_create(organization=program, created_by=carol, title="Child care")
    handout_services.resource_list_add(resource_list=resource_list, service=service)
    team_list = handout_services.team_list_create(organization=program, name="Our go-to child care", created_by=carol)
    handout_services.team_list_add(team_list=team_list, service=service)
    sign_in(page, live_server, "carol")
    report = check_pages(
        page,
        live_server,
        {
            "home": reverse("home"),
            "search results": f"{reverse('search:page')}?q=daycare",
            "service page": service_path(service),
            "new referral form": f"{reverse('referrals:new')}?service={service.pk}",
            "new referral for a participant": (
                f"{reverse('referrals:new')}?service={service.pk}&participant={referral.participant_id}"
            ),
            "referral detail": reverse("referrals:detail", args=[referral.pk]),
            "referral slip": reverse("referrals:slip", args=[referral.pk]),
            "dashboard": reverse("referrals:dashboard"),
            "reports": reverse("reports:page"),
            "resource lists": reverse("handouts:index"),
            "resource list": reverse("handouts:detail", args=[resource_list.pk]),
            "handout": reverse("handouts:handout", args=[resource_list.pk]),
            "team lists": reverse("handouts:team_lists"),
            "team list": reverse("handouts:team_list", args=[team_list.pk]),
            "participant": reverse("handouts:participant", args=[referral.participant_id]),
            "change password": reverse("password_change"),
            "403": reverse("portal:review_queue"),
            "404": NOWHERE,
        },
        {"403": 403, "404": 404},
    )
    assert_no_violations(report)


def test_agency_editor_pages_pass_axe(page, live_server, live_demo_network):
    """alice: her home, search, her service page, the inbox, a referral she received, the agency portal's
    listing, its edit and hours pages, the corrections, a refused page and a missing one."""
    service = Service.objects.get(name=SERVICE_NAME)
    referral = Referral.objects.filter(receiving_organization=service.organization).order_by("sent_at").first()
    location = service.locations.order_by("name").first()
    sign_in(page, live_server, "alice")
    report = check_pages(
        page,
        live_server,
        {
            "home": reverse("home"),
            "search results": f"{reverse('search:page')}?q=daycare",
            "service page": service_path(service),
            "inbox": reverse("referrals:inbox"),
            "referral detail": reverse("referrals:detail", args=[referral.pk]),
            "portal": reverse("portal:home"),
            "organization": reverse("portal:organization", args=[service.organization_id]),
            "listing": reverse("portal:service", args=[service.pk]),
            "listing edit": reverse("portal:service_edit", args=[service.pk, "details"]),
            "hours": reverse("portal:service_edit", args=[service.pk, "hours"]),
            **{
                f"listing {section}": reverse("portal:service_edit", args=[service.pk, section])
                for section in ("eligibility", "locations", "languages", "documents", "costs", "areas")
            },
            "organization edit": reverse("portal:organization_edit", args=[service.organization_id]),
            "location edit": reverse("portal:location_edit", args=[location.pk]),
            "new service": reverse("portal:service_new", args=[service.organization_id]),
            "history": reverse("portal:history", args=[service.pk]),
            "corrections": reverse("portal:corrections"),
            "403": f"{reverse('referrals:new')}?service={service.pk}",
            "404": NOWHERE,
        },
        {"403": 403, "404": 404},
    )
    assert_no_violations(report)


def test_network_admin_pages_pass_axe(page, live_server, live_demo_network):
    """The network admin: home, search, a service page, the dashboard, reports, the portal, the review queue
    and an edit held in it (alice's, with edits held for review), access requests, the network's settings,
    and a missing page."""
    service = Service.objects.get(name=SERVICE_NAME)
    NetworkSettings.objects.create(publishing_mode=NetworkSettings.PublishingMode.REVIEW)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}{reverse('portal:service_edit', args=[service.pk, 'details'])}")
    page.get_by_label("Description", exact=True).fill("Full-day care for infants and toddlers, 6 weeks to 3 years.")
    page.get_by_role("button", name="Send for review").click()
    held_edit = PendingEdit.objects.get(service=service, status=PendingEdit.Status.PENDING)
    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    report = check_pages(
        page,
        live_server,
        {
            "home": reverse("home"),
            "search results": f"{reverse('search:page')}?q=daycare",
            "service page": service_path(service),
            "dashboard": reverse("referrals:dashboard"),
            "reports": reverse("reports:page"),
            "portal": reverse("portal:home"),
            "listing edit": reverse("portal:service_edit", args=[service.pk, "details"]),
            "review": reverse("portal:review_queue"),
            "held edit": reverse("portal:review_edit", args=[held_edit.pk]),
            "requests": reverse("portal:requests"),
            "network settings": reverse("portal:network_settings"),
            "404": NOWHERE,
        },
        {"404": 404},
    )
    assert_no_violations(report)
