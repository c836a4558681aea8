"""Ranking and facet counts are worked out over arrays (search.candidates.Columns, numpy): they must order
and count exactly as the module docstring of search/query.py says, written out here in plain Python."""

import math
import uuid
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import query
from search.backends.base import edit_distance
from search.candidates import CAPACITY_ORDER, Candidates, Columns
from search.documents import Brief
from search.eligibility import Criteria, Verdict, check_keys
from search.names import name_form, typos_forgiven

BANDS: dict[str, int] = {}  # what the test's SEARCH_RESPONSIVENESS answers


def responsiveness_bands() -> dict[str, int]:
    return BANDS


# Few, so that they tie ("é" sorts after "z"); long ones a typo or two apart, and an organization's.
NAMES = st.sampled_from(["", "z", "é", "zé", "z é", "family resource center", "family resorce center", "hope house"])
ORGANIZATIONS = st.sampled_from(["", "hope house", "hope houses of the valley", "z"])
TEXTS = st.sampled_from(["", "Z", "Family Resource Center", "HOPE HOUSE family resource center", "hope housse"])
CODES = st.lists(st.sampled_from(["child-care", "housing", "food", "legal"]), max_size=3, unique=True)
CANDIDATE = st.fixed_dictionaries(
    {
        "name": NAMES,
        "organization": ORGANIZATIONS,
        "capacity": st.sampled_from(list(CAPACITY_ORDER)),
        "score": st.sampled_from([0.0, 0.5, 1.0, 3.0, 7.25]),  # ties, weak matches beside strong, 1 = 3 / 3
        "coverage": st.sampled_from([1.0, 0.5]),  # every word that matters, or half of them
        "meets_need": st.integers(0, 2),  # how many of the needs the query names it meets
        "band": st.sampled_from([0, 2, None]),  # None: not among the known bands (unknown, 1)
        "categories": CODES,
        "fits": st.none()
        | st.tuples(
            st.sampled_from([None, 0.4, 12.5]),  # distance
            st.sampled_from([True, False, None]),  # serves the area
            st.sampled_from([None, Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE]),
        ),
    }
)


def brief(number: int, candidate: dict) -> Brief:
    categories = tuple(candidate["categories"])
    return Brief(
        id=str(uuid.UUID(int=number * 7919 % 1000)),  # unique, in another order than the candidates'
        name_key=candidate["name"],
        capacity=candidate["capacity"],
        verified=None,
        categories=categories,
        populations=(),
        languages=(),
        points=(),
        hours=((),),
        areas=(),
        checks=check_keys(Criteria()),
        facets=(categories, (), (), (candidate["capacity"],)),
        organization_key=candidate.get("organization", ""),
    )


@pytest.fixture
def bands(settings):
    settings.SEARCH_RESPONSIVENESS = f"{__name__}.responsiveness_bands"
    yield BANDS
    query.forget_responsiveness()


