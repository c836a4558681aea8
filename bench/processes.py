"""Measures that need processes of their own: the ndjson dump's peak memory, a new process's first search,
and HTTP through gunicorn + wrk.

Every process started here is the benchmark's own and is stopped by its id when the measure ends.
Traffic goes to 127.0.0.1 only.
"""

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.environment import ROOT, Dataset, environment
from bench.urls import FLOOR_API_PATH

MIX_SCRIPT = Path(__file__).with_name("mix.lua")


def _run_dump(argument: str | None, env: dict) -> dict:
    """Run bench/dump.py to its end in a process of its own; return the JSON line it prints."""
    command = [sys.executable, "-m", "bench.dump", *([argument] if argument else [])]
    process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {process.stderr[-2000:]}")
    return json.loads(lines[-1])


def ndjson_dump(dataset: Dataset, *, backend: str | None) -> dict:
    """Stream every service as ndjson in a process of its own; its peak RSS, and that of Django idle."""
    env = {**os.environ, **environment(dataset, backend=backend)}
    idle = _run_dump("--idle", env)
    dump = _run_dump(None, env)
    seconds = dump["seconds"] or 1
    return {
        "records": dump["records"],
        "megabytes": round(dump["bytes"] / 1e6, 1),
        "seconds": dump["seconds"],
        "records_per_second": round(dump["records"] / seconds),
        "peak_rss_mb": round(dump["peak_rss_kib"] / 1024, 1),
        "idle_rss_mb": round(idle["peak_rss_kib"] / 1024, 1),
    }


