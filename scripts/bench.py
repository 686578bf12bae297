"""Page weight, query count and server time of the main pages, on the demo database.

Run with `make bench` (after `make run` has set up var/). Prints a Markdown table.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regionbridge.settings")
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("RATE_LIMITS", "off")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from regionbridge.accounts.models import User  # noqa: E402
from regionbridge.organizations.models import Person  # noqa: E402
from regionbridge.partnerships.models import Partnership  # noqa: E402
from tests.pageweight import measure  # noqa: E402

RUNS = 20


def main() -> None:
    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(email="coordinator@demo.regionbridge.example"))
    person = Person.objects.filter(is_demo=True).first()
    partnership = Partnership.objects.get(
        ukrainian_region__code="UA-18", partner_region__code="US-IN"
    )
    pages = [
        "/",
        "/regions/",
        "/regions/?country=US",
        "/regions/UA-18/",
        "/directory/",
        "/directory/?q=Zhytomyr+RMA",
        f"/directory/people/{person.pk}/",
        "/accounts/profile/",
        "/audit/",
        "/partnerships/",
        "/partnerships/?as_of=2024-09-18",
        f"/partnerships/{partnership.pk}/",
        "/public/",
        "/messages/",
        "/api/v1/stats/overview?partner_country=US&as_of=2024-09-18",
        "/api/v1/partnerships",
        "/api/v1/people?q=Zhytomyr",
        "/api/v1/regions?country=US",
    ]
    print("| page | status | first load (raw) | first load (gzip) | queries | median ms |")
    print("|---|---|---|---|---|---|")
    for url in pages:
        status, raw, packed, queries = measure(client, url, connection)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"| `{url}` | {status} | {raw / 1024:.1f} KB | {packed / 1024:.1f} KB "
            f"| {queries} | {statistics.median(timings):.1f} |"
        )


if __name__ == "__main__":
    main()
