"""What import_hsds tells a data steward: problems by the source's own ids, grouped, and every one in --report.

A steward fixes the source, not the directory: every problem names the record as the source writes it
(never the UUID the importer derives for ids that are not UUIDs), its file and line or JSON pointer, the
field and the value. The default output stays readable whatever the size of the data (similar problems
grouped with a count and three examples); -v 2 lists every problem, and --report FILE writes every one
as CSV, also when the import is rolled back. A closing table per kind adds up: what the source holds is
what was imported plus what was skipped, and every skipped record has a reason.
"""

import csv
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory.csvsafe import SKIPPED, TRIGGERS
from providers.hsds.importer.records import IMPORT_NAMESPACE
from providers.models import Organization, Service
from tests.providers.hsds.test_import import hsds_file, run

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
COLUMNS = ["severity", "file", "line", "json_pointer", "kind", "source_id", "field", "value", "reason", "detail"]
TABLE_COLUMNS = ["in source", "imported", "created", "updated", "unchanged", "skipped", "warnings"]


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def table(rows: list[list]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def problem_lines(err: str) -> list[str]:
    """Standard error without the progress bar (it redraws one line with carriage returns)."""
    return [line for line in err.splitlines() if line.strip() and not line.startswith("[")]


def closing_table(out: str) -> dict[str, dict[str, int]]:
    """The closing table: {"Services": {"in source": 3, "imported": 2, ...}, ...}."""
    lines = out.splitlines()
    start = next(number for number, line in enumerate(lines) if line.split() and "in source" in line)
    assert re.split(r"\s{2,}", lines[start].strip()) == TABLE_COLUMNS
    rows = {}
    for line in lines[start + 1 :]:
        match = re.fullmatch(r"(\S.*?)\s{2,}([\d,]+(?:\s+[\d,]+){6})", line.rstrip())
        if not match:
            break
        rows[match[1]] = dict(zip(TABLE_COLUMNS, (int(n.replace(",", "")) for n in match[2].split()), strict=True))
    return rows


def skipped_by_reason(out: str) -> dict[str, dict[str, int]]:
    """The "Skipped, by reason" section: {"Locations": {"organization_id: No organization ...": 12}}."""
    lines = out.splitlines()
    if "Skipped, by reason:" not in lines:
        return {}
    reasons: dict[str, dict[str, int]] = {}
    kind = None
    for line in lines[lines.index("Skipped, by reason:") + 1 :]:
        if match := re.fullmatch(r"  (\S.*): ([\d,]+)", line):
            kind = match[1]
            reasons[kind] = {}
        elif match := re.fullmatch(r"\s{4,}([\d,]+)  (.*)", line):
            reasons[kind][match[2]] = int(match[1].replace(",", ""))
        else:
            break
    return reasons


def made_by_the_import(out: str) -> dict[str, int]:
    """The records the import made that the source does not hold (an organization for a service without one)."""
    line = next((line for line in out.splitlines() if line.startswith("Made by the import")), "")
    items = [item.rsplit(" ", 1) for item in line.split(": ", 1)[1].split("; ")] if line else []
    return {label: int(count.replace(",", "")) for label, count in items}


def read_report(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def exact(cell: str) -> str:
    """A report cell as the source wrote it: the rule the README gives for programs that read the report."""

    def marked(text: str) -> bool:
        return text.lstrip(SKIPPED)[:1] in TRIGGERS or (text.startswith("'") and marked(text[1:]))

    return cell[1:] if cell.startswith("'") and marked(cell[1:]) else cell


@pytest.fixture
def legacy(tmp_path) -> Path:
    """HSDS 1.1 CSV (ids that are not UUIDs) with broken references, a column no mapping reads and more."""
    return write(
        tmp_path / "county-211",
        {
            "organizations.csv": table(
                [["id", "name", "description"], ["org-1", "Eastside Partners", "Runs the Eastside center."]]
            ),
            "services.csv": table(
                [
                    ["id", "organization_id", "name", "status", "x_internal_code"],
                    ["svc-1", "org-1", "Food pantry", "active", "A-12"],
                    ["svc-2", "org-1", "Hot meals", "active", "A-13"],
                ]
            ),
            "locations.csv": table([["id", "organization_id", "name"], ["loc-1", "org-1", "Main hall"]]),
            "services_at_location.csv": table(
                [["id", "service_id", "location_id"], ["sal-1", "svc-1", "loc-1"], ["sal-2", "svc-2", "loc-404"]]
            ),
            "phones.csv": table(
                [["id", "service_id", "number"], ["ph-1", "svc-1", "555-0100"], ["ph-2", "svc-404", "555-0101"]]
            ),
            "regular_schedules.csv": table(
                [
                    ["service_id", "weekday", "opens_at", "closes_at", "x_season"],
                    ["svc-1", "Monday", "9:00", "17:00", "Summer"],
                ]
            ),
        },
    )


def test_it_names_the_source_ids_of_a_legacy_dataset(legacy, tmp_path):
    """A broken reference names the record and the id it points at as the source writes them, never a UUID."""
    report = tmp_path / "problems.csv"

    _, err = run(legacy, format="hsds-1.1", partial=True, report=str(report))

    assert "services_at_location.csv line 3: service_at_location sal-2: location_id" in err
    assert "loc-404" in err
    assert "phones.csv line 3: phone ph-2: service_id" in err
    assert "svc-404" in err
    assert not UUID.search(err)  # the source has no UUIDs: the importer's derived ones are never shown
    rows = read_report(report)
    assert not any(UUID.search(" ".join(row.values())) for row in rows)
    location = next(row for row in rows if row["source_id"] == "sal-2")
    assert location | {"reason": "", "detail": ""} == {
        "severity": "error",
        "file": "services_at_location.csv",
        "line": "3",
        "json_pointer": "",
        "kind": "service_at_location",
        "source_id": "sal-2",
        "field": "location_id",
        "value": "loc-404",
        "reason": "",
        "detail": "",
    }
    assert "location" in location["reason"].lower()


def test_it_names_the_source_ids_of_json_whose_ids_are_not_uuids(tmp_path):
    """HSDS JSON with ids of its own (2.0 exports, Open Referral UK): the parent and owners by those ids."""
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "org-2",
                    "name": "Westside Aid",
                    "description": "",
                    "parent_organization_id": "org-parent-404",
                    "services": [
                        {
                            "id": "svc-20",
                            "name": "Advice",
                            "status": "active",
                            "service_at_locations": [{"id": "sal-20", "location_id": "loc-missing"}],
                        }
                    ],
                }
            ]
        )
    )

    _, err = run(path, partial=True, verbosity=2, source="westside")

    assert "organization org-2: parent_organization_id" in err
    assert "org-parent-404" in err
    assert "service_at_location sal-20: location_id" in err
    assert "loc-missing" in err
    derived = uuid.uuid5(IMPORT_NAMESPACE, "westside/organization/org-parent-404")
    assert str(derived) not in err
    assert not UUID.search(err)


