"""Stream the whole HSDS feed as ndjson (``/api/hsds/services?format=ndjson&full=true``) and throw it away.

Run by bench/processes.py in a process of its own, so that its peak memory can be read alone;
prints one JSON line: records, bytes, seconds and the process's peak resident memory (VmHWM: that of
this program only, unlike ru_maxrss, which on Linux keeps the parent's peak from before the exec).
``--idle`` answers one small feed request instead, for the baseline of Django alone. The environment
(database, settings) comes from bench/environment.py's ``environment``.
"""

import json
import sys
import time
from pathlib import Path

import django


def main() -> None:
    django.setup()
    from django.test import Client

    started = time.perf_counter()
    records = size = 0
    if "--idle" in sys.argv:
        response = Client().get("/api/hsds/")
        if response.status_code != 200:
            raise SystemExit(f"The feed answered {response.status_code}.")
    else:
        response = Client().get("/api/hsds/services", {"format": "ndjson", "full": "true"})
        if response.status_code != 200:
            raise SystemExit(f"The ndjson feed answered {response.status_code}.")
        for chunk in response.streaming_content:
            size += len(chunk)
            records += chunk.count(b"\n")
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"records": records, "bytes": size, "seconds": seconds, "peak_rss_kib": peak_rss_kib()}))


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("No VmHWM in /proc/self/status: peak memory is measured on Linux only.")


if __name__ == "__main__":
    main()
