"""Turn a run's results into bench/RESULTS.md: every measure beside the issue's target, met or missed."""

import json
import sys
from pathlib import Path

from bench.queries import CASE_MANAGER, KINDS

# The targets hold at 100,000 services on a 2-core machine (the "Targets").
TARGET_SIZE = 100_000


def _ms(summary: dict | None) -> str:
    if not summary or not summary.get("n"):
        return "—"
    return f"{summary['median_ms']:.1f} / {summary['p95_ms']:.1f}"


def _verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """Return (measure, result, target, met) rows for the main table."""
    table = []
    build = results.get("build") or {}
    for backend, measured in results.get("backends", {}).items():
        label = f" [{backend}]" if len(results["backends"]) > 1 else ""
        search = measured.get("search") or {}
        for kind in KINDS:
            timings = search.get(kind)
            if not timings:
                continue
            api = timings["api"]
            target, met = ("", None)
            if kind == CASE_MANAGER:
                target, met = "p95 ≤ 60 ms", api["p95_ms"] <= 60
            table.append((f"Search API{label}, {kind}: median / p95 ms", _ms(api), target, _verdict(met)))
        for kind in KINDS:
            timings = search.get(kind) or {}
            if "raw_whoosh_top20" in timings:
                ratio = timings["api"]["median_ms"] / timings["raw_whoosh_top20"]["median_ms"]
                table.append(
                    (
                        f"Overhead{label}, {kind}: API ÷ raw Whoosh (top 20), medians",
                        f"{ratio:.1f}x ({_ms(timings['raw_whoosh_top20'])} ms raw)",
                        "≤ 1.3x",
                        _verdict(ratio <= 1.3),
                    )
                )
        for kind in KINDS:
            timings = search.get(kind) or {}
            if "naive" in timings:
                ratio = timings["naive"]["median_ms"] / timings["api"]["median_ms"]
                table.append(
                    (
                        f"Speed-up{label}, {kind}: naive ORM ÷ API, medians",
                        f"{ratio:.1f}x ({_ms(timings['naive'])} ms naive, {timings['naive']['n']} searches)",
                        "≥ 10x",
                        _verdict(ratio >= 10),
                    )
                )
        if measured.get("suggest"):
            suggest = measured["suggest"]
            table.append(
                (
                    f"Suggestions API{label}: median / p95 ms",
                    _ms(suggest),
                    "p95 < 30 ms",
                    _verdict(suggest["p95_ms"] < 30),
                )
            )
        if measured.get("first"):
            first = measured["first"]
            table.append(
                (
                    f"A new process's first case-manager search{label}: time, resident memory after",
                    f"{first['zip_ms'] + first['search_ms']:.0f} ms, {first['rss_mb']:.0f} MB (ZIP gazetteer "
                    f"{first['zip_ms']:.0f} ms and {first['zip_mb']:.0f} MB of it; Django started "
                    f"{first['started_mb']:.0f} MB; the next search {first['second_search_ms']:.0f} ms)",
                    "≤ 1,000 ms",
                    _verdict(first["zip_ms"] + first["search_ms"] <= 1000),
                )
            )
        if measured.get("rebuild"):
            rebuild = measured["rebuild"]
            table.append(
                (
                    f"Full index rebuild{label}",
                    f"{rebuild['seconds']:.0f} s ({rebuild['documents']} documents, "
                    f"{rebuild['documents_per_second']}/s)",
                    "",
                    "—",
                )
            )
        if measured.get("edits"):
            visible = measured["edits"]["visible"]
            commit = measured["edits"]["commit"]
            table.append(
                (
                    f"Edit searchable after commit{label}: median / p95 ms",
                    f"{_ms(visible)} (commit itself {_ms(commit)})",
                    "≤ 1,000 ms",
                    _verdict(visible["p95_ms"] <= 1000),
                )
            )
        if measured.get("http"):
            searches = measured["http"]["searches"]
            table.append(
                (
                    f"HTTP{label}: gunicorn {measured['http']['workers']} workers, wrk "
                    f"{measured['http']['connections']} connections {measured['http']['seconds']} s",
                    f"{searches['requests_per_second']:.0f} searches/s, p99 {searches['p99_ms']:.0f} ms, "
                    f"{searches['errors']} errors ({searches['non_2xx']} non-2xx, {searches['socket_errors']} socket)",
                    "≥ 150/s, 0 errors",
                    _verdict(searches["requests_per_second"] >= 150 and searches["errors"] == 0),
                )
            )
            during = measured.get("http_during_import")
            if during:
                loaded = during["searches"]
                table.append(
                    (
                        f"HTTP{label} during an import of {during['imported_services']} services "
                        f"(import {during['import_seconds']:.0f} s, running for {during['overlap']:.0%} of the load)",
                        f"{loaded['requests_per_second']:.0f} searches/s, p99 {loaded['p99_ms']:.0f} ms, "
                        f"{loaded['errors']} errors ({loaded['non_2xx']} non-2xx, {loaded['socket_errors']} socket)",
                        "0 errors",
                        _verdict(loaded["errors"] == 0),
                    )
                )
            floor = measured["http"]["floor"]
            table.append(
                (
                    f"HTTP floor{label}: trivial DRF view, same server and load",
                    f"{floor['requests_per_second']:.0f} requests/s, p99 {floor['p99_ms']:.0f} ms, "
                    f"{floor['errors']} errors",
                    "",
                    "—",
                )
            )
    if results.get("floor"):
        floor = results["floor"]
        table.append(("Floor in process: Django JsonResponse, median / p95 ms", _ms(floor["django"]), "", "—"))
        table.append(("Floor in process: DRF APIView, median / p95 ms", _ms(floor["drf"]), "", "—"))
    if build.get("services"):
        rate = build["services_per_second"]
        table.append(
            (
                "Import + index (import_hsds, index written after each commit)",
                f"{rate:.0f} services/s ({build['services']} services in {build['import_seconds']:.0f} s, "
                f"of which index {build['index_seconds']:.0f} s)",
                "≥ 2,500 services/s",
                _verdict(rate >= 2500),
            )
        )
    if results.get("hsds"):
        hsds = results["hsds"]
        same = hsds["queries_per_page_100"] <= hsds["queries_per_page_10"]
        table.append(
            (
                "HSDS /services?per_page=100&full=true: median / p95 ms",
                _ms(hsds["per_page_100"]),
                "p95 ≤ 150 ms",
                _verdict(hsds["per_page_100"]["p95_ms"] <= 150),
            )
        )
        table.append(
            (
                "HSDS page queries, per_page=10 vs 100",
                f"{hsds['queries_per_page_10']} vs {hsds['queries_per_page_100']}",
                "does not grow",
                _verdict(same),
            )
        )
    if results.get("ndjson"):
        dump = results["ndjson"]
        table.append(
            (
                "HSDS ndjson dump of every service (full): peak RSS",
                f"{dump['peak_rss_mb']:.0f} MB ({dump['records']} records, {dump['megabytes']:.0f} MB, "
                f"{dump['seconds']:.0f} s; Django idle {dump['idle_rss_mb']:.0f} MB)",
                "≤ 200 MB",
                _verdict(dump["peak_rss_mb"] <= 200),
            )
        )
    return table