# The fixture points settings at BANDS once; each example fills BANDS anew and forgets the cached bands.
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(candidates=st.lists(CANDIDATE, max_size=25), text=TEXTS)
def test_it_ranks_and_counts_as_the_rules_say(bands, candidates, text):
    briefs = [brief(number, candidate) for number, candidate in enumerate(candidates)]
    # The Columns of more documents than the candidates, in another order (as the Whoosh backend's are).
    decoy = brief(len(briefs), {"name": "", "capacity": "waitlist", "categories": ["food"]})
    columns = Columns.of([*reversed(briefs), decoy])
    scores = np.array([candidate["score"] for candidate in candidates], np.float64)
    entries = np.arange(len(briefs))[::-1].copy()
    coverage = np.array([candidate["coverage"] for candidate in candidates], np.float64)
    meets_need = np.array([candidate["meets_need"] for candidate in candidates], np.int16)
    found = Candidates(briefs, scores, list(range(len(briefs))), columns, entries, coverage, meets_need)
    bands.clear()
    bands.update({b.id: c["band"] for b, c in zip(briefs, candidates, strict=True) if c["band"] is not None})
    query.forget_responsiveness()
    positions = [number for number, candidate in enumerate(candidates) if candidate["fits"] is not None]
    checked = [candidates[number]["fits"] for number in positions]
    fits = query._Fits(
        np.array(positions, np.int64),
        np.array([math.inf if distance is None else distance for distance, _serves, _verdict in checked]),
        None,
        np.full(len(positions), query.UNKNOWN, np.int8),
        np.array([query.UNKNOWN if serves is None else serves for _d, serves, _v in checked], np.int8),
        np.array([query.VERDICT_ORDER[verdict] if verdict else query.UNKNOWN for _d, _s, verdict in checked], np.int8),
    )

    order, strong = query._rank(found, fits, text)
    ranked = [positions[fit] for fit in order.tolist()]

    scores = [candidate["score"] for candidate in candidates]
    best = max((scores[n] for n in positions), default=0) or 1
    assert strong == best * query.STRONG_MATCH

    def name_typed(candidate: dict) -> int:
        typed, name, organization = name_form(text), candidate["name"], candidate["organization"]
        if not typed:
            return 2
        both = [f"{organization} {name}", f"{name} {organization}"] if name and organization else []
        if typed in {name, organization, *both}:
            return 0
        typos = typos_forgiven(typed)
        whole = [name, organization] + ([*both] if name in typed or organization in typed else [])
        return 1 if typos and any(edit_distance(typed, form, typos) <= typos for form in whole) else 2

    def key(number: int) -> tuple:
        candidate, distance, serves_area, verdict = candidates[number], *candidates[number]["fits"]
        return (
            name_typed(candidate),
            verdict == Verdict.NOT_ELIGIBLE,
            -candidate["coverage"],
            -candidate["meets_need"],
            scores[number] < strong,
            query.VERDICT_ORDER[verdict] if verdict else 0,
            0 if serves_area in (True, None) else 1,
            CAPACITY_ORDER[candidate["capacity"]],
            query.UNKNOWN_RESPONSIVENESS if candidate["band"] is None else candidate["band"],
            math.inf if distance is None else distance,
            -scores[number],
            candidate["name"],
            briefs[number].id,
        )

    assert ranked == sorted(positions, key=key)
    facets = query._facets(found, fits, order)
    categories = Counter(code for number in ranked for code in candidates[number]["categories"])
    assert list(facets["category"].items()) == categories.most_common()
    capacity = Counter(candidates[number]["capacity"] for number in ranked)
    assert list(facets["capacity"].items()) == capacity.most_common()


POINTS = st.lists(st.none() | st.tuples(st.floats(-80, 80), st.floats(-170, 170)), max_size=3)


@given(points=st.lists(POINTS, max_size=12), data=st.data())
def test_it_takes_and_joins_columns_as_it_makes_them(points, data):
    """Columns of some Briefs, taken (as a search takes them) from the Columns of all, or joined from parts,
    are those made of them."""
    briefs = [
        brief(number, {"name": "z", "capacity": "accepting", "categories": []})._replace(
            points=tuple(where), hours=tuple(((),) for _where in where) or ((),)
        )
        for number, where in enumerate(points)
    ]
    positions = data.draw(st.lists(st.sampled_from(range(len(briefs))), max_size=20) if briefs else st.just([]))
    split = data.draw(st.integers(0, len(briefs)))
    at = np.array(positions, np.int64)
    for columns in (Columns.of(briefs), Columns.joined([Columns.of(briefs[:split]), Columns.of(briefs[split:])])):
        expected = Columns.of([briefs[position] for position in positions])
        assert columns.id[at].tolist() == expected.id.tolist()
        places, want = columns.places.take(at), expected.places
        assert places.start.tolist() == want.start.tolist()
        assert places.location.tolist() == want.location.tolist()
        np.testing.assert_array_equal(places.latitude, want.latitude)
        np.testing.assert_array_equal(places.longitude, want.longitude)
        assert places.owners().tolist() == want.owners().tolist()
        pairs = [
            (columns.areas.take(at), expected.areas),
            (places.hours, want.hours),
            *zip([part.take(at) for part in columns.checks], expected.checks, strict=True),
        ]
        for ours, theirs in pairs:
            assert [ours.values[number] for number in ours.numbers] == [theirs.values[n] for n in theirs.numbers]
