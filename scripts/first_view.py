"""What a page costs the first time it is drawn and once it is kept (decision 0013), in-process.

`make bench` reads each page again and again, so it measures kept results; this measures the
other half: each page drawn afresh (the `results` cache emptied before each request, as after a
change to the data), then drawn again while nothing changed. Run it on a generated database:

    VAR_DIR=var/bench/sqlite-scale10 \
    DATABASE_URL=sqlite:///var/bench/sqlite-scale10/regionbridge.sqlite3 \
    .venv/bin/python scripts/first_view.py [--runs 3]

It signs in with Django's test client (no network, no second factor) and prints, per page, the
median milliseconds and the queries of a first view and of a kept one. It writes one session row
per persona.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from regionbridge.accounts.models import User  # noqa: E402

PERSONAS = {
    "coordinator": "coordinator-1@gen.regionbridge.example",
    "embassy": "embassy-100@gen.regionbridge.example",
    "regional": "regional-1000@gen.regionbridge.example",
}
PAGES = [
    ("oversight dashboard", "coordinator", "/oversight/"),
    ("oversight dashboard", "embassy", "/oversight/"),
    ("oversight dashboard, 100 days ago", "coordinator", "/oversight/?as_of={past}"),
    ("a region's ties", "coordinator", "/oversight/regions/UA-18/"),
    ("picture of ties", "coordinator", "/oversight/ties/?partner_country=US"),
    ("picture of ties (API)", "coordinator", "/api/v1/oversight/ties.svg?partner_country=US"),
    ("public registry (with its picture of ties)", "anonymous", "/public/"),
    ("briefing (PDF)", "coordinator", "/oversight/briefing.pdf?lang=uk"),
    ("briefing (PDF)", "regional", "/oversight/briefing.pdf?lang=en"),
    ("partnerships (XLSX)", "coordinator", "/partnerships/?country=US&format=xlsx"),
    ("partnerships (XLSX, API)", "coordinator", "/api/v1/partnerships/export.xlsx?country=US"),
]


def measure(client: Client, path: str, *, first: bool) -> tuple[float, int, int, int]:
    if first:  # as after a change: nothing kept (results, workbooks, the registry's pages)
        for alias in ("results", "exports", "default"):
            caches[alias].clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), response.status_code, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    from datetime import timedelta

    from django.utils import timezone

    past = (timezone.localdate() - timedelta(days=100)).isoformat()
    clients = {"anonymous": Client()}
    for persona, email in PERSONAS.items():
        clients[persona] = Client()
        clients[persona].force_login(User.objects.get(email=email))
    print(f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, runs: {args.runs}")
    print("| page | persona | status | bytes | first view ms | queries | kept ms | queries |")
    print("|---|---|---|---|---|---|---|---|")
    for label, persona, path in PAGES:
        client, path = clients[persona], path.format(past=past)
        measure(client, path, first=True)  # warm the process (templates, translations)
        cold = [measure(client, path, first=True) for _ in range(args.runs)]
        warm = [measure(client, path, first=False) for _ in range(args.runs)]
        status, size = cold[-1][2], cold[-1][3]
        print(
            f"| {label} | {persona} | {status} | {size:,} "
            f"| {statistics.median(c[0] for c in cold):.0f} | {cold[-1][1]} "
            f"| {statistics.median(w[0] for w in warm):.0f} | {warm[-1][1]} |"
        )


if __name__ == "__main__":
    main()
