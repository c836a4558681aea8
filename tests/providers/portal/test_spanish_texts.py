"""Agency editors write the Spanish of each text a participant reads beside the English (issue 19)."""

from django.urls import reverse

from providers.models import ChangeRecord, CostOption, Organization, RequiredDocument, Schedule, Service

from .conftest import html_of, monday_hours, open_form, post_form


def section_url(service: Service, section: str) -> str:
    return reverse("portal:service_edit", args=[service.pk, section])


def test_the_editor_writes_the_spanish_of_the_service_texts(client, alice, service_a):
    """Name, description, how to apply and fees on the details page; who qualifies on its own page."""
    client.force_login(alice)
    details, eligibility = section_url(service_a, "details"), section_url(service_a, "eligibility")

    post_form(
        client,
        details,
        open_form(client, details),
        name_es="Guardería Amanecer",
        description_es="Cuidado infantil de día completo.",
        application_process_es="Llame antes de venir.",
        fees_description_es="Gratis.",
    )
    post_form(client, eligibility, open_form(client, eligibility), eligibility_description_es="Familias del barrio.")

    service = Service.objects.get(pk=service_a.pk)
    assert (service.name, service.name_es) == ("Sunrise Daycare", "Guardería Amanecer")
    assert service.description_es == "Cuidado infantil de día completo."
    assert service.application_process_es == "Llame antes de venir."
    assert service.fees_description_es == "Gratis."
    assert service.eligibility_description_es == "Familias del barrio."
    # The history names each change in the editor's words.
    fields = set(ChangeRecord.objects.filter(service=service).values_list("field_name", flat=True))
    assert {"name_es", "description_es", "eligibility_description_es"} <= fields


def test_the_spanish_box_follows_its_english_one_marked_as_spanish(client, alice, service_a):
    """Each Spanish box comes right after the English one it translates, labelled so, with lang="es"."""
    client.force_login(alice)

    html = html_of(client.get(section_url(service_a, "details")))
    spanish = html_of(client.get(section_url(service_a, "details"), HTTP_ACCEPT_LANGUAGE="es"))

    assert html.index('name="name"') < html.index('name="name_es"') < html.index('name="alternate_name"')
    assert html.index('name="description"') < html.index('name="description_es"') < html.index('name="status"')
    assert ">Description in Spanish</label>" in html and ">Descripción en español</label>" in spanish
    assert '<textarea name="description_es" cols="40" rows="3" lang="es" id="id_description_es">' in html


def test_the_editor_writes_the_spanish_of_hours_notes_holidays_costs_and_documents(client, alice, service_a):
    client.force_login(alice)
    hours, costs, documents = (section_url(service_a, name) for name in ("hours", "costs", "documents"))
    form = open_form(client, hours)
    monday = next(name for name, value in form.items() if name.endswith("-weekday") and value == ["MO"])
    row = monday.removesuffix("-weekday")

    post_form(
        client,
        hours,
        form,
        **{
            f"{row}-description": "Closed 12-1 for lunch",
            f"{row}-description_es": "Cerrado de 12 a 1",
            "closures-0-valid_from": "2099-12-25",
            "closures-0-description": "Christmas Day",
            "closures-0-description_es": "Día de Navidad",
        },
    )
    post_form(
        client, costs, open_form(client, costs), costs__0__option="Weekly fee", costs__0__option_es="Cuota semanal"
    )
    post_form(
        client,
        documents,
        open_form(client, documents),
        documents__0__document="Photo ID",
        documents__0__document_es="Identificación con foto",
    )

    assert monday_hours(service_a).description_es == "Cerrado de 12 a 1"
    assert Schedule.objects.get(service=service_a, kind=Schedule.Kind.CLOSURE).description_es == "Día de Navidad"
    assert CostOption.objects.get(service=service_a).option_es == "Cuota semanal"
    assert RequiredDocument.objects.get(service=service_a).document_es == "Identificación con foto"


def test_the_editor_writes_the_spanish_of_the_organization(client, alice, agency_a):
    client.force_login(alice)
    url = reverse("portal:organization_edit", args=[agency_a.pk])

    post_form(client, url, open_form(client, url), name_es="Agencia A", description_es="Un proveedor de cuidado.")

    agency = Organization.objects.get(pk=agency_a.pk)
    assert (agency.name_es, agency.description_es) == ("Agencia A", "Un proveedor de cuidado.")
