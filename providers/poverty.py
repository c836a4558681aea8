"""The HHS federal poverty guidelines, kept as data in fixtures/poverty_guidelines.json.

Eligibility limits are written as a percent of the guideline for the household's size
("up to 200% of poverty"); this module turns a household's size and income into that percent.
"""

import datetime
import functools
import json
from dataclasses import dataclass

from django.conf import settings

GUIDELINES_PATH = settings.BASE_DIR / "fixtures" / "poverty_guidelines.json"
REGIONS = ("contiguous", "alaska", "hawaii")


@dataclass(frozen=True)
class Guideline:
    year: int
    region: str
    first_person: int
    each_additional_person: int

    def amount(self, household_size: int) -> int:
        """Return the guideline in dollars a year for a household of ``household_size`` persons."""
        if household_size < 1:
            raise ValueError("A household has at least one person.")
        return self.first_person + (household_size - 1) * self.each_additional_person


@functools.cache
def _table() -> dict[int, dict]:
    with open(GUIDELINES_PATH, encoding="utf-8") as file:
        return {int(year): figures for year, figures in json.load(file)["years"].items()}


def available_years() -> list[int]:
    return sorted(_table())


def region_for_state(state: str) -> str:
    """Return the guideline region for a two-letter state code: Alaska and Hawaii have their own."""
    return {"AK": "alaska", "HI": "hawaii"}.get(state.upper(), "contiguous")


def guideline(year: int | None = None, region: str = "contiguous") -> Guideline:
    """Return the guideline of ``year``, or of the newest year published by today when ``year`` is None.

    A year not in the data falls back to the newest earlier year: HHS publishes in January, and
    programs keep using last year's figures until they adopt the new ones.
    """
    if region not in REGIONS:
        raise ValueError(f"Unknown poverty guideline region {region!r}; use one of {', '.join(REGIONS)}.")
    wanted = year if year is not None else datetime.date.today().year
    published = [known for known in available_years() if known <= wanted]
    if not published:
        raise ValueError(f"No poverty guideline for {wanted}; the data starts in {available_years()[0]}.")
    figures = _table()[published[-1]][region]
    return Guideline(published[-1], region, figures["first_person"], figures["each_additional_person"])


def percent_of_guideline(
    *, annual_income: float, household_size: int, year: int | None = None, region: str = "contiguous"
) -> float:
    """Return a household's yearly income as a percent of its poverty guideline (116.3 means 116.3%)."""
    if annual_income < 0:
        raise ValueError("Income cannot be negative.")
    return 100 * annual_income / guideline(year, region).amount(household_size)
