"""A threaded server (runserver, the browser tests' live server, gthread workers) searches from several threads of
one process at once: each gets the answer it would get alone (Whoosh reads a segment's files by seek and read on a
shared file object; search.backends.whoosh.segments.READS)."""

import threading

import pytest

from search.backends.base import SearchRequest
from search.query import search
from search.suggestions import suggest

from .conftest import make_service, rebuild

WORDS = ["daycare", "bus pass", "rent help", "bilingual child care", "learning", "ride to work", "eviction"]


@pytest.mark.django_db(transaction=True)
def test_searches_from_many_threads_each_get_their_own_answer(taxonomy, settings):
    settings.SEARCH_BACKEND = "whoosh"
    for number in range(40):
        make_service(f"Daycare {number}", description=f"Bilingual learning, rent help and bus passes, number {number}.")
        make_service(f"Bus Pass {number}", category="bus-passes", description="Rides to work.")
    rebuild()

    def answer(words: str) -> list:
        return [result.data["name"] for result in search(SearchRequest(text=words), log_unmet=False).results]

    expected = {words: answer(words) for words in WORDS}
    problems = []

    def search_often(offset: int) -> None:
        try:
            for turn in range(30):
                words = WORDS[(offset + turn) % len(WORDS)]
                if answer(words) != expected[words]:
                    problems.append(f"{words}: another answer")
                suggest(words[:3])
        except Exception as error:
            problems.append(repr(error))

    threads = [threading.Thread(target=search_often, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert problems == []
