"""The poverty guideline data and the percent-of-guideline function, checked against HHS's published tables."""

import pytest
import time_machine

from providers.poverty import guideline, percent_of_guideline, region_for_state

# The tables as HHS published them (persons 1-8), copied from the Federal Register notices.
PUBLISHED = {
    (2024, "contiguous"): [15060, 20440, 25820, 31200, 36580, 41960, 47340, 52720],
    (2024, "alaska"): [18810, 25540, 32270, 39000, 45730, 52460, 59190, 65920],
    (2024, "hawaii"): [17310, 23500, 29690, 35880, 42070, 48260, 54450, 60640],
    (2025, "contiguous"): [15650, 21150, 26650, 32150, 37650, 43150, 48650, 54150],
    (2025, "alaska"): [19550, 26430, 33310, 40190, 47070, 53950, 60830, 67710],
    (2025, "hawaii"): [17990, 24320, 30650, 36980, 43310, 49640, 55970, 62300],
}


@pytest.mark.parametrize(("year", "region"), PUBLISHED)
def test_it_reproduces_the_published_tables(year, region):
    """Every household size from 1 to 8 gives HHS's published figure."""
    amounts = [guideline(year, region).amount(size) for size in range(1, 9)]
    assert amounts == PUBLISHED[(year, region)]


def test_it_adds_the_increment_past_eight_persons():
    """HHS: for households of more than 8, add the per-person amount for each additional person."""
    assert guideline(2025).amount(10) == 54150 + 2 * 5500


def test_it_computes_the_percent_of_the_guideline():
    """$31,000 for a household of 3 in 2025 is 116.3% of $26,650."""
    assert percent_of_guideline(annual_income=31000, household_size=3, year=2025) == pytest.approx(116.32, abs=0.01)
    assert percent_of_guideline(annual_income=26650, household_size=3, year=2025) == pytest.approx(100)
    assert percent_of_guideline(annual_income=0, household_size=1, year=2024) == 0


def test_it_uses_the_newest_published_year_by_default():
    """Without a year, today's year is used, or the newest earlier year when today's is not in the data yet."""
    with time_machine.travel("2025-06-01"):
        assert guideline().year == 2025
    with time_machine.travel("2024-03-01"):
        assert guideline().year == 2024
    assert guideline(2030).year == max(year for year, _ in PUBLISHED)


def test_it_knows_alaska_and_hawaii():
    """Alaska and Hawaii have their own guidelines; every other state and DC use the contiguous one."""
    assert region_for_state("AK") == "alaska"
    assert region_for_state("hi") == "hawaii"
    assert region_for_state("CO") == "contiguous"
    assert region_for_state("DC") == "contiguous"


def test_it_refuses_impossible_households():
    """A household has at least one person; income is not negative; years before the data are unknown."""
    with pytest.raises(ValueError, match="at least one person"):
        guideline(2025).amount(0)
    with pytest.raises(ValueError, match="negative"):
        percent_of_guideline(annual_income=-1, household_size=2)
    with pytest.raises(ValueError, match="data starts in 2024"):
        guideline(2019)
    with pytest.raises(ValueError, match="Unknown poverty guideline region"):
        guideline(2025, "guam")
