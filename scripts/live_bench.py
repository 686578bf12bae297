"""Live updates under load (issue 9.1): N listeners on one thread, messages posted meanwhile.

An asyncio client on raw HTTP: it signs in through the login form (a session cookie, as a
browser), opens N Server-Sent Event streams of one thread with that cookie (one person may hold
many), posts messages through the API 1.5 s apart, and measures for every listener and message
the time from the start of the POST to the event's arrival. Meanwhile it asks for `/` every
100 ms, and before the listeners it measures `/` alone, for comparison. Streams that the server
ends (every 25 s) reconnect with Last-Event-ID, as a browser does; a 503 waits its Retry-After.

    .venv/bin/python scripts/live_bench.py --url http://127.0.0.1:8000 --listeners 1000

BENCH_EMAIL, BENCH_PASSWORD (default: the demo coordinator) and BENCH_THREAD_ID (default: the
person's first thread) come from the environment; `make bench` sets them. The last line printed
is the result as JSON. The client shares the machine with the server: figures are indicative.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET_P95_MS = 250
HOME_RATIO = 1.5


@dataclass
class Site:
    host: str
    port: int
    cookies: dict = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


async def http(site: Site, method: str, path: str, *, headers=None, body: bytes = b""):
    """One request on a connection of its own; returns (status, headers, body)."""
    reader, writer = await asyncio.open_connection(site.host, site.port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {site.host}:{site.port}", "Connection: close"]
        if site.cookies:
            lines.append(f"Cookie: {site.cookie_header()}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status, answer = await read_head(reader)
        length = answer.get("content-length")
        data = await (reader.readexactly(int(length)) if length else reader.read())
        return status, answer, data
    finally:
        writer.close()


async def read_head(reader) -> tuple[int, dict]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("no answer")
    status = int(status_line.split()[1])
    headers: dict = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _colon, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "set-cookie":
            headers.setdefault("set-cookie", []).append(value.strip())
        else:
            headers[name] = value.strip()
    return status, headers


def keep_cookies(site: Site, headers: dict) -> None:
    for cookie in headers.get("set-cookie", []):
        pair = cookie.split(";", 1)[0]
        name, _eq, value = pair.partition("=")
        site.cookies[name.strip()] = value.strip()


async def sign_in(site: Site, email: str, password: str) -> None:
    status, headers, body = await http(site, "GET", "/accounts/login/")
    keep_cookies(site, headers)
    token = CSRF_FIELD.search(body.decode(errors="replace"))
    if status != 200 or not token:
        sys.exit(f"live_bench: no login form ({status})")
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    status, headers, _body = await http(
        site,
        "POST",
        "/accounts/login/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=form,
    )
    keep_cookies(site, headers)
    if status != 302 or "sessionid" not in site.cookies:
        sys.exit(f"live_bench: sign-in as {email} failed ({status})")


async def first_thread(site: Site) -> int:
    """The person's latest thread; without one, a thread started through the page's form."""
    status, _headers, body = await http(site, "GET", "/api/v1/threads")
    items = json.loads(body) if status == 200 else {}
    items = items.get("items", items) if isinstance(items, dict) else items
    if items:
        return int(items[0]["id"])
    status, headers, body = await http(site, "GET", "/messages/new/")
    keep_cookies(site, headers)
    token = CSRF_FIELD.search(body.decode(errors="replace"))
    form = urllib.parse.urlencode(
        {
            "subject": "Live bench",
            "kind": "channel",
            "people": "",
            "body": "Live bench: listeners, this is your thread.",
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
    ).encode()
    status, headers, _body = await http(
        site,
        "POST",
        "/messages/new/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=form,
    )
    found = re.search(r"/messages/(\d+)/", headers.get("location", ""))
    if status != 302 or not found:
        sys.exit(f"live_bench: no thread to listen to ({status}); set BENCH_THREAD_ID")
    return int(found.group(1))


@dataclass
class Tally:
    connected: int = 0
    refused: int = 0  # 503 answers (LIVE_MAX_STREAMS)
    reconnects: int = 0
    errors: int = 0
    arrivals: dict = field(default_factory=dict)  # (listener, message id) -> monotonic time


async def listen(site: Site, thread_id: int, number: int, tally: Tally, ready, stop) -> None:
    """One listener: a stream, read line by line; reconnects as a browser does."""
    last_event_id = None
    counted = False
    while not stop.is_set():
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        try:
            reader, writer = await asyncio.open_connection(site.host, site.port)
        except OSError:
            tally.errors += 1
            await asyncio.sleep(1)
            continue
        try:
            lines = [
                f"GET /messages/{thread_id}/stream/ HTTP/1.1",
                f"Host: {site.host}:{site.port}",
                f"Cookie: {site.cookie_header()}",
                *(f"{k}: {v}" for k, v in headers.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            await writer.drain()
            status, answer = await read_head(reader)
            if status == 503:
                tally.refused += 1
                await asyncio.sleep(float(answer.get("retry-after", "5")))
                continue
            if status != 200:
                tally.errors += 1
                await asyncio.sleep(1)
                continue
            if not counted:
                counted = True
                tally.connected += 1
                if tally.connected == ready.target:
                    ready.set()
            else:
                tally.reconnects += 1
            async for event_id, data in events_of(reader, answer):
                if stop.is_set():
                    break
                if data is not None:
                    message = json.loads(data)
                    tally.arrivals.setdefault((number, message["id"]), time.monotonic())
                if event_id:
                    last_event_id = event_id
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            tally.errors += 1
        finally:
            writer.close()


async def events_of(reader, answer: dict):
    """(id, data) of each event with data; chunked transfer decoded as it comes."""
    chunked = answer.get("transfer-encoding", "").lower() == "chunked"
    buffer = ""

    async def more() -> str:
        if not chunked:
            return (await reader.read(65536)).decode()
        size_line = await reader.readline()
        if not size_line:
            return ""
        size = int(size_line.strip() or b"0", 16)
        if size == 0:
            return ""
        chunk = await reader.readexactly(size + 2)
        return chunk[:-2].decode()

    while True:
        while "\n\n" not in buffer:
            piece = await more()
            if not piece:
                return
            buffer += piece
        block, buffer = buffer.split("\n\n", 1)
        event_id, data = None, None
        for line in block.split("\n"):
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
        if data is not None or event_id:
            yield event_id, data


async def probe_home(site: Site, seconds: float | None, stop=None, every: float = 0.1) -> list:
    """Latencies (ms) of `/` asked one after another, every `every` seconds."""
    times = []
    deadline = time.monotonic() + seconds if seconds else None
    while not (stop and stop.is_set()) and not (deadline and time.monotonic() > deadline):
        started = time.monotonic()
        status, _h, _b = await http(site, "GET", "/")
        if status == 200:
            times.append((time.monotonic() - started) * 1000)
        await asyncio.sleep(every)
    return times


def percentile(values: list, p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 1)


async def run(args) -> dict:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    url = urllib.parse.urlsplit(args.url)
    site = Site(url.hostname or "127.0.0.1", url.port or 80)
    await sign_in(site, args.email, args.password)
    thread_id = args.thread or await first_thread(site)
    csrf = site.cookies.get("csrftoken", "")

    baseline = await probe_home(site, args.baseline_seconds)

    tally = Tally()
    ready = asyncio.Event()
    ready.target = args.listeners
    stop = asyncio.Event()
    started = time.monotonic()
    listeners = []
    for number in range(args.listeners):
        listeners.append(asyncio.create_task(listen(site, thread_id, number, tally, ready, stop)))
        if number % 50 == 49:
            await asyncio.sleep(0.05)  # a browser crowd, not a SYN flood
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready.wait(), timeout=args.connect_timeout)
    connect_seconds = time.monotonic() - started
    await asyncio.sleep(1.0)  # every stream past its first read

    home_stop = asyncio.Event()
    home = asyncio.create_task(probe_home(site, None, home_stop))
    posts = {}  # message id -> POST start
    answered = {}  # message id -> POST answered (the fan-out alone is measured from here)
    post_ms = []
    for n in range(args.messages):
        body = json.dumps({"body": f"Live bench {n + 1}/{args.messages} at {time.time():.3f}"})
        begun = time.monotonic()
        status, _h, answer = await http(
            site,
            "POST",
            f"/api/v1/threads/{thread_id}/messages",
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
            body=body.encode(),
        )
        post_ms.append(round((time.monotonic() - begun) * 1000, 1))
        if status != 201:
            sys.exit(f"live_bench: POST answered {status}: {answer[:200]!r}")
        posts[json.loads(answer)["id"]] = begun
        answered[json.loads(answer)["id"]] = time.monotonic()
        if n + 1 < args.messages:
            await asyncio.sleep(args.interval)
    wanted = {(number, mid) for number in range(tally.connected) for mid in posts}
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline and not wanted <= tally.arrivals.keys():
        await asyncio.sleep(0.2)
    home_stop.set()
    during = await home
    stop.set()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)

    latencies = [
        (tally.arrivals[(number, mid)] - posts[mid]) * 1000
        for number in range(args.listeners)
        for mid in posts
        if (number, mid) in tally.arrivals
    ]
    fan_out = [
        max(0.0, (tally.arrivals[(number, mid)] - answered[mid]) * 1000)
        for number in range(args.listeners)
        for mid in posts
        if (number, mid) in tally.arrivals
    ]
    expected = args.listeners * len(posts)
    p95 = percentile(latencies, 95)
    home_base, home_during = percentile(baseline, 95), percentile(during, 95)
    ratio = round(home_during / home_base, 2) if home_base and home_during else None
    return {
        "listeners": args.listeners,
        "connected": tally.connected,
        "connect_seconds": round(connect_seconds, 1),
        "refused_503": tally.refused,
        "reconnects": tally.reconnects,
        "errors": tally.errors,
        "messages": len(posts),
        "expected": expected,
        "delivered": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": p95,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "after_post_p50_ms": percentile(fan_out, 50),
        "after_post_p95_ms": percentile(fan_out, 95),
        "post_ms": post_ms,
        "home_p95_ms_alone": home_base,
        "home_p95_ms_with_listeners": home_during,
        "home_ratio": ratio,
        "target_met": bool(
            latencies
            and len(latencies) == expected
            and p95 < TARGET_P95_MS
            and ratio is not None
            and ratio <= HOME_RATIO
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--listeners", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--interval", type=float, default=1.5)
    parser.add_argument("--thread", type=int, default=int(os.environ.get("BENCH_THREAD_ID") or 0))
    parser.add_argument(
        "--email", default=os.environ.get("BENCH_EMAIL", "coordinator@demo.regionbridge.example")
    )
    parser.add_argument("--password", default=os.environ.get("BENCH_PASSWORD", "Demo-Bridge-2026!"))
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait for the rest")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(
        f"{result['connected']}/{result['listeners']} listeners in {result['connect_seconds']} s;"
        f" {result['delivered']}/{result['expected']} events; delivery p50 {result['p50_ms']} ms,"
        f" p95 {result['p95_ms']} ms (target < {TARGET_P95_MS}), after the POST's answer p95"
        f" {result['after_post_p95_ms']} ms; POST {result['post_ms']} ms;"
        f" / p95 {result['home_p95_ms_alone']} ms alone, {result['home_p95_ms_with_listeners']} ms"
        f" with listeners (×{result['home_ratio']}, target ≤ {HOME_RATIO})"
    )
    print(json.dumps(result))
    sys.exit(0 if result["target_met"] else 1)


if __name__ == "__main__":
    main()
