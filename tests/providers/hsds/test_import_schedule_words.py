"""HSDS 1.1's regular_schedules.original_text, the hours as the source wrote them, is kept or named (issue 16, item 6).

With a weekday and times, the words go with the hours as the schedule's notes. A row with only words (a
real 2-1-1 export writes thousands: "8:00am-5:00pm, Mon-Fri") has nothing the directory can keep as hours:
each is left out with a warning that names original_text, grouped with its count; none is an error.
"""

import pytest

from providers.hsds.importer import import_hsds
from providers.models import Schedule

pytestmark = pytest.mark.django_db


def write(folder, files: dict[str, str]):
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_it_keeps_original_text_with_the_hours_or_names_it(tmp_path):
    """Hours keep their words as notes; rows with words only are warned about, with their count."""
    folder = write(
        tmp_path / "dataset",
        {
            "organizations.csv": "id,name,description\n1,Agency,Helps.\n",
            "services.csv": "id,organization_id,name,status\n10,1,Food Bank,active\n11,1,Clinic,active\n",
            "regular_schedules.csv": (
                "id,service_id,location_id,service_at_location_id,weekday,opens_at,closes_at,original_text\n"
                ",10,,,Monday,9:00,17:00,Mon 9-5 (last entry 4:30)\n"
                ',11,,,,,,"8:00am-5:00pm, Mon-Fri"\n'
                ",10,,,,,,Please call for hours\n"
                ",11,,,,,,\n"
            ),
        },
    )

    report = import_hsds(folder, format="hsds-1.1", source="dataset")

    hours = Schedule.objects.get()
    assert (hours.weekday, f"{hours.opens_at:%H:%M}", hours.notes) == ("MO", "09:00", "Mon 9-5 (last entry 4:30)")
    in_words = [problem for problem in report.warnings if problem.field == "original_text"]
    assert [problem.where for problem in in_words] == ["regular_schedules.csv line 3", "regular_schedules.csv line 4"]
    assert {problem.reason for problem in in_words} == {
        "Hours given only in words (original_text): the directory keeps weekdays and times; left out."
    }
    [empty] = [problem for problem in report.warnings if problem.where == "regular_schedules.csv line 5"]
    assert empty.reason == "No weekday and no hours: nothing to keep."
    assert report.errors == []
    assert report.tally("schedule").skipped == 3