@pytest.fixture
def many_problems(tmp_path) -> Path:
    """HSDS 1.1 CSV with 1,500 services and the same few problems on every one of them."""
    count = 1500
    return write(
        tmp_path / "big-211",
        {
            "organizations.csv": table([["id", "name", "description"], ["1", "Big Agency", "Helps."]]),
            "services.csv": table(
                [["id", "organization_id", "name", "status"]]
                + [[f"s{n}", "1", f"Service {n}", f"maybe-{n}" if n % 2 else "active"] for n in range(count)]
            ),
            "services_at_location.csv": table(
                [["id", "service_id", "location_id"]] + [[f"sal{n}", f"s{n}", f"l{n}"] for n in range(count)]
            ),
            "phones.csv": table(
                [["id", "service_id", "number", "type"]]
                + [[f"p{n}", f"gone{n}", "555-0100", "beeper"] for n in range(count)]
            ),
            "regular_schedules.csv": table(
                [["service_id", "weekday", "opens_at", "closes_at"]]
                + [[f"s{n}", "Someday", "9:00", "17:00"] for n in range(count)]
            ),
        },
    )


def test_it_groups_thousands_of_similar_problems_into_a_few_lines_with_counts(many_problems):
    """Thousands of problems of a few kinds: a few lines each, with the count and examples by source id."""
    out, err = run(many_problems, format="hsds-1.1", partial=True)

    lines = problem_lines(err)
    assert len(lines) <= 60, "\n".join(lines)
    assert re.search(r"1,500 times", err)  # the missing locations: one group, counted
    assert "750 times" in err  # 750 statuses "maybe-1", "maybe-3" ...: one reason with the values left out
    assert "services_at_location.csv line 2: service_at_location sal0" in err  # an example, by source id
    assert "-v 2" in err and "--report" in err  # where the rest is
    assert len(out.splitlines()) <= 60


