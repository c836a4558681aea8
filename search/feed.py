"""What the HSDS feed (providers/hsds/) borrows from search, through settings.HSDS_TEXT_SEARCH.

providers does not import search; the feed loads this function by its dotted path instead.
"""

from providers.hsds import SearchUnavailable
from search.backends.base import IndexMissing, SearchRequest
from search.query import search

# More than any directory holds: the feed pages the ids itself.
ALL = 1_000_000


def service_ids_for_text(text: str) -> list[str]:
    """Return the ids of the listed services that match ``text``, best match first (as the search page finds them)."""
    try:
        results = search(SearchRequest(text=text, page=1, page_size=ALL), log_unmet=False, details=False)
    except IndexMissing as missing:
        raise SearchUnavailable(str(missing)) from missing
    return [result.service_id for result in results.results]
