"""Measure search latency through the search API, in process, on the demo network or a synthetic directory.

    make bench-search                                   # demo network and 10k synthetic services
    .venv/bin/python bench/search_latency.py --demo
    .venv/bin/python bench/search_latency.py --services 10000

Each directory gets its own database and index under var/bench/ (built once, reused). Prints the
median and p95 per kind of query over varied queries after a warm-up.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = [
    "daycare",
    "child care",
    "rent help",
    "eviction",
    "bus pass",
    "ride to work",
    "car repair",
    "counseling",
    "therapy",
    "lawyer",
    "record expungement",
    "food pantry",
    "groceries",
    "job training",
    "resume",
    "GED",
    "english classes",
    "dental",
    "clinic",
    "shelter",
    "utility bill",
    "depression",
    "immigration",
    "babysiting",
]
CATEGORIES = ["child-care", "housing", "transportation", "legal", "mental-health", "food", "employment", "health"]
POPULATIONS = ["veterans", "youth", "families-with-children", "immigrants-refugees", "unemployed"]


def configure(name: str) -> None:
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{bench_dir / (name + '.sqlite3')}")
    os.environ.setdefault("SEARCH_INDEX_DIR", str(bench_dir / f"{name}-index"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "directory.settings")
    os.environ["DEBUG"] = "False"  # DEBUG keeps every SQL query in memory: not what production runs
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "False"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")

    import django

    django.setup()


def build(name: str, services: int | None) -> None:
    from django.core.management import call_command

    from providers.models import Service
    from search import index

    call_command("migrate", verbosity=0)
    if not Service.objects.exists():
        started = time.monotonic()
        if services is None:
            call_command("load_demo", verbosity=0)
        else:
            from bench.synthetic import generate
            from providers.demo import load_reference_data

            load_reference_data()
            generate(services=services, progress=lambda done, total: print(f"\r  generated {done}/{total}", end=""))
            print()
        print(f"  built {name} in {time.monotonic() - started:.1f} s")
    try:
        count = index.document_count()
    except index.IndexMissing:
        count = -1
    if count != Service.objects.listed().count():
        started = time.monotonic()
        index.rebuild()
        print(f"  indexed {index.document_count()} services in {time.monotonic() - started:.1f} s")


def queries(rng: random.Random, zips: list[str], count: int) -> dict[str, list[dict]]:
    kinds = {"text only": [], "text + category + population": [], "text + 10-mile radius": [], "case manager": []}
    for _ in range(count):
        text, zip_code = rng.choice(TEXTS), rng.choice(zips)
        kinds["text only"].append({"q": text})
        kinds["text + category + population"].append(
            {"q": text, "category": rng.choice(CATEGORIES), "population": rng.choice(POPULATIONS)}
        )
        kinds["text + 10-mile radius"].append({"q": text, "zip": zip_code, "radius": 10})
        kinds["case manager"].append(
            {
                "q": text,
                "zip": zip_code,
                "radius": 25,
                "accepting": "true",
                "age": rng.randint(18, 64),
                "household_size": rng.randint(1, 6),
                "annual_income": rng.randint(8000, 70000),
                "speaks": rng.choice(["en", "es", "en,es", "vi"]),
            }
        )
    return kinds


def measure(kinds: dict[str, list[dict]]) -> None:
    from django.test import Client

    client = Client()
    for params in list(kinds.values())[-1][:20]:  # warm-up: caches, the shared searcher
        client.get("/api/v1/search/", params)
    print(f"  {'query':32} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'mean results':>13}")
    for kind, params_list in kinds.items():
        timings, counts = [], []
        for params in params_list:
            started = time.perf_counter()
            response = client.get("/api/v1/search/", params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
            counts.append(response.json()["count"])
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"  {kind:32} {len(timings):>4} {statistics.median(timings):>10.1f} {p95:>8.1f} "
            f"{statistics.mean(counts):>13.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--demo", action="store_true", help="the demo network")
    group.add_argument("--services", type=int, help="a synthetic directory of this many services")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind (default 200)")
    args = parser.parse_args()
    name = "demo" if args.demo else f"synthetic-{args.services}"
    configure(name)
    print(f"Search latency: {name}")
    build(name, None if args.demo else args.services)
    rng = random.Random(7)
    if args.demo:
        zips = ["80219", "80204", "80010", "80012", "80221", "80229", "80110", "80226", "80205", "80203"]
    else:
        from bench.synthetic import metro_zips

        zips = [record["zip_code"] for records in metro_zips().values() for record in records[:15]]
    measure(queries(rng, zips, args.queries))


if __name__ == "__main__":
    main()