def test_it_lists_every_problem_at_verbosity_2(many_problems):
    """-v 2 writes each problem on a line of its own."""
    _, err = run(many_problems, format="hsds-1.1", partial=True, verbosity=2)

    lines = problem_lines(err)
    assert len([line for line in lines if line.startswith("error: ")]) >= 4 * 750
    assert any(
        line.startswith("error: services_at_location.csv line 1501: service_at_location sal1499") for line in lines
    )


def test_it_keeps_a_strict_run_that_fails_readable(many_problems):
    """All or nothing: the thousands of errors are grouped too, and the last line says what to do."""
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_hsds", str(many_problems), format="hsds-1.1", stdout=io.StringIO(), stderr=err)

    assert len(problem_lines(err.getvalue())) <= 60
    assert not Service.objects.exists()


def test_it_writes_every_problem_to_the_report_file(many_problems, tmp_path):
    """--report FILE: a CSV row per problem, the same problems -v 2 lists, readable by csv.DictReader."""
    report = tmp_path / "report.csv"

    _, err = run(many_problems, format="hsds-1.1", partial=True, verbosity=2, report=str(report))

    listed = [line for line in problem_lines(err) if line.startswith(("error: ", "warning: "))]
    rows = read_report(report)
    assert len(rows) == len(listed)
    assert {row["severity"] for row in rows} == {"error", "warning"}
    assert len([row for row in rows if row["severity"] == "error"]) == len(
        [line for line in listed if line.startswith("error: ")]
    )
    phone = next(row for row in rows if row["source_id"] == "p7")
    assert (phone["file"], phone["line"], phone["kind"], phone["field"], phone["value"]) == (
        "phones.csv",
        "9",
        "phone",
        "service_id",
        "gone7",
    )
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark: Excel reads it as UTF-8
    assert f"Every problem ({len(rows):,}) is in {report}" in err


def test_it_writes_the_report_when_the_import_is_rolled_back(legacy, tmp_path):
    """When nothing was imported is when the report is most needed: it is written before the command fails."""
    report = tmp_path / "report.csv"

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_hsds",
            str(legacy),
            format="hsds-1.1",
            report=str(report),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    rows = read_report(report)
    assert {"sal-2", "ph-2"} <= {row["source_id"] for row in rows if row["severity"] == "error"}
    assert not Organization.objects.exists()


def test_it_gives_json_pointers_in_the_report(tmp_path):
    """A problem in nested JSON names the file and the record's JSON pointer in a column of its own."""
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            {
                "id": "svc-30",
                "name": "Advice",
                "status": "active",
                "service_at_locations": [{"id": "sal-30", "location_id": "loc-missing"}],
            }
        )
    )
    report = tmp_path / "report.csv"

    run(path, partial=True, report=str(report))

    row = next(row for row in read_report(report) if row["source_id"] == "sal-30")
    assert (row["file"], row["line"], row["json_pointer"], row["value"]) == (
        "feed.json",
        "",
        "/service_at_locations/0",
        "loc-missing",
    )


def test_it_writes_values_exactly_and_never_as_a_formula(tmp_path):
    """Values from the source that a spreadsheet would run get its "this is text" apostrophe; nothing else changes."""
    folder = write(
        tmp_path / "formulas",
        {
            "organizations.csv": table([["id", "name", "description"], ["1", "Agency", "Helps."]]),
            "services.csv": table(
                [
                    ["id", "organization_id", "name", "status"],
                    ['=HYPERLINK("http://example.com")', "1", "A", "-active"],
                    ["2", "1", "B", "'=1+1"],
                    ["3", "1", "C", "café ☕"],
                ]
            ),
        },
    )
    report = tmp_path / "report.csv"

    run(folder, format="hsds-1.1", partial=True, report=str(report))

    rows = {exact(row["source_id"]): row for row in read_report(report) if row["field"] == "status"}
    assert rows['=HYPERLINK("http://example.com")']["source_id"] == '\'=HYPERLINK("http://example.com")'
    assert rows['=HYPERLINK("http://example.com")']["value"] == "'-active"
    assert rows["2"]["value"] == "''=1+1"  # what a spreadsheet shows is the value: '=1+1
    assert exact(rows["2"]["value"]) == "'=1+1"
    assert rows["3"]["value"] == "café ☕"