def first_search(dataset: Dataset, params: dict, *, backend: str | None, runs: int = 3) -> dict:
    """A new process's first case-manager search (bench/first_search.py), ``runs`` times: the medians."""
    env = {**os.environ, **environment(dataset, backend=backend)}
    command = [sys.executable, "-m", "bench.first_search", json.dumps(params)]
    measured = []
    for _ in range(runs):
        process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            raise RuntimeError(f"bench.first_search failed ({process.returncode}): {process.stderr[-2000:]}")
        measured.append(json.loads(lines[-1]))

    def median(field: str) -> float:
        return sorted(run[field] for run in measured)[len(measured) // 2]

    return {
        "runs": runs,
        "params": params,
        "started_mb": round(median("started_kib") / 1024, 1),
        "zip_ms": round(median("zip_seconds") * 1000, 1),
        "zip_mb": round(median_difference(measured, "after_zip_kib", "started_kib") / 1024, 1),
        "search_ms": round(median("search_seconds") * 1000, 1),
        "search_mb": round(median_difference(measured, "after_search_kib", "after_zip_kib") / 1024, 1),
        "second_search_ms": round(median("second_search_seconds") * 1000, 1),
        "rss_mb": round(median("after_search_kib") / 1024, 1),
        "peak_rss_mb": round(median("peak_kib") / 1024, 1),
    }


def median_difference(measured: list[dict], after: str, before: str) -> float:
    return sorted(run[after] - run[before] for run in measured)[len(measured) // 2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # 127.0.0.1 only
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wrk(base: str, paths_file: Path, *, seconds: int, connections: int, threads: int) -> dict:
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(MIX_SCRIPT),
        base,
        "--",
        str(paths_file),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    summary = json.loads([line for line in output.splitlines() if line.startswith("{")][-1])
    errors = sum(
        summary[name] for name in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return {
        "requests": summary["requests"],
        "requests_per_second": round(summary["requests"] / (summary["duration_us"] / 1e6), 1),
        "p50_ms": round(summary["latency_p50_us"] / 1000, 1),
        "p90_ms": round(summary["latency_p90_us"] / 1000, 1),
        "p99_ms": round(summary["latency_p99_us"] / 1000, 1),
        "max_ms": round(summary["latency_max_us"] / 1000, 1),
        "errors": errors,
        "non_2xx": summary["status_errors"],
        "socket_errors": errors - summary["status_errors"],
    }


@contextlib.contextmanager
def _gunicorn(env: dict, *, workers: int, log_path: Path):
    """Serve the project with gunicorn (``workers`` sync workers) until the block ends; yield its base URL."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as server_log:
        server = subprocess.Popen(
            [
                str(gunicorn),
                "bench.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                f"--chdir={ROOT}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _get(base + FLOOR_API_PATH) == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start; see {log_path}")
                time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _warm_up(base: str, paths: list[str], paths_file: Path, *, connections: int, log) -> None:
    """Fetch every path once (each must answer 200; this also warms the workers up), then 5 s of wrk unrecorded."""
    log(f"  gunicorn up on {base}; checking {len(paths)} searches answer 200 ...")
    bad = [(path, status) for path in paths if (status := _get(base + path)) != 200]
    if bad:
        raise RuntimeError(f"Searches that did not answer 200 over HTTP: {bad[:5]}")
    _wrk(base, paths_file, seconds=5, connections=connections, threads=2)


def _paths_file(dataset: Dataset, paths: list[str]) -> Path:
    paths_file = dataset.folder / "wrk-searches.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return paths_file


def http(
    dataset: Dataset,
    paths: list[str],
    *,
    backend: str | None,
    seconds: int,
    connections: int,
    workers: int,
    log=print,
) -> dict:
    """Serve the project with gunicorn (``workers`` sync workers) and load it with wrk on a mix of searches.

    Every path is fetched once first (it must answer 200; this also warms both workers up), then wrk
    runs 5 s unrecorded, then ``seconds`` recorded; then 10 s on the DRF floor for the ceiling of the stack.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package wrk).")
    env = {**os.environ, **environment(dataset, backend=backend)}
    paths_file = _paths_file(dataset, paths)
    floor_file = dataset.folder / "wrk-floor.txt"
    floor_file.write_text(FLOOR_API_PATH + "\n", encoding="utf-8")
    with _gunicorn(env, workers=workers, log_path=dataset.folder / "gunicorn.log") as base:
        _warm_up(base, paths, paths_file, connections=connections, log=log)
        log(f"  wrk: {seconds} s, {connections} connections, a mix of {len(paths)} searches ...")
        searches = _wrk(base, paths_file, seconds=seconds, connections=connections, threads=2)
        log("  wrk: 10 s on the floor view ...")
        floor = _wrk(base, floor_file, seconds=10, connections=connections, threads=2)
    return {
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "distinct_searches": len(paths),
        "searches": searches,
        "floor": floor,
    }


def http_during_import(
    dataset: Dataset,
    paths: list[str],
    *,
    services: int,
    backend: str | None,
    seconds: int,
    connections: int,
    workers: int,
    log=print,
) -> dict:
    """The same wrk load while ``import_hsds`` brings ``services`` new synthetic services into the directory.

    Runs on a copy of the dataset's SQLite database and index (var/bench/<dataset>/during-import/), so the
    dataset itself stays as it was; the import runs in a process of its own, as an operator's would, and
    its search index follows it. The copy is made again for each run.
    """
    from bench import synthetic

    if dataset.database != "sqlite":
        raise RuntimeError("The load-during-import measure copies the SQLite dataset; run it with --database sqlite.")
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (Debian package wrk).")
    folder = dataset.folder / "during-import"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "static").mkdir(parents=True)
    # SQLite's backup, not a file copy: in WAL mode the latest writes may still be in the -wal file.
    with (
        contextlib.closing(sqlite3.connect(dataset.folder / "directory.sqlite3")) as source,
        contextlib.closing(sqlite3.connect(folder / "directory.sqlite3")) as copy,
    ):
        source.backup(copy)
    shutil.copytree(dataset.index_dir, folder / "search-index")
    hsds_dir = folder / "hsds"
    # Another seed: other organizations and services than the dataset's own (ids derive from the seed).
    written = synthetic.write(hsds_dir, services=services, seed=services + 7331)
    env = {
        **os.environ,
        **environment(dataset, backend=backend),
        "DATABASE_URL": f"sqlite:///{folder / 'directory.sqlite3'}",
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "VAR_DIR": str(folder),
    }
    paths_file = _paths_file(dataset, paths)
    import_log = folder / "import.log"
    with _gunicorn(env, workers=workers, log_path=folder / "gunicorn.log") as base:
        _warm_up(base, paths, paths_file, connections=connections, log=log)
        log(f"  import_hsds of {written} services started; wrk: {seconds} s, {connections} connections meanwhile ...")
        started = time.monotonic()
        with import_log.open("w") as output:
            importer = subprocess.Popen(
                [sys.executable, "manage.py", "import_hsds", str(hsds_dir), "--source", "bench-during-import"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                searches = _wrk(base, paths_file, seconds=seconds, connections=connections, threads=2)
                load_ended = time.monotonic() - started
                returncode = importer.wait(timeout=1800)
            finally:
                if importer.poll() is None:
                    importer.kill()
                    importer.wait()
        import_seconds = time.monotonic() - started
    if returncode != 0:
        raise RuntimeError(f"import_hsds exited {returncode} during the load; see {import_log}")
    return {
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "distinct_searches": len(paths),
        "imported_services": written,
        "import_seconds": round(import_seconds, 1),
        # The share of the recorded load during which the import was running.
        "overlap": round(min(import_seconds, load_ended) / load_ended, 2),
        "searches": searches,
    }
