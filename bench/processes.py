"""Measures that need processes of their own: the ndjson dump's peak memory, and HTTP through gunicorn + wrk.

Every process started here is the benchmark's own and is stopped by its id when the measure ends.
Traffic goes to 127.0.0.1 only.
"""

import json
import os
import shutil
import socket
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
    gunicorn = Path(sys.executable).with_name("gunicorn")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **environment(dataset, backend=backend)}
    paths_file = dataset.folder / "wrk-searches.txt"
    paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    floor_file = dataset.folder / "wrk-floor.txt"
    floor_file.write_text(FLOOR_API_PATH + "\n", encoding="utf-8")
    log_path = dataset.folder / "gunicorn.log"
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
            log(f"  gunicorn up on {base}; checking {len(paths)} searches answer 200 ...")
            bad = [(path, status) for path in paths if (status := _get(base + path)) != 200]
            if bad:
                raise RuntimeError(f"Searches that did not answer 200 over HTTP: {bad[:5]}")
            _wrk(base, paths_file, seconds=5, connections=connections, threads=2)
            log(f"  wrk: {seconds} s, {connections} connections, a mix of {len(paths)} searches ...")
            searches = _wrk(base, paths_file, seconds=seconds, connections=connections, threads=2)
            log("  wrk: 10 s on the floor view ...")
            floor = _wrk(base, floor_file, seconds=10, connections=connections, threads=2)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return {
        "workers": workers,
        "connections": connections,
        "seconds": seconds,
        "distinct_searches": len(paths),
        "searches": searches,
        "floor": floor,
    }
