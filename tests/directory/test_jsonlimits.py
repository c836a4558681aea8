"""directory/jsonlimits.py: JSON from outside is read within limits of depth and numbers, quickly.

Every refusal is a json.JSONDecodeError (so a ValueError): the callers (the API's parser, the portal's
GeoJSON box, the admin, import_hsds) already treat those as broken JSON.
"""

import functools
import json
import time

import hypothesis
import pytest
from hypothesis import strategies

from directory.jsonlimits import MAX_DEPTH, LimitedJSONDecoder, loads, nests_deeper_than


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.mark.parametrize(
    "text",
    [
        nested(MAX_DEPTH),
        '{"a": ' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1),
        # Brackets inside strings are text, escaped quotes and backslashes included.
        json.dumps({"text": "[" * 10_000, "quote": '"[[[', "slash": "\\" * 3 + "[" * 100}),
        json.dumps([["]" * 500, "}" * 500]] * 100),
        # A string that ends in an escaped backslash ends there: the brackets after it count, and are few.
        json.dumps(["\\", "[[[", "\\\\", '\\"[[[', [[["\\"]]]]),
        json.dumps({"\\": '[\\"[[', "k": [[[]]]}, ensure_ascii=True) + " " * 10,
        json.dumps(["é [", "ü ["] * 100, ensure_ascii=False),
        "[" + ", ".join(['{"name": "Food [pantry]", "tags": ["a", "b"]}'] * 10_000) + "]",
    ],
)
def test_it_reads_json_within_the_limit(text):
    """JSON at most MAX_DEPTH deep reads as json.loads reads it, however many brackets its strings hold."""
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        nested(MAX_DEPTH + 1),
        nested(100_000),
        "[" * 100_000,  # never closed
        '{"a": ' * 10_000,
        # The strings' brackets hide nothing: closing brackets inside strings do not count.
        '["]]]]", ' + nested(MAX_DEPTH, '"}}}}"') + "]",
        "[" + "[]," * 100_000 + nested(MAX_DEPTH) + "]",
        '["\\\\", ' + nested(MAX_DEPTH) + "]",  # the string is one escaped backslash; the nesting after it counts
        '["\\"]", ' + nested(MAX_DEPTH) + "]",  # an escaped quote does not end the string
    ],
)
def test_it_refuses_json_nested_too_deeply(text):
    with pytest.raises(json.JSONDecodeError, match=f"^JSON may nest at most {MAX_DEPTH} levels deep.$"):
        loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "NaN is not a number JSON allows."),
        ('{"a": [Infinity]}', "Infinity is not a number JSON allows."),
        ("-Infinity", "-Infinity is not a number JSON allows."),
        ("1e999", "The number 1e999 is too large."),
        ("-" + "9" * 400 + ".5", "The number -9999999999999999999… is too large."),
        ("9" * 4301, "A number may have at most 4,300 digits."),
    ],
)
def test_it_refuses_numbers_json_has_no_room_for(text, message):
    with pytest.raises(json.JSONDecodeError) as raised:
        loads(text)
    assert str(raised.value) == message


def test_it_reads_the_numbers_json_has():
    assert loads("[-0, 1.5e300, -12, 3.0, 9007199254740993]") == [0, 1.5e300, -12, 3.0, 9007199254740993]
    assert loads("9" * 4300) == int("9" * 4300)


def test_it_reads_bytes_and_works_as_a_decoder_class():
    """As json.loads(..., cls=LimitedJSONDecoder), the way Django's JSONField takes a decoder."""
    assert loads(b'{"a": 1}') == {"a": 1}
    assert json.loads('{"a": [1]}', cls=LimitedJSONDecoder) == {"a": [1]}
    with pytest.raises(json.JSONDecodeError):
        json.loads(nested(MAX_DEPTH + 1), cls=LimitedJSONDecoder)


def seconds(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_it_measures_depth_quickly():
    """2.5 MB of brackets (the largest body the API takes): well under a second. 5 MB of records: in less
    than half the time json.loads takes to read them (a Python loop per string or character would not be)."""
    for text in ("[]" * 1_250_000, nested(1_250_000)):
        assert seconds(functools.partial(nests_deeper_than, text, MAX_DEPTH)) < 1
    records = "[" + '{"a": ["b", {"c": "d\\"e"}], "f": "[[{"}, ' * 100_000 + "null]"
    assert nests_deeper_than(records, MAX_DEPTH) is False
    assert seconds(lambda: nests_deeper_than(records, MAX_DEPTH)) < seconds(lambda: json.loads(records)) / 2


def depth_of(value) -> int:
    """The nesting depth of a parsed value, the slow and obvious way."""
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


TRICKY_TEXT = strategies.text(alphabet='[]{}"\\\\ aé\n', max_size=8)
JSON_VALUES = strategies.recursive(
    strategies.none() | strategies.integers() | TRICKY_TEXT,
    lambda children: (
        strategies.lists(children, max_size=3) | strategies.dictionaries(TRICKY_TEXT, children, max_size=3)
    ),
    max_leaves=30,
)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(value=JSON_VALUES, ascii_only=strategies.booleans(), limit=strategies.integers(0, 6))
def test_it_measures_depth_as_the_parsed_value_has_it(value, ascii_only, limit):
    """Whatever the strings hold (brackets, quotes, backslashes), the depth is the value's own."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert nests_deeper_than(text, limit) is (depth_of(value) > limit)
