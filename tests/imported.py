"""A service as a real network's first import brings it: the source states no capacity, referral method,
gender or rule about who qualifies (HSDS 3.0 has no field for them, and most real feeds say nothing).

Shared by the tests of the pages, the search and the feed: what the directory shows and does with a
service about which nobody said any of these things.
"""

import io
import json
from pathlib import Path

from django.core.management import call_command

from providers.models import Service, TaxonomyTerm

SOURCE = "partner"
NAME = "Evening Daycare"
# A square around southwest Denver (ZIP 80219), longitude first.
WESTWOOD_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[-105.1, 39.6], [-104.9, 39.6], [-104.9, 39.8], [-105.1, 39.8], [-105.1, 39.6]]],
}


def unstated_record(*, category: TaxonomyTerm | None = None) -> dict:
    """An HSDS 3.0 service, with its organization, a Westwood location and a service area, stating nothing more."""
    record = {
        "id": "svc-1",
        "name": NAME,
        "description": "Child care until 11 pm for parents who work evenings.",
        "status": "active",
        "organization": {"id": "org-1", "name": "Westside Family Agency", "description": "Family services."},
        "service_areas": [
            {"id": "area-1", "name": "Westwood", "extent_type": "geojson", "extent": json.dumps(WESTWOOD_SQUARE)}
        ],
        "service_at_locations": [
            {
                "id": "sal-1",
                "location": {
                    "id": "loc-1",
                    "name": "Westwood center",
                    "location_type": "physical",
                    "latitude": 39.6956,
                    "longitude": -105.0341,
                    "addresses": [
                        {
                            "id": "address-1",
                            "address_1": "3300 W Alameda Ave",
                            "city": "Denver",
                            "state_province": "CO",
                            "postal_code": "80219",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [],
    }
    if category is not None:
        record["attributes"].append(
            {"id": "attribute-1", "taxonomy_term_id": str(category.pk), "link_type": "category"}
        )
    return record


def import_records(folder: Path, records: list[dict], **options) -> str:
    """Import the records as one HSDS 3.0 JSON file of SOURCE; return what the command wrote to stderr."""
    path = folder / "partner.json"
    path.write_text(json.dumps(records))
    err = io.StringIO()
    call_command(
        "import_hsds", str(path), format="hsds-3.0", source=SOURCE, stdout=io.StringIO(), stderr=err, **options
    )
    return err.getvalue()


def import_unstated_service(folder: Path, *, category: TaxonomyTerm | None = None) -> Service:
    """Import unstated_record() and return the service it made."""
    import_records(folder, [unstated_record(category=category)])
    return Service.objects.get(name=NAME)
