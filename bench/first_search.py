"""A new web process's first case-manager search: how long it takes and how much memory the process then holds.

Run by bench/processes.py in a process of its own, as a freshly started gunicorn worker would meet its first
request; prints one JSON line. The ZIP code is located first, on its own, so that what the gazetteer costs is
seen apart from the rest: its time and the resident memory (VmRSS) it adds, then the search's, then a second
search for comparison. The environment (database, settings) comes from bench/environment.py's ``environment``.

    python -m bench.first_search '{"q": "daycare", "zip": "80219", ...}'
"""

import json
import sys
import time
from pathlib import Path

import django


def resident_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"No {field} in /proc/self/status: memory is measured on Linux only.")


def main() -> None:
    params = json.loads(sys.argv[1])
    django.setup()
    from django.test import Client

    from bench.queries import SEARCH_PATH
    from search.geography import place_for_zip

    client = Client()
    started_kib = resident_kib()

    started = time.perf_counter()
    if place_for_zip(params["zip"]) is None:
        raise SystemExit(f"The gazetteer does not know {params['zip']}.")
    zip_seconds = time.perf_counter() - started
    after_zip_kib = resident_kib()

    started = time.perf_counter()
    response = client.get(SEARCH_PATH, params)
    search_seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"The first search answered {response.status_code}: {response.content[:300]!r}")
    after_search_kib = resident_kib()

    started = time.perf_counter()
    client.get(SEARCH_PATH, {**params, "q": params["q"] + " help"})
    second_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "started_kib": started_kib,
                "zip_seconds": round(zip_seconds, 4),
                "after_zip_kib": after_zip_kib,
                "search_seconds": round(search_seconds, 4),
                "after_search_kib": after_search_kib,
                "second_search_seconds": round(second_seconds, 4),
                "peak_kib": resident_kib("VmHWM"),
            }
        )
    )


if __name__ == "__main__":
    main()
