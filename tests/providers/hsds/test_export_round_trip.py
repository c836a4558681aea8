"""Export → an empty database → import gives back the directory's rows, field by field (issue 16, item 14).

Not export compared with export: a fact that the export never writes would be missing from both files.
The rows are compared as ``tests/providers/hsds/rows.py`` reads them, every listing record and relation,
leaving out only the database's own bookkeeping (its timestamps, the person who confirmed a listing).
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from providers.models import Organization, TaxonomyTerm
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
