"""What an edit held for review changed, and publishing only that on the listing as it is now.

An edit waits for review while the listing moves on: other edits are approved, capacity is set, the
same agency sends a second edit of the page. Replaying the form as it was posted would write every field
of it, and so put back whatever changed meanwhile (issue 19: a Monday hours note was lost that way).

So an edit keeps the form as its editor opened it (``PendingEdit.start_data``) beside the form as they
sent it (``PendingEdit.data``). The fields that differ are the edit; approving writes only those onto the
form as the listing reads now, and the page saves that form as usual, with its history.

Everything here works on form data as a browser posts it (``{"hours-0-description": ["…"]}``), so every
page of the portal is handled the same way, whatever its forms and formsets hold:

- a field of the page's own form is addressed by its name;
- a field of a formset row by the formset's prefix, the row's id and the field's name, so that a row
  added or removed meanwhile does not shift the others; a row the edit adds has no id yet and is added
  whole;
- a field of several values (categories, locations ...) merges as a set: what the edit added is added,
  what it removed is removed, and what others added meanwhile stays.

A field the edit changed that also changed on the listing since the edit started (to another value) is a
conflict: the reviewer chooses which value to publish.
"""

import copy
import dataclasses
import re

from django import forms

NEW_ROW = "new-"
MANAGEMENT_FIELDS = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
# A formset never holds more rows than Django's own limit (formsets' absolute_max): tampered totals stop here.
MOST_ROWS = 1000
# Fields of a row that say which row it is, not what it holds: an edit never "changes" them.
ROW_IDENTITY = {"id"}
TAKE_EDIT = "edit"
KEEP_LISTING = "listing"

FormData = dict[str, list[str]]


# --- The form as the listing reads now ------------------------------------------------------------------


def form_data(page) -> FormData:
    """Return what the page's forms would post if sent unchanged: the listing as its editor sees it.

    ``page`` must be unbound (built without data): its fields then show the listing's values.
    """
    data: FormData = {}
    for part in page.parts:
        if part.form is not None:
            page_forms = [part.form]
        else:
            for field in part.formset.management_form:
                data[field.html_name] = posted_values(field)
            page_forms = part.formset.forms
        for form in page_forms:
            for field in form:
                values = posted_values(field)
                if values:  # an unticked box, or a list with none ticked, sends nothing at all
                    data[field.html_name] = values
    return data


def posted_values(field: forms.BoundField) -> list[str]:
    """Return what a browser sends for a field shown with its initial value (a list: some send several)."""
    widget = field.field.widget
    value = field.value()
    if isinstance(widget, forms.CheckboxInput):
        return ["on"] if widget.check_test(value) else []  # an unticked box sends nothing
    if multiple_choice(field.field):
        return [str(item) for item in value or []]
    shown = widget.format_value(value)
    if isinstance(shown, list):  # a <select>: its one selected option
        return [shown[0] if shown else ""]
    return ["" if shown is None else str(shown)]


def multiple_choice(field: forms.Field) -> bool:
    return getattr(field.widget, "allow_multiple_selected", False)  # only choice widgets have it


def multiple_fields(page) -> set[str]:
    """Names of the page's fields that hold several values (ticked boxes): they merge as sets."""
    names = set()
    for part in page.parts:
        form = part.form if part.form is not None else part.formset.empty_form
        names |= {name for name, field in form.fields.items() if multiple_choice(field)}
    return names


# --- Form data, read by rows -----------------------------------------------------------------------------


