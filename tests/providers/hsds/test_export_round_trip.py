"""Export → an empty database → import gives back the directory's rows, field by field (issue 16, item 14).

Not export compared with export: a fact that the export never writes would be missing from both files.
The rows are compared as ``tests/providers/hsds/rows.py`` reads them, every listing record and relation,
leaving out only the database's own bookkeeping (its timestamps, the person who confirmed a listing).
"""

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from providers.hsds.importer.records import MODELS
from providers.hsds.serialize import taxonomy_term_to_hsds
from providers.models import (
    Address,
    Attribute,
    CostOption,
    Location,
    Organization,
    Phone,
    Schedule,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from tests.providers.hsds.rows import assert_same_rows, listing_rows
from tests.providers.hsds.test_export import empty_the_database, export
from tests.providers.hsds.test_import import hsds_file

pytestmark = pytest.mark.django_db


def import_export(folder: Path, **options) -> str:
    """Import one form of an export; return what the command wrote to standard error."""
    err = io.StringIO()
    call_command("import_hsds", str(folder), stdout=io.StringIO(), stderr=err, **options)
    return err.getvalue()


@pytest.mark.usefixtures("demo_network")
@pytest.mark.parametrize("form", ["json", "csv"])
def test_it_gives_back_every_row_of_the_demo_network(tmp_path, form):
    """Every organization, service, location, part, taxonomy and term, with each term's synonyms and Spanish name."""
    assert TaxonomyTerm.objects.exclude(synonyms="").exists() and TaxonomyTerm.objects.exclude(name_es="").exists()
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())


@pytest.fixture
def what_the_demo_lacks(demo_network) -> None:
    """Values the demo network does not hold and an export could bend: a network's own taxonomy, a term
    attached (as an import stores attributes) to one record of every kind that HSDS gives attributes, phone
    extensions that are not plain numbers, opening hours to the second, a price in cents, and locations
    without an organization (one of a service, one on its own)."""
    taxonomy = Taxonomy.objects.create(code="tags", name="Partner tags", description="A partner's tags.")
    access = TaxonomyTerm.objects.create(
        taxonomy=taxonomy, code="access", name="Access", name_es="Acceso", synonyms="reach, entry"
    )
    walk_in = TaxonomyTerm.objects.create(
        taxonomy=taxonomy,
        parent=access,
        code="walk-in",
        name="Walk-in",
        description="No appointment needed.",
        term_uri="https://example.org/tags/walk-in",
    )
    # HSDS 3.0 gives a taxonomy no attributes, and an attribute none of its own.
    for kind in sorted(set(MODELS) - {"taxonomy", "attribute"}):
        record = MODELS[kind].objects.order_by("pk").first()
        if record is None:
            continue  # a kind the demo does not use
        Attribute.objects.create(
            taxonomy_term=walk_in, link_entity=kind, link_id=record.pk, link_type="tag", value=f"on a {kind}"
        )
    first, second = Phone.objects.order_by("pk")[:2]
    Phone.objects.filter(pk=first.pk).update(extension="12a")
    Phone.objects.filter(pk=second.pk).update(extension="0042")
    hours = Schedule.objects.filter(kind=Schedule.Kind.HOURS).order_by("pk").first()
    Schedule.objects.filter(pk=hours.pk).update(opens_at=datetime.time(8, 59, 30))
    CostOption.objects.filter(pk=CostOption.objects.order_by("pk").first().pk).update(amount=Decimal("12.50"))
    Location.objects.filter(pk=ServiceAtLocation.objects.order_by("pk").first().location_id).update(organization=None)
    stop = Location.objects.create(name="Mobile pantry stop", latitude=39.7, longitude=-105.0)
    Address.objects.create(
        location=stop, address_1="1000 W Colfax Ave", city="Denver", state_province="CO", postal_code="80204"
    )
    Phone.objects.create(location=stop, number="303-555-0199")


@pytest.mark.usefixtures("what_the_demo_lacks")
@pytest.mark.parametrize("form", ["json", "csv"])
def test_it_gives_back_what_the_demo_lacks(tmp_path, form):
    """A network's own taxonomy, its terms on every kind of record, odd extensions, seconds, cents, locations of
    no organization: all back."""
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())


@pytest.mark.usefixtures("demo_network")
def test_it_gives_back_the_demo_network_on_a_new_networks_first_day(tmp_path):
    """As README's "Start a real network" does it: the reference data first, then the import of the export."""
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    call_command("load_reference_data", stdout=io.StringIO())
    import_export(tmp_path / "json")

    assert_same_rows(before, listing_rows())


@pytest.mark.parametrize("form", ["json", "csv"])
def test_it_gives_back_an_imported_real_dataset(tmp_path, form):
    """The ILAO HSDS 1.1 dataset as a new network imports it (--partial); its export brings back the same rows."""
    empty_the_database()  # the demo network may be there for this module's other tests
    import_export(hsds_file("datasets", "ilao-hsds-1.1"), format="hsds-1.1", partial=True)
    assert Organization.objects.count() > 30
    before = listing_rows()

    export(tmp_path)
    empty_the_database()
    import_export(tmp_path / form)

    assert_same_rows(before, listing_rows())


def test_it_keeps_a_terms_spanish_name_and_synonyms_that_a_source_does_not_give(tmp_path):
    """A term from another source says nothing of them: the directory keeps its own; our extras replace them."""
    taxonomy = Taxonomy.objects.create(code="partner-needs", name="Partner needs", description="A partner's needs.")
    child_care = TaxonomyTerm.objects.create(
        taxonomy=taxonomy, code="child-care", name="Child care", name_es="Cuidado infantil", synonyms="daycare"
    )
    term = {"id": str(child_care.pk), "name": "Child care", "description": "", "taxonomy_id": str(taxonomy.pk)}
    (tmp_path / "taxonomy_terms.json").write_text(json.dumps([term]))

    import_export(tmp_path / "taxonomy_terms.json")

    child_care.refresh_from_db()
    assert (child_care.name_es, child_care.synonyms) == ("Cuidado infantil", "daycare")

    child_care.name_es, child_care.synonyms = "Guardería", "nursery"
    (tmp_path / "taxonomy_terms.json").write_text(json.dumps([taxonomy_term_to_hsds(child_care)]))

    import_export(tmp_path / "taxonomy_terms.json")

    child_care.refresh_from_db()
    assert (child_care.name_es, child_care.synonyms) == ("Guardería", "nursery")
