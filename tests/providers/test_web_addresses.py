"""Every URL field of a listing keeps what the HSDS schema's ``format: uri`` accepts: the admin, the portal and the
import save the same models, and ``full_clean`` normalises and validates in one place (providers/uris.py)."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from rfc3986_validator import validate_rfc3986

from providers import models as listings
from providers.models import Organization, RequiredDocument, Service
from providers.uris import URL_MAX_LENGTH, WebAddressField

pytestmark = pytest.mark.django_db


def test_every_url_field_of_the_listings_follows_the_rule():
    """No plain URLField is left among the providers models (the rule is the field's)."""
    plain = [
        f"{model.__name__}.{field.name}"
        for model in (value for value in vars(listings).values() if isinstance(value, type))
        if issubclass(model, models.Model) and not model._meta.abstract
        for field in model._meta.get_fields()
        if isinstance(field, models.URLField) and not isinstance(field, WebAddressField)
    ]
    assert plain == []


def test_full_clean_normalises_a_url_django_accepts_but_the_schema_does_not(agency_a):
    agency_a.website = "https://agency-a.example.org/it’s {here}"
    agency_a.logo = "//cdn.example.org/logo.png"
    agency_a.full_clean()

    assert agency_a.website == "https://agency-a.example.org/it%E2%80%99s%20%7Bhere%7D"
    assert agency_a.logo == "https://cdn.example.org/logo.png"
    assert validate_rfc3986(agency_a.website, rule="URI")


def test_full_clean_refuses_what_is_no_url(agency_a):
    agency_a.website = "mailto:front@agency-a.example.org"
    with pytest.raises(ValidationError) as error:
        agency_a.full_clean()
    assert "website" in error.value.message_dict


def test_a_url_may_be_long_and_a_required_document_longer_than_200(agency_a, service_a):
    agency_a.website = "https://agency-a.example.org/" + "page/" * 300
    agency_a.full_clean()
    agency_a.save()
    assert len(Organization.objects.get(pk=agency_a.pk).website) == 29 + 5 * 300 <= URL_MAX_LENGTH

    document = RequiredDocument(service=service_a, document="Proof of address, " * 20)
    document.full_clean()
    document.save()
    assert len(RequiredDocument.objects.get(pk=document.pk).document) == 360


def test_the_migration_normalises_the_urls_stored_before(agency_a, service_a):
    """URLs saved before the rule (by a bulk write, or an older version) are rewritten; unreadable ones are left."""
    from django.apps import apps

    normalise_stored_urls = importlib.import_module(
        "providers.migrations.0012_normalise_stored_urls"
    ).normalise_stored_urls
    Organization.objects.filter(pk=agency_a.pk).update(website="https://agency-a.example.org/it’s", logo="not a url")
    Service.objects.filter(pk=service_a.pk).update(url="www.agency-a.example.org/food")

    normalise_stored_urls(apps, None)

    agency_a.refresh_from_db()
    service_a.refresh_from_db()
    assert (agency_a.website, agency_a.logo) == ("https://agency-a.example.org/it%E2%80%99s", "not a url")
    assert service_a.url == "https://www.agency-a.example.org/food"
