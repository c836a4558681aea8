"""The importer's normalisers: one reading for each spelling they accept, ValueError for anything else."""

import pytest
from rfc3986_validator import validate_rfc3986

from providers.hsds.importer.normalise import clean_text, language_code, normalise_email, parse_time
from providers.uris import normalise_url


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("www.example.org", "https://www.example.org"),
        ("example.org/path?q=1", "https://example.org/path?q=1"),
        ("//cdn.example.org/a.png", "https://cdn.example.org/a.png"),
        ("example.org:8080/x", "https://example.org:8080/x"),
        ("https://example.org/it’s", "https://example.org/it%E2%80%99s"),
        ("https://example.org/{a}|b^c", "https://example.org/%7Ba%7D%7Cb%5Ec"),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/100%", "https://example.org/100%25"),
        ("https://example.org/a%20b", "https://example.org/a%20b"),  # encoded already: left alone
        ("https://example.org/p#one#two", "https://example.org/p#one%23two"),
        ("https://exämple.org/ä?q=ü", "https://xn--exmple-cua.org/%C3%A4?q=%C3%BC"),
        ("\u00a0\u200bhttps://example.org\ufeff", "https://example.org"),
        ("http://example.org/", "http://example.org/"),  # a scheme given is kept
    ],
)
def test_it_writes_a_url_the_schema_accepts(written, expected):
    url, changes = normalise_url(written)

    assert url == expected
    assert validate_rfc3986(url, rule="URI")
    assert bool(changes) == (written != expected)


@pytest.mark.parametrize(
    "written",
    [
        "info@example.org",
        "mailto:info@example.org",
        "tel:+15550100",
        "javascript:alert(1)",
        "http//example.org",
        "example",
        "see our leaflet",
        "https://a.example.org https://b.example.org",
        "https://example.org:99999/",
        "https:///path",
        "",
    ],
)
def test_it_refuses_what_is_no_web_address(written):
    with pytest.raises(ValueError):
        normalise_url(written)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("09:30", "09:30"),
        ("9:30:00", "09:30"),
        ("830am", "08:30"),
        ("9:0am", "09:00"),
        ("9.30", "09:30"),
        ("09h30", "09:30"),
        ("21h", "21:00"),
        ("noon", "12:00"),
        ("12 noon", "12:00"),
        ("12 midnight", "00:00"),
        ("midnight", "00:00"),
        ("9 a.m.", "09:00"),
        ("9 A.M.", "09:00"),
        ("4:00 PM", "16:00"),
        ("9.30pm", "21:30"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("1730", "17:30"),
        ("0930", "09:30"),
        ("24:00", "00:00"),
        ("\u00a09:30\u200b", "09:30"),
    ],
)
def test_it_reads_common_spellings_of_a_time(written, expected):
    assert f"{parse_time(written):%H:%M}" == expected


@pytest.mark.parametrize("written", ["13pm", "0am", "25:00", "9:75", "whenever", "9-5", "", "2025-01-31"])
def test_it_refuses_what_is_no_time(written):
    with pytest.raises(ValueError):
        parse_time(written)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("es", "", "es"),
        ("", "Spanish", "es"),
        ("", "Español", "es"),
        ("", "español ", "es"),
        ("spa", "", "es"),
        ("ENG", "", "en"),
        ("ger", "", "de"),  # ISO 639-2/B
        ("en-US", "", "en"),
        ("zh_Hant", "", "zh"),
        ("", "Deutsch", "de"),
        ("", "中文", "zh"),
        ("", "Chinese (Mandarin)", "zh"),
        ("", "Mandarin", "zh"),  # the usual form of its macrolanguage
        ("", "Farsi", "fa"),
        # No ISO 639-1 code: kept with the ISO 639-3 one.
        ("", "Hmong", "hmn"),
        ("", "American Sign Language", "ase"),
        ("", "Cantonese", "yue"),
        ("chk", "", "chk"),
        ("xx", "French", "fr"),  # a code that is none: the name says it
        ("und", "", None),
        ("", "Interpreter available", None),
        ("", "", None),
    ],
)
def test_it_reads_a_language_by_name_or_code(code, name, expected):
    assert language_code(code, name) == expected


def test_it_trims_every_kind_of_space():
    assert clean_text("\ufeff\u200b Food bank\u00a0\u3000\u200d\u2060") == "Food bank"
    assert clean_text("a\u200bb") == "a\u200bb"  # inside the text: maybe meant (a joiner in a script)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("\u00a0info@example.org\u200b", "info@example.org"),
        ("mailto:info@example.org", "info@example.org"),
        ("in\u200bfo@example.org", "info@example.org"),
    ],
)
def test_it_cleans_an_email_address(written, expected):
    assert normalise_email(written)[0] == expected


@pytest.mark.parametrize("written", ["call us on 555-0100", "info@", "a@b", "info at example dot org"])
def test_it_refuses_what_is_no_email_address(written):
    with pytest.raises(ValueError):
        normalise_email(written)
