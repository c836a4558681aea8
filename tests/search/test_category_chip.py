"""A category chip on a service page opens the search page with that category chosen, and its results."""

import html as html_module
import re

from django.urls import reverse

from .conftest import make_service, rebuild


def test_it_links_a_category_chip_to_a_search_in_that_category(client, taxonomy):
    """The "Daycare centers" chip on a daycare's page leads to the search page, which shows the category
    chosen in its list and finds the daycares, not the housing."""
    daycare = make_service("Westwood Little Learners", category="daycare")
    make_service("Eastside Tots", category="daycare")
    make_service("Safe Harbor Housing", category="housing")
    rebuild()

    page = client.get(reverse("providers:service_detail", args=[daycare.pk])).content.decode()
    chip = re.search(r'<a class="tag" href="([^"]+)">(?:[^<]*› )?Daycare centers</a>', page)
    assert chip, "no chip for the service's category"
    href = html_module.unescape(chip.group(1))
    assert href.startswith(reverse("search:page") + "?category=daycare")

    response = client.get(href)

    assert response.status_code == 200
    results = response.content.decode()
    assert '<option value="daycare" selected>' in results
    assert "Westwood Little Learners" in results
    assert "Eastside Tots" in results
    assert "Safe Harbor Housing" not in results
