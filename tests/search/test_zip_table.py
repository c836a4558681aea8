"""The ZIP gazetteer search reads (fixtures/gazetteer/zip-codes.npz) answers as the `zipcodes` package does."""

import random

import zipcodes

from search.geography import Place, _zip_table, counties_of_state, place_for_zip


def place_from_package(record: dict) -> Place:
    """What place_for_zip answered when it read the package's records."""
    county = f"{record['county']}, {record['state']}" if record["county"] else ""
    return Place(
        latitude=float(record["lat"]),
        longitude=float(record["long"]),
        zip_code=record["zip_code"],
        county=county,
        state=record["state"],
        timezone=record["timezone"],
    )


def test_it_locates_every_zip_of_a_sample_as_the_package_does():
    """A random sample of the package's ZIP codes (with and without a county, all states) gives the same point,
    county, state and time zone to the last bit; rerun fixtures/gazetteer/build_zip_codes.py if this fails after
    an upgrade of `zipcodes`."""
    records = zipcodes.list_all()
    assert len(_zip_table().codes) == len(records)
    sample = random.Random(21).sample(records, 2000) + [record for record in records if not record["county"]][:50]
    for record in sample:
        assert place_for_zip(record["zip_code"]) == place_from_package(record), record["zip_code"]
    colorado = {f"{r['county']}, CO" for r in records if r["state"] == "CO" and r["county"]}
    assert counties_of_state("CO") == colorado


def test_it_knows_no_other_zip():
    """A five-digit code the package does not list, and digits that only look like a ZIP, locate nothing."""
    listed = {record["zip_code"] for record in zipcodes.list_all()}
    unlisted = [f"{number:05d}" for number in range(0, 100_000, 997) if f"{number:05d}" not in listed]
    assert unlisted
    for zip_code in [*unlisted, "80219\n", "٨٠٢١٩", "8O219", " 8021"]:
        assert place_for_zip(zip_code) is None, repr(zip_code)


def test_it_holds_the_gazetteer_in_about_a_megabyte():
    """Each web process keeps the whole table: columns of about 1 MB, not the package's 140 MB of dicts."""
    table = _zip_table()
    columns = (table.codes, table.latitudes, table.longitudes, table.counties, table.states, table.timezones)
    assert sum(column.nbytes for column in columns) < 1_500_000