def search_detail(results: dict) -> list[str]:
    lines = []
    for backend, measured in results.get("backends", {}).items():
        search = measured.get("search")
        if not search:
            continue
        lines += [
            f"### Search in detail ({backend}), median / p95 ms",
            "",
            "| kind | API | raw Whoosh top 20 | raw Whoosh, all matches | naive ORM | queries per search | "
            "mean results |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind in KINDS:
            timings = search.get(kind)
            if not timings:
                continue
            lines.append(
                f"| {kind} | {_ms(timings['api'])} | {_ms(timings.get('raw_whoosh_top20'))} | "
                f"{_ms(timings.get('raw_whoosh_all'))} | {_ms(timings.get('naive'))} | "
                f"{timings['api_queries_per_search']} | {timings['mean_results']} |"
            )
        lines.append("")
    return lines


def markdown(results: dict) -> str:
    dataset = results["dataset"]
    machine = results["machine"]
    size = dataset["services"]
    lines = [
        "# Benchmark results",
        "",
        f"Made by `{results['command']}` on {results['started_at'][:16].replace('T', ' ')} UTC in "
        f"{results['duration_seconds'] / 60:.0f} min. Dataset: **{dataset['name']}** "
        f"({dataset['listed_services']} listed services, {dataset['database']}); search backends: "
        f"{', '.join(results['backends'])}. How it is measured: README, Benchmarks.",
        "",
    ]
    if size != TARGET_SIZE:
        lines += [
            f"The targets are the issue's, for {TARGET_SIZE:,} services; this run has "
            f"{dataset['listed_services']:,}, so met or missed here only shows the way.",
            "",
        ]
    lines += [
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {machine['cpu']}, {machine['cores']} cores |",
        f"| memory | {machine['memory_gib']} GiB |",
        f"| system | {machine['os']} |",
        f"| Python | {machine['python']} (Django {machine['django']}) |",
        f"| SQLite | {machine['sqlite']} |",
        f"| PostgreSQL | {machine['postgresql'] or 'not installed'} |",
        f"| Whoosh | {machine['whoosh']} |",
        f"| gunicorn, wrk | {machine['gunicorn']}, {machine['wrk']} |",
        f"| load average at start / end | {' '.join(map(str, machine['load_average']))} / "
        f"{' '.join(map(str, results.get('load_average_end', [])))} |",
        "",
        "## Results",
        "",
        "| measure | result | target | |",
        "|---|---|---|---|",
    ]
    lines += [f"| {measure} | {value} | {target} | {met} |" for measure, value, target, met in rows(results)]
    lines.append("")
    lines += search_detail(results)
    build = results.get("build") or {}
    if build.get("parts"):
        lines += [
            f"The import was measured when this database was built ({build['built_at'][:16].replace('T', ' ')} "
            f"UTC, {build['parts']} files of up to {build['part_size']} services, one import each); "
            "`--fresh` builds and measures it again.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    """Write RESULTS.md again from a results.json (``python -m bench.report [bench/results.json]``)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
    path.with_name("RESULTS.md").write_text(markdown(json.loads(path.read_text())) + "\n")


if __name__ == "__main__":
    main()
