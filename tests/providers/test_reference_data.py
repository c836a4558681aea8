"""`manage.py load_reference_data` gives a real network its taxonomies (synonyms and Spanish names included),
with no demo providers and no users, and is safe to run again."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from providers.models import Organization, Service, Taxonomy, TaxonomyTerm

pytestmark = pytest.mark.django_db


def load() -> str:
    output = io.StringIO()
    call_command("load_reference_data", stdout=output)
    return output.getvalue()


def test_it_loads_the_taxonomies_and_nothing_of_the_demo():
    """Categories with synonyms and Spanish names, populations and insurance; no organization, service or user."""
    output = load()

    assert set(Taxonomy.objects.values_list("code", flat=True)) == {"categories", "populations", "insurance"}
    child_care = TaxonomyTerm.objects.get(code="child-care")
    assert child_care.name_es
    assert TaxonomyTerm.objects.categories().exclude(synonyms="").exists()
    assert not Organization.objects.exists()
    assert not Service.objects.exists()
    assert not User.objects.exists()
    assert "taxonomy terms" in output
    assert "poverty guidelines for 2024, 2025" in output


def test_it_changes_nothing_the_second_time():
    """A second run finds every term as the file has it."""
    load()
    before = list(TaxonomyTerm.objects.order_by("id").values())

    output = load()

    assert list(TaxonomyTerm.objects.order_by("id").values()) == before
    assert "created 0" in output
