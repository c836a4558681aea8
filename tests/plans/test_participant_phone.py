"""The participant's own plan on a 360 by 740 phone screen, in Debian's Chromium: nothing wider than the screen,
no CSP complaint, and "I did this" and "I need help with this" work with a thumb and say what happened."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from plans.models import PlanLink, Step
from plans.selectors import week_of
from providers.models import Phone
from tests.e2e.conftest import ARTIFACTS, browser, page  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]

LONG_WORDS = (
    "Nadie puede cuidar a mi hija durante la capacitación porque mi mamá trabaja en el turno de noche en "
    "https://www.hospitalmetropolitanodedenver.example.org/empleos/turnos-nocturnos-y-fines-de-semana"
)


@pytest.fixture
def browser_context_options() -> dict:
    return {"viewport": {"width": 360, "height": 740}, "locale": "es-US", "is_mobile": True, "has_touch": True}


def test_the_plan_fits_a_phone_and_its_buttons_work(transactional_db, live_server, page, plan, child_care, carol):  # noqa: F811
    """Open the private link on a phone: the Spanish page fits 360 px; "Lo hice" marks a step done; "Necesito
    ayuda con esto" with a note puts the other step in carol's week; the language switch turns it into English."""
    Phone.objects.create(organization=plan.participant.organization, number="303-555-0100")
    child_care.in_their_words = LONG_WORDS
    child_care.save()
    first = plan_services.step_add(
        barrier=child_care, text="Visitar dos guarderías", due_on=timezone.localdate(), actor=carol
    )
    second = plan_services.step_add(
        barrier=child_care,
        text="Pedir la carta de autorización de la ayuda para el cuidado infantil",
        due_on=timezone.localdate() + datetime.timedelta(days=5),
        actor=carol,
    )
    token = PlanLink.objects.get(plan=plan).token
    expect = pytest.importorskip("playwright.sync_api").expect

    page.goto(f"{live_server.url}{reverse('plans:mine_link', args=[token])}")

    assert page.url == f"{live_server.url}{reverse('plans:mine')}"
    expect(page.get_by_role("heading", name="Su plan")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "plan-mine-phone.png", full_page=True)

    page.locator(f"#step-{first.pk}").get_by_role("button", name="Lo hice").tap()

    expect(page.get_by_text("Bien hecho.")).to_be_visible()
    first.refresh_from_db()
    assert first.status == Step.Status.DONE

    step = page.locator(f"#step-{second.pk}")
    step.get_by_text("Necesito ayuda con esto").tap()
    step.get_by_label("¿Qué le ayudaría?").fill("No sé dónde pedir la carta.")
    step.get_by_role("button", name="Pedir ayuda a mi gestor de casos").tap()

    expect(page.get_by_text("Su gestor de casos se comunicará con usted sobre este paso.")).to_be_visible()
    assert [waiting.pk for waiting in week_of(carol).help_requested] == [second.pk]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="English").tap()

    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    assert page.url == f"{live_server.url}{reverse('plans:mine')}"
    assert page.csp_violations == []
