"""Helpers for portal tests: read a page's form as a browser would send it, change some fields, post it."""

import datetime
import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from providers.models import NetworkSettings, Schedule, Service
from search.backends.whoosh import index


class FormReader(HTMLParser):
    """Collect every form of a page with the values a browser would submit (no button pressed)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.append((name, attrs.get("value", "on")))
                return
            self._form.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            self._form.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def read_form(html: str, having: str = "version") -> dict[str, list[str]]:
    """Return the fields of the page's form that has a field named ``having``, as a browser sends them."""
    reader = FormReader()
    reader.feed(html)
    for fields in reader.forms:
        if any(name == having for name, _ in fields):
            data: dict[str, list[str]] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"No form with a field named {having!r} on the page")


def open_form(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return read_form(response.content.decode())


def post_form(client, url: str, data: dict[str, list[str]], **changes):
    """Post a form read with ``open_form``; keyword arguments set fields (a list for several values, None to drop)."""
    data = dict(data)
    for name, value in changes.items():
        name = name.replace("__", "-")  # hours__0__opens_at → hours-0-opens_at
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data)


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def search_index(settings, db):
    """A real search index of the listings made so far, kept current after each commit (capture on_commit)."""
    settings.SEARCH_INDEX_UPKEEP = True
    call_command("rebuild_search_index", stdout=io.StringIO(), stderr=io.StringIO())
    yield
    index.reset_searcher()


@pytest.fixture
def review_mode(db) -> NetworkSettings:
    return NetworkSettings.objects.create(publishing_mode=NetworkSettings.PublishingMode.REVIEW)


def monday_hours(service: Service) -> Schedule:
    return service.schedules.get(kind=Schedule.Kind.HOURS, weekday="MO")


LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