@dataclasses.dataclass
class FormValues:
    """Form data read as fields of the page's form and rows of its formsets, each row under its id."""

    fields: dict[str, list[str]]
    rows: dict[str, dict[str, dict[str, list[str]]]]  # formset prefix → row id (or "new-N") → field → values
    management: dict[str, dict[str, list[str]]]

    @classmethod
    def read(cls, data: FormData) -> "FormValues":
        prefixes = [key.removesuffix("-TOTAL_FORMS") for key in data if key.endswith("-TOTAL_FORMS")]
        fields: dict[str, list[str]] = {}
        numbered: dict[str, dict[int, dict[str, list[str]]]] = {prefix: {} for prefix in prefixes}
        management: dict[str, dict[str, list[str]]] = {prefix: {} for prefix in prefixes}
        for key, values in data.items():
            values = [same_line_ends(value) for value in values]
            prefix = next((prefix for prefix in prefixes if key.startswith(f"{prefix}-")), None)
            if prefix is None:
                fields[key] = values
                continue
            rest = key.removeprefix(f"{prefix}-")
            if rest in MANAGEMENT_FIELDS:
                management[prefix][rest] = values
                continue
            match = re.fullmatch(r"(\d+)-(\w+)", rest)
            if match is not None:
                numbered[prefix].setdefault(int(match[1]), {})[match[2]] = values
        rows = {}
        for prefix in prefixes:
            rows[prefix] = {}
            for index in range(min(row_count(management[prefix]), MOST_ROWS)):
                row = numbered[prefix].get(index, {})
                row_id = (row.get("id") or [""])[0]
                rows[prefix][row_id or f"{NEW_ROW}{index}"] = row
        return cls(fields=fields, rows=rows, management=management)

    def as_data(self) -> FormData:
        """Return the form data again: saved rows first (a formset expects them so), then new rows."""
        data = {key: list(values) for key, values in self.fields.items()}
        for prefix, rows in self.rows.items():
            saved = [row for key, row in rows.items() if not key.startswith(NEW_ROW)]
            new = [row for key, row in rows.items() if key.startswith(NEW_ROW)]
            for index, row in enumerate(saved + new):
                for field, values in row.items():
                    data[f"{prefix}-{index}-{field}"] = list(values)
            data |= {f"{prefix}-{name}": list(values) for name, values in self.management[prefix].items()}
            data[f"{prefix}-TOTAL_FORMS"] = [str(len(saved) + len(new))]
            data[f"{prefix}-INITIAL_FORMS"] = [str(len(saved))]
        return data


def same_line_ends(value: str) -> str:
    # Browsers send a text box's line ends as CR LF, whatever the listing stored: not a change.
    return value.replace("\r\n", "\n")


def row_count(management: dict[str, list[str]]) -> int:
    try:
        return max(int((management.get("TOTAL_FORMS") or ["0"])[0]), 0)
    except ValueError:
        return 0


# --- What an edit changed ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FieldEdit:
    """One field an edit changed: from the value it started from to the value sent."""

    part: str  # the formset's prefix; "" for the page's own form
    row: str  # the row's id, or "new-N" for a row the edit adds; "" for the page's own form
    field: str
    start: list[str]
    value: list[str]

    def key(self, target_id: str) -> str:
        """The field's name across edits: the record it belongs to (a row, or the page's target) and the field."""
        return f"{self.row or target_id}:{self.field}"

    @property
    def adds_row(self) -> bool:
        return self.row.startswith(NEW_ROW)


def edited_fields(start: FormValues, sent: FormValues, *, multiple: set[str]) -> list[FieldEdit]:
    """Return the fields whose sent value differs from the value the edit started from."""
    edits = [
        FieldEdit("", "", name, start.fields.get(name, []), sent.fields.get(name, []))
        for name in unique([*start.fields, *sent.fields])
        if differ(start.fields.get(name, []), sent.fields.get(name, []), name in multiple)
    ]
    for prefix, rows in sent.rows.items():
        for row_id, row in rows.items():
            before = start.rows.get(prefix, {}).get(row_id, {})
            for name in unique([*before, *row]):
                if name in ROW_IDENTITY:
                    continue
                if differ(before.get(name, []), row.get(name, []), name in multiple):
                    edits.append(FieldEdit(prefix, row_id, name, before.get(name, []), row.get(name, [])))
    return edits


def unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def differ(first: list[str], second: list[str], several: bool) -> bool:
    # Ticked boxes come in the order of the choices, the listing's values in its own order.
    return sorted(first) != sorted(second) if several else first != second


# --- Publishing an edit on the listing as it is now ------------------------------------------------------


@dataclasses.dataclass
class Conflict:
    """A field the edit changed that also changed on the listing since the edit started, to another value."""

    key: str
    edit: FieldEdit
    listing: list[str]
    chosen: str = ""  # TAKE_EDIT, KEEP_LISTING, or "" while the reviewer has not chosen


@dataclasses.dataclass
class Merge:
    """The listing's form with an edit's changes written in, and what could not be written without a choice."""

    values: FormValues
    edits: list[FieldEdit]
    conflicts: list[Conflict]
    # Changes to rows removed from the listing since the edit started: there is nothing left to change.
    gone: list[FieldEdit]
    target_id: str
    multiple: set[str]

    @property
    def data(self) -> FormData:
        return self.values.as_data()

    @property
    def unresolved(self) -> list[Conflict]:
        return [conflict for conflict in self.conflicts if not conflict.chosen]


def merge(
    live: FormValues,
    start: FormValues,
    sent: FormValues,
    *,
    target_id: str,
    multiple: set[str],
    choices: dict[str, str] | None = None,
    contested: set[str] = frozenset(),
    prefer_edit: bool = False,
) -> Merge:
    """Write the fields the edit changed (``start`` → ``sent``) into the listing's form (``live``).

    A field the listing changed since, to another value than the edit's, is a conflict: it keeps the
    listing's value unless ``choices`` (by conflict key) says to take the edit's, or ``prefer_edit`` says
    so for every conflict (the editor's own view of their edits waiting for review). A field in
    ``contested`` (another edit waiting for review changes it otherwise) is a conflict too.
    """
    choices = choices or {}
    values = copy.deepcopy(live)
    edits = edited_fields(start, sent, multiple=multiple)
    conflicts, gone = [], []
    added: dict[str, dict[str, dict[str, list[str]]]] = {}
    for edit in edits:
        if edit.adds_row:
            added.setdefault(edit.part, {})[edit.row] = sent.rows[edit.part][edit.row]
            continue
        holder = values.fields if not edit.part else values.rows.get(edit.part, {}).get(edit.row)
        if holder is None:
            if edit.field != "DELETE":  # removing a row already removed is done
                gone.append(edit)
            continue
        listing = holder.get(edit.field, [])
        key = edit.key(target_id)
        if edit.field in multiple:
            holder[edit.field] = merged_choices(listing, edit.start, edit.value)
        elif listing == edit.value:
            continue  # the listing reads so already
        elif prefer_edit or (listing == edit.start and key not in contested):
            holder[edit.field] = list(edit.value)
        else:
            conflict = Conflict(key=key, edit=edit, listing=listing, chosen=choices.get(key, ""))
            conflicts.append(conflict)
            if conflict.chosen == TAKE_EDIT:
                holder[edit.field] = list(edit.value)
    for prefix, rows in added.items():
        # The edit's new rows before the listing's blank row(s), numbered after any already there.
        existing = values.rows.setdefault(prefix, {})
        blanks = {key: row for key, row in existing.items() if key.startswith(NEW_ROW)}
        saved = {key: row for key, row in existing.items() if not key.startswith(NEW_ROW)}
        new_rows = [*rows.values(), *blanks.values()]
        values.rows[prefix] = saved | {f"{NEW_ROW}{index}": row for index, row in enumerate(new_rows)}
    return Merge(values=values, edits=edits, conflicts=conflicts, gone=gone, target_id=target_id, multiple=multiple)


def merged_choices(listing: list[str], start: list[str], sent: list[str]) -> list[str]:
    """What the edit ticked is ticked, what it unticked is unticked, and the listing's other choices stay."""
    added = [value for value in sent if value not in start]
    removed = {value for value in start if value not in sent}
    return [value for value in unique([*listing, *added]) if value not in removed]