def closing_checks(out: str) -> dict[str, dict[str, int]]:
    """Check that the closing table adds up; return it."""
    rows = closing_table(out)
    made = made_by_the_import(out)
    reasons = skipped_by_reason(out)
    assert rows, out
    made["All records"] = sum(made.values())
    for label, row in rows.items():
        assert row["imported"] == row["created"] + row["updated"] + row["unchanged"], label
        assert row["in source"] + made.get(label, 0) == row["imported"] + row["skipped"], (label, row, out)
        if label != "All records":
            assert sum(reasons.get(label, {}).values()) == row["skipped"], (label, reasons.get(label), out)
    for column in TABLE_COLUMNS:
        assert rows["All records"][column] == sum(row[column] for label, row in rows.items() if label != "All records")
    total = rows["All records"]
    assert out.splitlines()[-1] == (
        f"Imported: created {total['created']} / updated {total['updated']} / "
        f"unchanged {total['unchanged']} / skipped {total['skipped']}"
    )
    return rows


@pytest.mark.parametrize(
    ("parts", "options"),
    [
        (("datasets", "ilao-hsds-1.1"), {"format": "hsds-1.1"}),
        (("datasets", "miami-switchboard-hsds-1.1"), {"format": "hsds-1.1"}),
        (("datasets", "ohana-san-mateo-sample"), {"format": "ohana"}),
        (("v3.0", "examples"), {}),
        (("v3.0", "examples", "csv"), {}),
    ],
)
def test_its_closing_table_adds_up(parts, options):
    """Per kind: in the source = imported + skipped, skipped = the sum of its reasons; a second run agrees."""
    path = hsds_file(*parts)

    rows = closing_checks(run(path, partial=True, **options)[0])
    again = closing_checks(run(path, partial=True, **options)[0])

    assert {label: row["in source"] for label, row in again.items()} == {
        label: row["in source"] for label, row in rows.items()
    }
    assert again["All records"]["created"] == 0


def test_it_counts_what_the_source_holds_not_what_it_became():
    """The ILAO services.csv has 430 rows (one without an id): 430 services in the source, whatever was kept."""
    dataset = hsds_file("datasets", "ilao-hsds-1.1")
    with (dataset / "services.csv").open(encoding="utf-8-sig", newline="") as file:
        services = len(list(csv.DictReader(file)))
    with (dataset / "organizations.csv").open(encoding="utf-8-sig", newline="") as file:
        organizations = len(list(csv.DictReader(file)))

    out, _ = run(dataset, format="hsds-1.1", partial=True)

    rows = closing_table(out)
    assert (rows["Services"]["in source"], rows["Organizations"]["in source"]) == (services, organizations)
    assert any("Every record needs an id." in reason for reason in skipped_by_reason(out)["Services"])


def test_it_names_every_field_and_table_it_does_not_keep(legacy, tmp_path):
    """A CSV column no mapping reads and a JSON key nested where the reader does not look: named with a count."""
    _, err = run(legacy, format="hsds-1.1", partial=True)

    assert re.search(r"service: x_internal_code: Not kept\b.*\b2 records", err)
    assert re.search(r"schedule: x_season: Not kept\b.*\b1 record", err)

    path = tmp_path / "nested.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": str(uuid.uuid4()),
                    "name": f"Service {number}",
                    "status": "active",
                    "organization": {"id": str(uuid.uuid4()), "name": "Agency", "description": ""},
                    "x_partner_notes": [{"note": "Call first."}],
                    "x_review": {"stars": 4},
                }
                for number in range(3)
            ]
        )
    )
    _, err = run(path, partial=True)

    assert re.search(r"service: x_partner_notes: Not kept\b.*\b3 records", err)
    assert re.search(r"service: x_review: Not kept\b.*\b3 records", err)
