"""Pages work under the strict Content-Security-Policy: no inline script, style or event handler."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from providers.models import Organization
from tests.directory.test_pages import demo_context_processor  # noqa: F401  (autouse: the demo banner renders)


class InlineCodeFinder(HTMLParser):
    """Collect what a strict CSP would block: inline scripts and styles, style and on* attributes."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self.in_script = True
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("inline <script> content")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


@pytest.fixture
def pages(service_a, agency_a) -> list[str]:
    """The home page (plain and with results), a service page, the sign-in page, with a demo banner on."""
    Organization.objects.create(name="Demo Agency", description="Fictional.", is_demo=True)
    return [
        reverse("home"),
        reverse("home") + "?q=daycare&category=child-care",
        service_a.get_absolute_url(),
        reverse("login"),
    ]


def test_it_sends_a_strict_content_security_policy_on_every_page(client, pages):
    """Every page, and a 404, carries the CSP header, which never allows inline code."""
    for url in [*pages, "/no-such-page/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]

        assert "script-src 'self'" in policy, url
        assert "style-src 'self'" in policy, url
        assert "'unsafe-inline'" not in policy, url
        assert "'unsafe-eval'" not in policy, url


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_renders_no_inline_script_or_style(client, pages, carol, language):
    """No page would break under the CSP: no inline script, <style>, style= or on*= attribute."""
    for signed_in in (False, True):
        if signed_in:
            client.force_login(carol)
        for url in pages:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)

            assert response.status_code == 200, url
            assert inline_code(response.content.decode()) == [], url


def test_it_finds_inline_code_when_there_is_some():
    """The checker itself catches each kind of inline code, so a clean result means something."""
    html = (
        '<style>p{}</style><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a></p><script>alert(1)</script><script src="/s.js"></script>'
    )

    assert inline_code(html) == [
        "<style> element",
        "style attribute on <p>",
        "onclick handler on <p>",
        "javascript: URL on <a>",
        "inline <script> content",
    ]
