"""A keep-alive HTTP load generator, run in its own process so it does not share the server's GIL.

``python -m bench.load URL SECONDS ID...``: one connection per item id, each sending UpdateItem on its own
item back to back (no pause, keep-alive); prints a JSON line with the count of NoError answers per second
and the latencies' median. asyncio keeps its own per-request cost to a few tens of microseconds.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

from .workload import AUTH, update_item


def _request(host: str, port: int, path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: text/xml; charset=utf-8\r\n"
            f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
            ).encode() + body


async def _connection(url: str, item_id: str, until: float, warmup_end: float, latencies: list[float],
                      errors: list[str]) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    requests = [_request(parts.hostname, parts.port, parts.path, update_item([item_id], f"s{i}")) for i in range(50)]
    i = 0
    try:
        while (now := time.perf_counter()) < until:
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200") or b"NoError" not in body:
                errors.append(head.split(b"\r\n", 1)[0].decode() + " " + body[:200].decode(errors="replace"))
            elif now >= warmup_end:
                latencies.append(time.perf_counter() - now)
    finally:
        writer.close()


async def _run(url: str, seconds: float, ids: list[str]) -> dict:
    warmup = 1.0
    start = time.perf_counter()
    latencies: list[float] = []
    errors: list[str] = []
    await asyncio.gather(*(_connection(url, i, start + warmup + seconds, start + warmup, latencies, errors)
                           for i in ids))
    return {"requests_per_second": len(latencies) / seconds, "requests": len(latencies),
            "p50_ms": statistics.median(latencies) * 1e3 if latencies else None,
            "errors": len(errors), "first_error": errors[0] if errors else None}


def main() -> None:
    url, seconds, ids = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    print(json.dumps(asyncio.run(_run(url, seconds, ids))), flush=True)


if __name__ == "__main__":
    main()
